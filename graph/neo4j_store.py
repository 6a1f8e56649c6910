"""The Neo4j adapter: ``GraphStore`` over the official async ``neo4j`` driver.

Results equal :class:`graph.embedded.EmbeddedStore`'s for the same data. Every
statement comes from :mod:`graph.cypher`; writes run in managed transactions
(``execute_write``, which the driver may retry) and are idempotent; every
operation opens a fresh session, so the store recovers by itself once the
server is back. Driver errors are translated at this edge into
:mod:`graph.errors` (``raise ... from exc``).

Reads and writes share one bookmark manager, so a read sees every write this
store made before it, also on a cluster.

How the embedded semantics are kept: lists page by ``n.id > $after`` (ids are
ASCII, so Cypher's string order is code-point order); the ``text`` filter is
``CONTAINS`` on a stored, Python-case-folded ``search_text``; ``shortest_path``
is a breadth-first search from both ends, one query per layer, after which the
smallest path is walked in Python; writes are checked in Python with the
embedded store's rules, order and messages, against kinds read in the same
transaction.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import itertools
import json
import re
import zlib
from collections import defaultdict
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Container,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import (
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    AsyncSession,
    Record,
)
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    DatabaseError,
    DriverError,
    Forbidden,
    IncompleteCommit,
    Neo4jError,
    TransientError,
    UnsupportedServerProduct,
)

from graph import cypher
from graph.errors import Conflict, GraphError, InvalidInput, NotFound, StoreUnavailable
from graph.model import (
    ACTOR_KINDS,
    REL_RULES,
    InitiativeStage,
    Node,
    NodeId,
    NodeKind,
    Relationship,
    RelType,
    node_from_record,
    node_props,
    search_text,
)
from graph.store import (
    Change,
    Changes,
    Direction,
    GraphStats,
    Neighbour,
    NodeFilter,
    Page,
    Path,
    Progress,
    Sight,
    check_hops,
    check_node_writes,
    check_page_size,
    check_rel_writes,
    decode_cursor,
    encode_cursor,
    skill_types_for,
    theme_types_for,
)

#: Change log entries kept (older ones are pruned when a store opens).
KEEP_CHANGES = 100_000
#: Rows per UNWIND statement; a ``bulk_import`` batch is committed as one transaction.
CHUNK = 10_000
#: Rows per ``bulk_import`` batch unless asked otherwise: against 10,000, a warm server made
#: a 153k-row import in about 10% less CPU, 51-58k rows/s against 48-55k; 20,000 was
#: slower again.
IMPORT_BATCH = 5_000
#: Batches of a bulk import written at the same time (see ``_Lanes``): on two cores, three
#: imported a median 50k rows/s against 46k with two and 38k one after another.
LANES = 3
_PAGE = 10_000  # nodes per ``stream`` read
_INDEX_WAIT_SECONDS = 300
_TRIGRAM = 3
_SYMMETRIC = sorted(t.value for t, rule in REL_RULES.items() if rule.symmetric)
_DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
_DRIVER_MAJOR = int(neo4j.__version__.split(".")[0])
_RETRY_SECONDS = 5.0
_CONNECT_SECONDS = 5.0
_ACQUIRE_SECONDS = 10.0
_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})
_MIN_SCRUB = 4  # shorter passwords cannot be told apart from ordinary words

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Tx = AsyncManagedTransaction


class Neo4jStore:
    """``GraphStore`` over Neo4j 5. Open with :meth:`open`."""

    def __init__(self, driver: AsyncDriver, uri: str, database: str, password: str = "") -> None:
        self._driver = driver
        self._where = _safe_uri(uri)
        self._scrub = _scrubber(uri, password)
        self._database = database
        self._bookmarks = AsyncGraphDatabase.bookmark_manager()
        self._closed = False
        self._types_from_values = False  # Neo4j 5.26 and later: `-[:$(expr)]->`

    # --- opening and closing --------------------------------------------------------

    @classmethod
    async def open(
        cls, uri: str, *, user: str, password: str, database: str = "neo4j"
    ) -> Neo4jStore:
        """Connect to ``uri`` (``neo4j://``, ``neo4j+s://``, ``bolt://``, ...) and make the schema.

        Creating the constraint and indexes is idempotent. Raises StoreUnavailable
        when the server cannot be reached, refuses the login or lacks the database.
        """
        where, scrub = _safe_uri(uri), _scrubber(uri, password)
        if urlsplit(uri).scheme not in _SCHEMES:
            raise StoreUnavailable(
                f"{where} is not a Neo4j URI: use neo4j://, neo4j+s:// or bolt:// "
                "(+s or +ssc for TLS)"
            )
        try:
            driver = _driver(uri, user, password)
        except (DriverError, ValueError) as exc:
            raise StoreUnavailable(scrub(f"{where} is not a usable Neo4j URI: {exc}")) from exc
        store = cls(driver, uri, database, password)
        try:
            with store._translated():
                server = await driver.get_server_info()
            store._types_from_values = _takes_types_from_values(server.agent)
            await store._make_schema(cypher.SCHEMA + cypher.SEARCH_INDEXES)
            await store._prune_changes()
        except BaseException:
            await driver.close()
            raise
        return store

    async def _make_schema(self, statements: Iterable[LiteralString]) -> None:
        for statement in statements:
            await self._write(_records, statement)
        await self._read(_records, cypher.AWAIT_INDEXES, seconds=_INDEX_WAIT_SECONDS)

    async def _prune_changes(self) -> None:
        head = (await self._read(_records, cypher.CHANGE_HEAD))[0]["seq"]
        upto = head - KEEP_CHANGES
        if upto > 0:
            while (await self._write(_records, cypher.PRUNE_CHANGES, upto=upto))[0]["pruned"]:
                pass

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await self._driver.close()

    # --- running transactions ---------------------------------------------------------

    async def _read(
        self, work: Callable[Concatenate[Tx, P], Awaitable[R]], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        with self._translated():
            async with self._session() as session:
                return await session.execute_read(work, *args, **kwargs)

    async def _write(
        self, work: Callable[Concatenate[Tx, P], Awaitable[R]], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        with self._translated():
            async with self._session() as session:
                return await session.execute_write(work, *args, **kwargs)

    def _session(self) -> AsyncSession:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        return self._driver.session(database=self._database, bookmark_manager=self._bookmarks)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        """Turn driver and server errors into :mod:`graph.errors`."""
        try:
            yield
        except (Neo4jError, DriverError, UnsupportedServerProduct) as exc:
            raise _translate(exc, self._where, self._database, self._scrub) from exc

    # --- reads ---------------------------------------------------------------------------

    async def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, Node]:
        found = await self._read(_get_nodes, list(dict.fromkeys(ids)))
        return {i: found[i] for i in ids if i in found}

    async def neighbours(
        self,
        ids: Sequence[NodeId],
        *,
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> dict[NodeId, list[Neighbour]]:
        wanted = _type_names(types)
        rows = await self._read(_neighbours, list(dict.fromkeys(ids)), wanted, Direction(direction))
        found: dict[str, list[Neighbour]] = {row["id"]: _neighbours_of(row) for row in rows}
        return {i: found.get(i, []) for i in ids}

    async def list_nodes(
        self, flt: NodeFilter, *, first: int, after: str | None = None, count: bool = True
    ) -> Page:
        check_page_size(first)
        last = decode_cursor(after)
        return await self._read(_list_nodes, flt, first, last, count)

    async def shortest_path(
        self,
        source: NodeId,
        target: NodeId,
        *,
        max_hops: int,
        types: Sequence[RelType] | None = None,
        sight: Sight | None = None,
    ) -> Path | None:
        check_hops(max_hops)
        return await self._read(_shortest_path, source, target, max_hops, types, sight)

    async def is_empty(self) -> bool:
        return not (await self._read(_records, cypher.ANY_NODE))[0]["any"]

    async def stats(self) -> GraphStats:
        rows = await self._read(_records, cypher.STATS)
        stats = GraphStats()
        for row in rows:
            if row["c"]:
                counts = stats.nodes if row["what"] == "node" else stats.relationships
                counts[row["name"]] = row["c"]
        return stats

    def stream(self) -> AsyncIterator[Node | Relationship]:
        return self._stream()

    async def changes(self, after: int, *, limit: int = 100) -> Changes:
        return await self._read(_changes, after, limit)

    async def _stream(self) -> AsyncIterator[Node | Relationship]:
        after = ""
        while nodes := await self._read(_collected, cypher.STREAM_NODES, after=after, limit=_PAGE):
            for node_id, kind, props in nodes:
                yield node_from_record(kind, node_id, props)
            after = nodes[-1][0]
        after = ""
        while sources := await self._read(_collected, cypher.STREAM_RELS, after=after, limit=_PAGE):
            for source, rels in sources:
                for rtype, target, props in rels:
                    yield Relationship.trusted(RelType(rtype), source, target, props)
            after = sources[-1][0]

    # --- writes ----------------------------------------------------------------------------

    async def upsert(
        self,
        nodes: Sequence[Node] = (),
        rels: Sequence[Relationship] = (),
        *,
        create_only: bool = False,
    ) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if nodes or rels:
            await self._write(_upsert, list(nodes), list(rels), create_only)

    async def delete_actor(self, actor_id: NodeId) -> None:
        await self._write(_delete_actor, actor_id)

    async def delete(self, rels: Sequence[Relationship] = (), nodes: Sequence[NodeId] = ()) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if rels or nodes:
            await self._write(_delete, [_rel_key(r) for r in rels], list(dict.fromkeys(nodes)))

    async def bulk_import(
        self,
        nodes: Iterable[Node],
        rels: Iterable[Relationship],
        *,
        batch_size: int | None = None,
        progress: Progress | None = None,
    ) -> tuple[int, int]:
        batch_size = IMPORT_BATCH if batch_size is None else batch_size
        if batch_size < 1:
            raise InvalidInput("must be at least 1", field="batchSize")
        # Into an empty database, the text indexes are built once at the end instead of
        # node by node; they come back also when the import fails (and at every open).
        fresh = await self.is_empty()
        if fresh:
            await self._make_schema(cypher.DROP_SEARCH_INDEXES)
        try:
            return await self._import(nodes, rels, batch_size, progress)
        finally:
            if fresh:
                await self._make_schema(cypher.SEARCH_INDEXES)

    async def _import(
        self,
        nodes: Iterable[Node],
        rels: Iterable[Relationship],
        batch_size: int,
        progress: Progress | None,
    ) -> tuple[int, int]:
        done = [0, 0]
        created = _Created()  # nodes this import created: they had no relationships
        made = _Seen()  # relationships this import created (a Bloom filter)

        async def write_nodes(batch: _NodeBatch) -> None:
            created.add(batch.nodes, await self._write(_import_nodes, batch))
            done[0] += len(batch.nodes)
            if progress:
                progress(*done)

        async def write_rels(batch: _RelBatch) -> None:
            await self._write(_import_rels, batch)
            done[1] += len(batch.rels)
            if progress:
                progress(*done)

        async with _Lanes(LANES) as lanes:
            # the batches that may still be in flight when the next one starts
            recent: collections.deque[_NodeBatch] = collections.deque(maxlen=LANES - 1)
            async for batch in _ahead(_batched(nodes, batch_size), _NodeBatch):
                # a node that one of them has too must be written by that one first
                alone = any(batch.meets(other) for other in recent)
                await lanes.start(write_nodes(batch), alone=alone)
                recent.append(batch)
        async with _Lanes(LANES) as lanes:
            ready = functools.partial(
                _RelBatch.of, created=created, made=made, any_type=self._types_from_values
            )
            async for rbatch in _ahead(_batched(rels, batch_size), ready):
                # MERGE must see every relationship the import created before
                await lanes.start(write_rels(rbatch), alone=rbatch.merges)
        return done[0], done[1]


class _Lanes:
    """Batches written ``LANES`` at a time, each in its own transaction: a write waits for
    the server most of its time (reading and applying rows, committing), and meanwhile the
    next one is on its way, so a bulk import keeps both the server and this process busy.
    Batches are started in order; ``start`` returns once fewer than ``LANES`` others are
    still being written (``alone``: once none is). The first failure is raised, by
    ``start`` or at the end of the ``async with``, after the other writes have ended.

    Only batches that cannot conflict may overlap: creating different nodes, or creating
    relationships that cannot exist yet. Such transactions may still wait for each other's
    locks on shared nodes (the driver retries one that the server finds in a deadlock).
    """

    def __init__(self, lanes: int) -> None:
        self._lanes = lanes
        self._busy: collections.deque[asyncio.Task[None]] = collections.deque()

    async def start(self, write: Coroutine[Any, Any, None], *, alone: bool = False) -> None:
        if alone:
            try:
                await self._drain(0)
            except BaseException:
                write.close()  # never started
                raise
        self._busy.append(asyncio.ensure_future(write))
        await self._drain(self._lanes - 1)

    async def _drain(self, left: int) -> None:
        """Wait until at most ``left`` writes are busy, the oldest first."""
        while len(self._busy) > left:
            oldest = self._busy[0]
            try:
                await oldest
            except BaseException:
                self._busy.popleft()
                await self._finish()
                raise
            self._busy.popleft()

    async def _finish(self) -> None:
        """Let the writes still busy end (a transaction is not cut off midway), ignoring how."""
        while self._busy:
            with contextlib.suppress(BaseException):
                await self._busy.popleft()

    async def __aenter__(self) -> _Lanes:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            await self._drain(0)
        else:
            await self._finish()


async def _ahead(batches: Iterator[list[T]], ready: Callable[[list[T]], R]) -> AsyncIterator[R]:
    """``ready(batch)`` for each of ``batches``, each made in a thread while the one before
    is written: the server and this process work at the same time, instead of in turn (the
    client's share was a fifth of an import). One at a time, in order."""
    batch = next(batches, None)
    pending = asyncio.ensure_future(asyncio.to_thread(ready, batch)) if batch else None
    try:
        while pending is not None:
            done = await pending
            batch = next(batches, None)
            pending = asyncio.ensure_future(asyncio.to_thread(ready, batch)) if batch else None
            yield done
    finally:
        if pending is not None:  # the writer failed: let the thread finish, drop its work
            with contextlib.suppress(Exception):
                await pending


@dataclass(slots=True)
class _NodeBatch:
    """A batch of a bulk import's nodes with their rows, made ready to send."""

    nodes: list[Node]
    rows: dict[str, dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.rows = {n.id: _node_row(n) for n in self.nodes}

    def meets(self, other: _NodeBatch) -> bool:
        """Whether a node is in both batches."""
        return not self.rows.keys().isdisjoint(other.rows)


@dataclass(slots=True)
class _RelBatch:
    """A batch of a bulk import's relationships, made ready to send: the statements with
    their rows (see :func:`_import_rels`) and the change log's entry."""

    rels: list[Relationship]
    runs: list[_Run]
    log: bytes
    merges: bool  # whether some relationship may exist already

    @classmethod
    def of(
        cls, rels: list[Relationship], *, created: _Created, made: _Seen, any_type: bool
    ) -> _RelBatch:
        """``rels`` made ready; with ``any_type``, the relationships between nodes the import
        created go in one statement whatever their types (see ``cypher.IMPORT_INNER_RELS``)."""
        new, old = _split_new(rels, created.kinds, made)
        inner = [r for r in new if created.inner(r)]
        check_rel_writes(inner, False, created.kinds, set())
        prefix = created.prefix or ""
        if any_type:
            rows = [created.row(r) for r in inner]
            ends = [
                _Run(None, cypher.IMPORT_INNER_RELS, chunk, {"prefix": prefix})
                for chunk in _batched(rows, CHUNK)
            ]
        else:
            ends = _runs(inner, cypher.IMPORT_INNER_RELS_BY_TYPE, created.row, prefix=prefix)
        runs = [
            *ends,
            *_runs([r for r in new if not created.inner(r)], cypher.IMPORT_NEW_RELS),
            *_runs(old, cypher.MERGE_RELS),
        ]
        return cls([*new, *old], runs, pack_change((), [*new, *old]), merges=bool(old))


def _split_new(
    batch: list[Relationship], created: Container[str], made: _Seen
) -> tuple[list[Relationship], list[Relationship]]:
    """The relationships of ``batch`` that cannot exist yet, and the others.

    A relationship to or from a node this import created can only exist when this import
    created it too: the first time a key comes it is new (CREATE is far cheaper than
    MERGE); when ``made`` may have seen the key, it goes with the others (MERGE).
    """
    new: list[Relationship] = []
    old: list[Relationship] = []
    for rel in batch:
        if (rel.source in created or rel.target in created) and not made.add(rel.key):
            new.append(rel)
        else:
            old.append(rel)
    return new, old


class _Created:
    """The nodes a bulk import created: their kinds and element ids, by id.

    The element ids are kept (and sent) without the ``prefix`` they all share (one server
    gives ``4:<database>:<number>``): a relationship's row is then a third of the bytes to
    pack and to read. Nothing is assumed about their form: the server gets back
    ``prefix + rest``, the very string it gave, and an id that does not start like the
    first one turns the prefix off.
    """

    def __init__(self) -> None:
        self.kinds: dict[str, NodeKind] = {}
        self.element_ids: dict[str, str] = {}  # each without ``prefix``
        self.prefix: str | None = None

    def add(self, batch: Sequence[Node], made: Sequence[tuple[str, str]]) -> None:
        ids = self.element_ids
        for node_id, element_id in made:
            if self.prefix is None:
                self.prefix = element_id[: element_id.rfind(":") + 1]
            elif not element_id.startswith(self.prefix):
                self.element_ids = ids = {k: self.prefix + v for k, v in ids.items()}
                self.prefix = ""
            ids[node_id] = element_id[len(self.prefix) :]
        self.kinds.update((n.id, n.node_kind) for n in batch if n.id in ids)

    def inner(self, rel: Relationship) -> bool:
        """Whether both ends of ``rel`` are nodes this import created."""
        return rel.source in self.kinds and rel.target in self.kinds

    def row(self, rel: Relationship) -> list[Any]:
        ids = self.element_ids
        ends = [ids[rel.source], ids[rel.target]]
        return [*ends, dict(rel.props), rel.source, rel.target, rel.type.value]


class _Seen:
    """A Bloom filter: ``add`` says whether a key may have been added before.

    "Not before" is always right; "maybe" is wrong for a few keys in a hundred at ten
    million keys, which then take the slower, equally correct path. 16 MiB, made lazily.
    """

    _BITS = 1 << 27

    def __init__(self) -> None:
        self._bits: bytearray | None = None

    def add(self, key: tuple[str, str, str]) -> bool:
        if self._bits is None:
            self._bits = bytearray(self._BITS >> 3)
        bits, mask = self._bits, self._BITS - 1
        h = hash(key)
        i, j = h & mask, (h >> 32) & mask
        seen = bool(bits[i >> 3] >> (i & 7) & 1 and bits[j >> 3] >> (j & 7) & 1)
        bits[i >> 3] |= 1 << (i & 7)
        bits[j >> 3] |= 1 << (j & 7)
        return seen


# --- transaction functions (the driver may run each more than once) -------------------------


async def _records(tx: Tx, query: LiteralString, /, **params: Any) -> list[Record]:
    result = await tx.run(query, params)
    return [record async for record in result]


async def _collected(tx: Tx, query: LiteralString, /, **params: Any) -> list[Any]:
    """The one list a ``RETURN collect(...)`` statement returns."""
    record = await (await tx.run(query, params)).single(strict=True)
    items: list[Any] = record[0]
    return items


async def _kinds(tx: Tx, ids: Collection[str]) -> dict[str, NodeKind]:
    rows = await _records(tx, cypher.NODE_KINDS, ids=list(ids))
    return {row["id"]: NodeKind(row["kind"]) for row in rows}


async def _get_nodes(tx: Tx, ids: Sequence[str]) -> dict[str, Node]:
    found = await _collected(tx, cypher.GET_NODES, ids=ids)
    return {node_id: node_from_record(kind, node_id, props) for node_id, kind, props in found}


async def _neighbours(
    tx: Tx, ids: list[NodeId], types: list[str] | None, direction: Direction
) -> list[Record]:
    return await _records(
        tx,
        cypher.NEIGHBOURS,
        ids=ids,
        types=types,
        symmetric=_SYMMETRIC,
        out=direction is not Direction.IN,
        **{"in": direction is not Direction.OUT},
    )


async def _list_nodes(tx: Tx, flt: NodeFilter, first: int, last: str | None, count: bool) -> Page:
    anchor, params = _list_params(flt)
    page = {**params, "after": last or "", "limit": first + 1}
    total: int | None = None
    if count and not _is_plain(flt):
        row = (await _records(tx, cypher.LIST_PAGE_COUNT[anchor], **page))[0]
        found, total = row["nodes"], row["total"]
    else:
        found = await _collected(tx, cypher.LIST_PAGE[anchor], **page)
    if not found:
        # A node matches a place, skill or theme filter only through a relationship to a
        # node of that kind (as REL_RULES allow), so only an empty page needs the check.
        await _require_filter_nodes(tx, flt)
    found.sort(key=lambda item: item[0])  # ids are ASCII: Cypher's order is Python's
    if count and total is None:
        kinds = {str(k) for k in flt.kinds}
        counts = await _records(tx, cypher.COUNT_KINDS)
        total = sum(row["c"] for row in counts if row["kind"] in kinds)
    items = [node_from_record(kind, node_id, props) for node_id, kind, props in found[:first]]
    return Page(
        items=items,
        total=total,
        end_cursor=encode_cursor(items[-1].id) if items else None,
        has_next=len(found) > first,
    )


async def _require_filter_nodes(tx: Tx, flt: NodeFilter) -> None:
    wanted = [
        (value, kind, name)
        for value, kind, name in (
            (flt.place, NodeKind.PLACE, "place"),
            (flt.skill, NodeKind.SKILL, "skill"),
            (flt.theme, NodeKind.THEME, "theme"),
        )
        if value is not None
    ]
    if not wanted:
        return
    kinds = await _kinds(tx, [value for value, _, _ in wanted])
    for value, kind, name in wanted:
        if kinds.get(value) is not kind:
            raise NotFound(f"there is no {kind.lower()} with id {value!r}", field=name)


def _is_plain(flt: NodeFilter) -> bool:
    """True when only ``kinds`` narrows the list (as the embedded store decides it)."""
    related = flt.place is not None or flt.skill is not None or flt.theme is not None
    return (
        not related and not flt.text and not flt.stage and not flt.visibility and flt.sight is None
    )


def _list_params(flt: NodeFilter) -> tuple[cypher.Anchor, dict[str, Any]]:
    """Pick where to start and the parameters of the remaining filters."""
    plain = _is_plain(flt)
    words = flt.text.casefold().split() if flt.text else []
    params: dict[str, Any] = {
        "kinds": [str(k) for k in flt.kinds],
        # as embedded: an empty visibility set filters only when another filter is set
        "visibility": None if plain or flt.visibility is None else [str(v) for v in flt.visibility],
        **_sight_params(flt.sight),
        "stage": InitiativeStage(flt.stage).value if flt.stage else None,
        "words": words,
        "place": flt.place,
        "skill": flt.skill,
        "theme": flt.theme,
        "skill_types": [t.value for t in skill_types_for(flt)],
        "theme_types": [t.value for t in theme_types_for(flt)],
        "anchor": None,
    }
    for anchor in (cypher.Anchor.SKILL, cypher.Anchor.THEME, cypher.Anchor.PLACE):
        if params[anchor.value] is not None:
            params["anchor"], params[anchor.value] = params[anchor.value], None
            return anchor, params
    longest = max(words, key=len, default="")
    if len(longest) >= _TRIGRAM:
        params["anchor"] = longest
        return cypher.Anchor.TEXT, params
    return cypher.Anchor.KINDS, params


def _sight_params(sight: Sight | None) -> dict[str, Any]:
    if sight is None:
        return {"sight_vis": None, "sight_ids": []}
    return {"sight_vis": [str(v) for v in sight.visibility], "sight_ids": sorted(sight.ids)}


async def _upsert(tx: Tx, nodes: list[Node], rels: list[Relationship], create_only: bool) -> None:
    ids = {n.id for n in nodes} | {r.source for r in rels} | {r.target for r in rels}
    kinds = await _kinds(tx, ids)
    existing: set[tuple[str, str, str]] = set()
    if create_only and rels:
        rows = await _records(tx, cypher.EXISTING_RELS, rels=[_rel_key(r) for r in rels])
        existing = {(row["type"], row["source"], row["target"]) for row in rows}
    check_node_writes(nodes, create_only, kinds)
    pending: dict[str, NodeKind] = {n.id: n.node_kind for n in nodes}
    check_rel_writes(rels, create_only, kinds | pending, existing)
    if not await _write_nodes(tx, nodes, create_only):
        raise Conflict("a node of another kind was written meanwhile", field="id")
    if not await _write_rels(tx, rels, create_only):
        raise NotFound("a node was deleted meanwhile", field="source")
    await _log(tx, [n.id for n in nodes], rels)


async def _write_nodes(tx: Tx, nodes: Sequence[Node], create_only: bool) -> bool:
    """Write ``nodes`` grouped by kind; False when some node has another kind already."""
    statements = cypher.CREATE_NODES if create_only else cypher.MERGE_NODES
    for kind, group in _grouped(nodes, lambda n: n.node_kind).items():
        for chunk in _batched(group, CHUNK):
            rows = await _records(tx, statements[kind], rows=[_node_row(n) for n in chunk])
            if rows[0]["written"] < len(chunk):
                return False
    return True


async def _write_rels(tx: Tx, rels: Sequence[Relationship], create_only: bool) -> bool:
    """Write ``rels`` grouped by type; False when an end is missing or of a wrong kind."""
    return await _run_rels(tx, rels, cypher.CREATE_RELS if create_only else cypher.MERGE_RELS)


@dataclass(frozen=True, slots=True)
class _Run:
    """One statement over rows of relationships of one type (or, ``None``, of any)."""

    rtype: RelType | None
    statement: LiteralString
    rows: list[list[Any]]
    params: Mapping[str, Any]


def _runs(
    rels: Sequence[Relationship],
    statements: Mapping[RelType, LiteralString],
    row: Callable[[Relationship], list[Any]] | None = None,
    **params: Any,
) -> list[_Run]:
    """``statements`` per type over ``rels``, a row each as ``row`` makes it, with
    ``params`` besides the rows and the kinds each end may have."""
    row = row or _rel_row
    return [
        _Run(
            rtype,
            statements[rtype],
            [row(r) for r in chunk],
            {
                "source_kinds": sorted(REL_RULES[rtype].sources),
                "target_kinds": sorted(REL_RULES[rtype].targets),
                **params,
            },
        )
        for rtype, group in _grouped(rels, lambda r: r.type).items()
        for chunk in _batched(group, CHUNK)
    ]


async def _run_rels(
    tx: Tx, rels: Sequence[Relationship], statements: Mapping[RelType, LiteralString]
) -> bool:
    """Run ``statements`` per type over ``rels``; False when an end is missing or of a
    wrong kind."""
    return await _send(tx, _runs(rels, statements))


async def _send(tx: Tx, runs: Iterable[_Run]) -> bool:
    """Run ``runs``; False when an end is missing or of a wrong kind."""
    for run in runs:
        rows = await _records(tx, run.statement, rows=run.rows, **run.params)
        # (no row at all when no end matched: `0 AS existed` is a grouping key)
        if rows and rows[0]["existed"]:
            raise Conflict(f"a {run.rtype} relationship was created meanwhile", field="target")
        if not rows or rows[0]["written"] < len(run.rows):
            return False
    return True


async def _import_nodes(tx: Tx, batch: _NodeBatch) -> list[tuple[str, str]]:
    """Create the new nodes of ``batch`` in one statement, replace the others by kind;
    return ``(id, element id)`` of the new ones."""
    nodes = batch.nodes
    kinds = await _kinds(tx, batch.rows.keys())
    check_node_writes(nodes, False, kinds)
    new = [row for node_id, row in batch.rows.items() if node_id not in kinds]
    made: list[tuple[str, str]] = []
    for chunk in _batched(new, CHUNK):
        made += await _collected(tx, cypher.IMPORT_NEW_NODES, rows=chunk)
    if not await _write_nodes(tx, [n for n in nodes if n.id in kinds], False):
        raise Conflict("a node changed its kind meanwhile", field="id")
    await _log(tx, list(batch.rows), ())
    return made


async def _import_rels(tx: Tx, batch: _RelBatch) -> None:
    """Write ``batch``: the relationships new to the store are created, the others merged
    after them (a key that comes again later in the batch is among those). A new
    relationship between two nodes the import created finds them by element id (their
    kinds were checked by :meth:`_RelBatch.of`), on Neo4j 5.26 and later in one statement
    whatever its type; the rest go in one UNWIND statement per type (a statement that
    picks the type per row with FOREACH cost the server ~10x the CPU per row)."""
    if not await _send(tx, batch.runs):
        ends = {r.source for r in batch.rels} | {r.target for r in batch.rels}
        check_rel_writes(batch.rels, False, await _kinds(tx, ends), set())
        raise NotFound("a node was deleted meanwhile", field="source")
    await _append(tx, batch.log)


async def _delete_actor(tx: Tx, actor_id: NodeId) -> None:
    rows = await _records(tx, cypher.NODE_KIND, id=actor_id)
    if not rows:
        raise NotFound(f"there is no actor with id {actor_id!r}", field="id")
    kind = NodeKind(rows[0]["kind"])
    if kind not in ACTOR_KINDS:
        raise InvalidInput(f"{actor_id!r} is a {kind}, not an actor", field="id")
    await (await tx.run(cypher.DELETE_NODE, {"id": actor_id})).consume()
    await _log(tx, [actor_id], ())


async def _delete(tx: Tx, rels: list[dict[str, str]], ids: list[str]) -> None:
    if rels:
        await (await tx.run(cypher.DELETE_RELS, {"rels": rels})).consume()
    if ids:
        await (await tx.run(cypher.DELETE_NODES, {"ids": ids})).consume()
    keys = [(r["type"], r["source"], r["target"]) for r in rels]
    await _log(tx, ids, keys)


async def _log(
    tx: Tx, node_ids: Sequence[str], rels: Iterable[Relationship | tuple[str, str, str]]
) -> None:
    """Append what this transaction wrote to the change log (see :mod:`graph.cypher`)."""
    await _append(tx, pack_change(node_ids, rels))


async def _append(tx: Tx, packed: bytes) -> None:
    """Append one packed entry (:func:`pack_change`) to the change log."""
    await (await tx.run(cypher.LOG_CHANGE, packed=packed)).consume()


def pack_change(
    node_ids: Sequence[str], rels: Iterable[Relationship | tuple[str, str, str]]
) -> bytes:
    """A change log entry's ``packed``: zlib-compressed JSON of ``[node ids, relationship
    types, sources, targets]``."""
    keys = [(r.type.value, r.source, r.target) if isinstance(r, Relationship) else r for r in rels]
    lists = [list(node_ids), [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]]
    return zlib.compress(json.dumps(lists, separators=(",", ":")).encode(), 1)


def unpack_change(packed: bytes) -> tuple[list[str], list[str], list[str], list[str]]:
    nodes, types, sources, targets = json.loads(zlib.decompress(packed))
    return nodes, types, sources, targets


async def _changes(tx: Tx, after: int, limit: int) -> Changes:
    head = (await _records(tx, cypher.CHANGE_HEAD))[0]["seq"]
    found_entries = (
        await _collected(tx, cypher.CHANGES, after=after, limit=limit) if head > after else []
    )
    entries = [
        (seq, *(unpack_change(packed) if packed is not None else lists))
        for seq, packed, *lists in found_entries
    ]
    ids = list({i for entry in entries for i in entry[1]})
    keys = list({k for e in entries for k in zip(e[2], e[3], e[4], strict=True)})
    nodes = await _get_nodes(tx, ids) if ids else {}
    found = await _collected(tx, cypher.RELS_BY_KEY, keys=keys) if keys else []
    rels = {(t, a, b): Relationship.trusted(RelType(t), a, b, props) for t, a, b, props in found}
    out = []
    for seq, node_ids, types, sources, targets in entries:
        change = Change(seq)
        for i in node_ids:
            if i in nodes:
                change.nodes.append(nodes[i])
            else:
                change.gone_nodes.append(NodeId(i))
        for key in zip(types, sources, targets, strict=True):
            if key in rels:
                change.rels.append(rels[key])
            else:
                change.gone_rels.append((RelType(key[0]), NodeId(key[1]), NodeId(key[2])))
        out.append(change)
    return Changes(head, out)


# --- shortest path --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Search:
    """One side of a breadth-first search: its layers and each node's parents."""

    layers: list[set[str]]
    parents: dict[str, set[str]] = field(default_factory=dict)

    def seen(self, node_id: str) -> bool:
        return node_id in self.parents or node_id in self.layers[0]

    def good(self, meet: set[str]) -> list[set[str]]:
        """Per layer, the nodes on a shortest path through ``meet`` (in the last layer)."""
        good = [meet]
        for _ in range(len(self.layers) - 1):
            good.append(set().union(*(self.parents[v] for v in good[-1])))
        return good[::-1]


async def _expand(
    tx: Tx, side: _Search, types: list[str] | None, sight: dict[str, Any]
) -> set[str]:
    frontier = side.layers[-1]
    rows = await _records(tx, cypher.EXPAND, ids=list(frontier), types=types, **sight)
    new: set[str] = set()
    for row in rows:
        node = row["node"]
        for other in row["others"]:
            if other in new:
                side.parents[other].add(node)
            elif not side.seen(other):
                new.add(other)
                side.parents[other] = {node}
    side.layers.append(new)
    return new


async def _shortest_path(
    tx: Tx,
    source: NodeId,
    target: NodeId,
    max_hops: int,
    types: Sequence[RelType] | None,
    sight: Sight | None,
) -> Path | None:
    """Bidirectional breadth-first search, then the smallest path as embedded picks it."""
    ends = await _get_nodes(tx, [source, target])
    for nid, name in ((source, "from"), (target, "to")):
        if nid not in ends:
            raise NotFound(f"there is no node with id {nid!r}", field=name)
    if sight is not None and not all(sight.admits(n) for n in ends.values()):
        return None
    seen = _sight_params(sight)
    if source == target:
        return Path(nodes=[ends[source]], rels=[])
    wanted = _type_names(types)
    fwd, back = _Search([{source}]), _Search([{target}])
    for _ in range(max_hops):
        side = fwd if len(fwd.layers[-1]) <= len(back.layers[-1]) else back
        if not await _expand(tx, side, wanted, seen):
            return None
        meet = fwd.layers[-1] & back.layers[-1]
        if meet:
            break
    else:
        return None
    ids = _smallest_path(fwd, back, meet)
    return await _path_of(tx, ids, wanted)


def _smallest_path(fwd: _Search, back: _Search, meet: set[str]) -> list[str]:
    """Walk from the source, always to the smallest id that is still on a shortest path."""
    good_fwd, good_back = fwd.good(meet), back.good(meet)
    split, length = len(fwd.layers) - 1, len(fwd.layers) + len(back.layers) - 2
    ids = [next(iter(fwd.layers[0]))]
    for i in range(length):
        cur = ids[-1]
        if i < split:
            options = {m for m in good_fwd[i + 1] if cur in fwd.parents[m]}
        else:
            options = back.parents[cur] & good_back[length - i - 1]
        ids.append(min(options))
    return ids


async def _path_of(tx: Tx, ids: list[str], wanted: list[str] | None) -> Path:
    pairs = list(itertools.pairwise(ids))
    best: dict[tuple[str, str], tuple[tuple[str, bool], Relationship]] = {}
    for row in await _records(tx, cypher.RELS_BETWEEN, pairs=pairs, types=wanted):
        a, b, outgoing = row["a"], row["b"], row["outgoing"]
        key = (row["type"], not outgoing)  # smallest type; outgoing first, as embedded
        rel = Relationship.trusted(
            RelType(row["type"]), a if outgoing else b, b if outgoing else a, row["props"]
        )
        if (a, b) not in best or key < best[a, b][0]:
            best[a, b] = (key, rel)
    nodes = await _get_nodes(tx, ids)
    return Path(nodes=[nodes[i] for i in ids], rels=[best[pair][1] for pair in pairs])


# --- small helpers --------------------------------------------------------------------------------


def _neighbours_of(row: Record) -> list[Neighbour]:
    """One id's neighbours by type, then other id; outgoing before incoming, as embedded."""
    here, found = row["id"], row["found"]
    found.sort(key=lambda f: (f[0], f[3], not f[1]))
    out = []
    for rtype, outgoing, rel_props, other, kind, props in found:
        source, target = (here, other) if outgoing else (other, here)
        rel = Relationship.trusted(RelType(rtype), source, target, rel_props)
        out.append(Neighbour(rel, node_from_record(kind, other, props)))
    return out


def _node_row(node: Node) -> dict[str, Any]:
    return {
        **node_props(node),
        "id": node.id,
        "kind": node.node_kind.value,
        "search_text": search_text(node),
    }


def _rel_row(rel: Relationship) -> list[Any]:
    return [rel.source, rel.target, dict(rel.props)]


def _rel_key(rel: Relationship) -> dict[str, str]:
    return {"type": rel.type.value, "source": rel.source, "target": rel.target}


def _type_names(types: Sequence[RelType] | None) -> list[str] | None:
    return None if types is None else sorted({RelType(t).value for t in types})


def _grouped(items: Iterable[T], key: Callable[[T], Any]) -> dict[Any, list[T]]:
    groups: dict[Any, list[T]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return groups


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _takes_types_from_values(agent: str) -> bool:
    """Whether a server (its agent, ``Neo4j/5.26.31``) takes relationship types from values,
    as ``-[:$(expr)]->`` (Neo4j 5.26 and later, 2025.x and later)."""
    version = re.match(r"Neo4j/(\d+)\.(\d+)", agent)
    return version is not None and (int(version[1]), int(version[2])) >= (5, 26)


def _driver(uri: str, user: str, password: str) -> AsyncDriver:
    # Fail fast while the server is away: a request should hear "store unavailable" in
    # seconds, not wait out the driver's default 30 s of retries and 60 s of pool waits.
    common: dict[str, Any] = {
        "auth": (user, password),
        "max_transaction_retry_time": _RETRY_SECONDS,
        "connection_timeout": _CONNECT_SECONDS,
        "connection_acquisition_timeout": _ACQUIRE_SECONDS,
    }
    # "label/type/property does not exist" warnings are noise for a store whose statements
    # name every kind and type; driver 6 renamed the setting.
    if _DRIVER_MAJOR >= 6:
        return AsyncGraphDatabase.driver(
            uri, notifications_disabled_classifications=["UNRECOGNIZED"], **common
        )
    return AsyncGraphDatabase.driver(
        uri, notifications_disabled_categories=["UNRECOGNIZED"], **common
    )


def _safe_uri(uri: str) -> str:
    """``uri`` without any user name or password in it, for messages."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable URI>"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def _scrubber(uri: str, password: str) -> Callable[[str], str]:
    """A function that takes the URI's user info and the password out of a message."""
    safe = _safe_uri(uri)

    def scrub(text: str) -> str:
        if uri != safe:
            text = text.replace(uri, safe)
        if len(password) >= _MIN_SCRUB:
            text = text.replace(password, "***")
        return text

    return scrub


def _translate(
    exc: Exception, where: str, database: str, scrub: Callable[[str], str]
) -> GraphError:
    """The :mod:`graph.errors` exception for a driver or server error."""
    detail = scrub((exc.message if isinstance(exc, Neo4jError) else None) or str(exc))
    if isinstance(exc, AuthError):
        return StoreUnavailable(
            f"the Neo4j store at {where} refused the login; check the user name and password "
            f"({detail})"
        )
    if isinstance(exc, ConstraintError):
        return Conflict(f"already exists ({detail})", field="id")
    if isinstance(exc, IncompleteCommit):
        return StoreUnavailable(
            f"the connection to the Neo4j store at {where} broke while committing; "
            f"the write may or may not have been stored: {detail}"
        )
    if isinstance(exc, Neo4jError) and exc.code == _DATABASE_NOT_FOUND:
        return StoreUnavailable(f"the Neo4j store at {where} has no database {database!r}")
    if isinstance(exc, Forbidden):
        return StoreUnavailable(f"the Neo4j store at {where} does not allow this: {detail}")
    if isinstance(exc, Neo4jError) and not isinstance(exc, TransientError | DatabaseError):
        return GraphError(f"the Neo4j store at {where} rejected a query: {exc.code}: {detail}")
    return StoreUnavailable(f"the Neo4j store at {where} is unavailable: {detail}")
