"""CPU-heavy work off the event loop, each distinct job computed once at a time.

Network analytics, layouts and big exports run in a small thread pool, so that
``/healthz`` and small queries keep answering while they compute (numpy, scipy and
igraph release the GIL for their inner loops; pure-Python parts yield it every few
milliseconds). Requests that ask for the same job while it runs share its result
instead of starting it again. A waiter that gives up (its request deadline passed)
does not cancel the job for the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

WORKERS = 2
"""Heavy jobs at once; more would only slow each down on a small machine."""

_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="wijknet-heavy")
_running: dict[Hashable, asyncio.Future[Any]] = {}
started = 0
"""Jobs started (not joined): lets a test see that duplicates shared one computation."""


async def run(key: Hashable, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the heavy pool; a call with the same ``key`` while the first
    runs waits for that one instead of computing again."""
    global started
    future = _running.get(key)
    if future is None:
        started += 1
        future = asyncio.get_running_loop().run_in_executor(_pool, fn, *args)
        _running[key] = future
        future.add_done_callback(lambda _: _running.pop(key, None))
    result: T = await asyncio.shield(future)
    return result
