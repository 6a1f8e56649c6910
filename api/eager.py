"""Run async resolvers eagerly: most of them finish without ever waiting.

graphql-core treats every awaitable a resolver returns as work to schedule: a list whose
items await becomes a ``gather`` of tasks, each a turn of the event loop. But a resolver
over a store that answers from memory awaits nothing that waits, so its coroutine can be
run to its end at once, in the resolver call, and its value handed back as a plain value:
the query then completes synchronously, as if the resolver were not async at all. A
coroutine that does wait (a Neo4j read, a DataLoader batch) is handed to graphql-core as
a coroutine that carries on from where it stopped: the same result, the same errors,
the same cancellation, only one step earlier (this is Python 3.12's eager task factory,
one level up).
"""

from __future__ import annotations

import inspect
from asyncio import isfuture
from collections.abc import Callable, Coroutine, Generator
from types import CoroutineType
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema

Resolver = Callable[..., Any]


class _Rest:
    """The rest of a coroutine that stopped at its first wait (``first``): awaiting it
    yields what the coroutine yielded and passes back what it is sent or thrown."""

    __slots__ = ("coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self.coro, self.first = coro, first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, yielded = self.coro, self.first
        if isfuture(yielded):
            if not yielded.done():
                yielded._asyncio_future_blocking = True  # awaited (see `eager`)
            else:  # done meanwhile: carry on without a turn of the loop
                try:
                    yielded = coro.send(None)
                except StopIteration as done:
                    return done.value
        while True:
            try:
                sent = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # thrown in, e.g. a cancellation: pass it on
                try:
                    yielded = coro.throw(exc)
                except StopIteration as done:
                    return done.value
                continue
            try:
                yielded = coro.send(sent)
            except StopIteration as done:
                return done.value


async def _finish(rest: _Rest) -> Any:
    return await rest


def eager(resolve: Resolver) -> Resolver:
    """``resolve`` (a coroutine function) as a function that returns the coroutine's value
    when it finishes without waiting, else a coroutine for the rest of it."""

    def run(source: Any, info: Any, **kwargs: Any) -> Any:
        coro = resolve(source, info, **kwargs)
        if type(coro) is not CoroutineType:
            return coro
        try:
            first = coro.send(None)
        except StopIteration as done:
            return done.value
        if isfuture(first):
            # A future marks itself "awaited" until a task takes it; until our task does,
            # other resolvers may await the same future (a DataLoader's, for one key).
            first._asyncio_future_blocking = False
        return _finish(_Rest(coro, first))

    run.__wrapped__ = resolve  # type: ignore[attr-defined]
    return run


def run_eagerly(schema: GraphQLSchema) -> None:
    """Make every async resolver of ``schema`` eager (see the module docstring)."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if field.resolve is not None and inspect.iscoroutinefunction(field.resolve):
                field.resolve = eager(field.resolve)
