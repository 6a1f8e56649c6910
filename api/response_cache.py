"""Answers to repeated reads, kept until anything they could depend on changes.

A read's answer depends on the query text, operation name and variables, on who asks
(the viewer with its grants, how it signed in, its language) and on the data: the graph,
the matching index built from it, and the account and introduction store (grants,
consent). :class:`ResponseCache` keeps the encoded answer of an error-free read under
the first half and serves it only while the second half is provably unchanged:

* the embedded graph store's ``version``, which goes up after every write once its
  change is in memory (in a serve group also when the writes of another worker are
  applied, before the request that found them runs: ``EmbeddedStore.catch_up``);
* :func:`generation`, which goes up when a mutation starts and ends and whenever this
  process changes the matching index (``Context.wrote``/``removed``, the change log);
* the account and introduction store's :meth:`api.sqlite_file.SqliteFile.version`
  (SQLite's ``data_version`` and the connection's own changes), so a grant written by
  another process (``wijknet grant``) counts as a change too.

When any of them moves, every kept answer is dropped; an answer computed while one moved
is not kept; while a mutation runs nothing is served or kept. Entries are never shared
between viewers: the viewer is part of the key. Only reads of the graph are kept (the
root fields in :data:`CACHEABLE`): nothing that reads the clock (sessions, tokens,
introductions' "no answer yet") and nothing with side effects. The per-request limits
still run for a cached answer (priced and charged to the client's budget first).

With Neo4j the cache is off: other workers write without this process knowing, and
the change log is followed only every ``--follow-ms``, so an answer could be stale.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from api.limits import root_fields
from api.sqlite_file import SqliteFile

if TYPE_CHECKING:
    from api.identity import Identity
    from graph.store import GraphStore

CACHEABLE = frozenset(
    {
        "__typename",
        "node",
        "actor",
        "actors",
        "initiative",
        "initiatives",
        "place",
        "places",
        "skills",
        "themes",
        "instruments",
        "path",
        "stats",
        "event",
        "events",
        "suggestPartners",
        "suggestCoalition",
        "suggestInvitees",
        "network",
        "networkPlaces",
    }
)
"""Root query fields whose answers depend only on the graph, the index, the viewer and the
account/introduction store: never the clock, never a side effect."""
MAX_BYTES = 64 * 1024 * 1024
"""All kept answers together, encoded."""
MAX_ENTRY = 2 * 1024 * 1024
"""One answer larger than this is not kept."""

_generation = 0
_writing = 0


def generation() -> int:
    """Goes up with every change this process makes that the store's version may not
    show at the same moment (see the module docstring)."""
    return _generation


def changed() -> None:
    """Note a change (the matching index was updated or rebuilt)."""
    global _generation
    _generation += 1


class _Versioned(Protocol):
    version: int


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    kept: int = 0
    bypassed: int = 0  # a read the cache could not vouch for: answered without it


class ResponseCache:
    """Encoded answers by (viewer, query, variables), valid for one version of the data."""

    def __init__(
        self, store: _Versioned, files: tuple[SqliteFile, ...], *, max_entries: int = 1024
    ) -> None:
        self._store = store
        self._files = files
        self.max_entries = max_entries
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._version: tuple[int, ...] | None = None

    @classmethod
    def for_app(
        cls, store: GraphStore, identity: Identity, *, max_entries: int
    ) -> ResponseCache | None:
        """A cache for ``store`` and ``identity``, or None where it cannot be exact: a
        store without a write version (Neo4j), or accounts kept outside SQLite."""
        files = (identity.store, identity.introductions)
        if (
            max_entries <= 0
            or not isinstance(getattr(store, "version", None), int)
            or not all(isinstance(f, SqliteFile) for f in files)
        ):
            return None
        return cls(store, files, max_entries=max_entries)  # type: ignore[arg-type]

    def version(self) -> tuple[int, ...] | None:
        """The data's version now, or None when it cannot be read without waiting."""
        out = [self._store.version, _generation]
        for file in self._files:
            found = file.version()
            if found is None:
                return None
            out += found
        return tuple(out)

    def get(self, key: Hashable, version: tuple[int, ...]) -> bytes | None:
        if version != self._version:
            self.clear()
            self._version = version
        found = self._entries.get(key)
        if found is None:
            self.stats.misses += 1
            return None
        self.stats.hits += 1
        self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, version: tuple[int, ...], answer: bytes) -> None:
        if version != self._version or len(answer) > MAX_ENTRY:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old)
        self._entries[key] = answer
        self._bytes += len(answer)
        self.stats.kept += 1
        while len(self._entries) > self.max_entries or self._bytes > MAX_BYTES:
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= len(dropped)

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _key(ec: Any, context: Any) -> Hashable | None:
    """The request's key, or None when its answer must not be kept."""
    document, query = ec.graphql_document, ec.query
    if document is None or query is None:
        return None
    name = ec._provided_operation_name
    kind, fields = root_fields(document, name)
    if kind != "query" or not fields <= CACHEABLE:
        return None
    try:
        variables = orjson.dumps(ec.variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    auth = getattr(context, "auth", None)
    return (context.viewer, getattr(auth, "via", None), context.lang, query, name, variables)


class CachedResponses(SchemaExtension):
    """Serve a read from :class:`ResponseCache` (``info.context.response_cache``), or keep
    its answer; count mutations in flight (while one runs, nothing is served or kept).

    Runs after the limits (a cached answer is still priced and charged) and before the
    viewer's circle is derived (a cached answer needs none; an answer computed with a
    circle that could not be read is not kept); a result already set (a refusal) is left
    alone."""

    def on_execute(self) -> Iterator[None]:
        global _generation, _writing
        ec = self.execution_context
        if ec.operation_type is not OperationType.QUERY:
            _writing += 1
            _generation += 1
            try:
                yield
            finally:
                _generation += 1
                _writing -= 1
            return
        context = ec.context
        cache: ResponseCache | None = getattr(context, "response_cache", None)
        key = _key(ec, context) if cache is not None and ec.result is None else None
        if cache is None or key is None:
            yield
            return
        before = cache.version() if not _writing else None
        if before is None:
            cache.stats.bypassed += 1
            yield
            return
        found = cache.get(key, before)
        if found is not None:
            ec.result = ExecutionResult(data=orjson.Fragment(found), errors=None)  # type: ignore[arg-type]
            yield
            return
        yield
        result = ec.result
        if (
            result is None
            or result.errors
            or result.data is None
            or _writing
            or not getattr(context, "circle_exact", True)
            or cache.version() != before
        ):
            return
        cache.put(key, before, orjson.dumps(result.data))
