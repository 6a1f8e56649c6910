"""Eager resolvers: the same values, errors and cancellations as awaiting them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.eager import eager


async def _no_wait(source: Any, info: Any, **kwargs: Any) -> int:
    return 1 + kwargs.get("x", 0)


async def _waits(source: Any, info: Any, **kwargs: Any) -> int:
    await asyncio.sleep(0)
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(future.set_result, 41)
    return await future + 1


async def _fails(source: Any, info: Any, **kwargs: Any) -> int:
    raise ValueError("no")


async def _fails_later(source: Any, info: Any, **kwargs: Any) -> int:
    await asyncio.sleep(0)
    raise ValueError("later")


async def test_a_resolver_that_does_not_wait_gives_its_value_at_once() -> None:
    assert eager(_no_wait)(None, None, x=2) == 3


async def test_a_resolver_that_waits_carries_on_as_a_coroutine() -> None:
    result = eager(_waits)(None, None)
    assert asyncio.iscoroutine(result)
    assert await result == 42


async def test_errors_come_out_where_they_would() -> None:
    with pytest.raises(ValueError, match="no"):
        eager(_fails)(None, None)
    with pytest.raises(ValueError, match="later"):
        await eager(_fails_later)(None, None)


async def test_two_resolvers_may_wait_for_one_future() -> None:
    shared: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def wait(source: Any, info: Any) -> int:
        return await shared

    first, second = eager(wait)(None, None), eager(wait)(None, None)
    shared.set_result(7)
    assert await asyncio.gather(first, second) == [7, 7]


async def test_a_cancellation_reaches_the_resolver() -> None:
    reached = asyncio.Event()

    async def slow(source: Any, info: Any) -> int:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            reached.set()
            raise
        return 0

    task = asyncio.ensure_future(eager(slow)(None, None))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert reached.is_set()
