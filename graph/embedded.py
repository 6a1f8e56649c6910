"""The embedded default store: networkx in memory, made durable by SQLite.

A write is committed to SQLite (WAL, ``synchronous=FULL``) before it touches
the in-memory graph and before the caller hears back, so an acknowledged write
survives ``kill -9``. At start the graph is rebuilt from the file. One process
at a time may open a file for writing (an ``flock`` on ``<file>.lock``), or one group
of processes (``wijknet serve --workers N``): the members share the lock and each keeps
the graph in its own memory. Opened ``shared``, a member begins every write with
``BEGIN IMMEDIATE`` (SQLite lets one writer in at a time) and first applies what the
others committed since (the ``changelog``), and :meth:`EmbeddedStore.catch_up` (called
before each request) does the same when SQLite's ``data_version`` says another
connection committed: every member sees every write acknowledged before it asks.

Opened with ``snapshot=True`` (``wijknet serve``), the in-memory graph is also kept as
a snapshot beside the file (``<file>.graph.snapshot``, see :mod:`graph.snapshot`),
stamped with the file's epoch and change sequence: every ``upsert`` and ``delete``
appends the keys it touched to the ``changelog`` table in its own transaction, so a
start loads the snapshot and re-reads only what changed after it. ``bulk_import`` and
``delete_actor`` start a new epoch instead (and ``delete_actor`` deletes the snapshots
first, so that no copy of an erased person stays behind).

In memory each node keeps its relationships by direction and type (``_out`` and
``_in``, :class:`graph.adjacency.Adjacency`: compact arrays by integer node position,
with a small overlay of the rows changed since they were built), so a question about
one type of tie reads only those ties: a buurt's parent place is one lookup, however
many residents live in it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import fcntl
import functools
import glob
import heapq
import itertools
import json
import logging
import os
import secrets
import sqlite3
from array import array
from collections import ChainMap, Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path as FsPath
from typing import Any, TypeVar

import numpy as np
from sortedcontainers import SortedList

from graph import adjacency, place_index, snapshot, text_index
from graph import model as _model
from graph.adjacency import Adjacency, NodeIds
from graph.errors import InvalidInput, NotFound, StoreUnavailable
from graph.model import (
    ACTOR_KINDS,
    REL_RULES,
    Initiative,
    Node,
    NodeId,
    NodeKind,
    Relationship,
    RelType,
    Visibility,
    node_from_record,
    node_props,
    search_text,
    text_matches,
)
from graph.store import (
    LOCATION_TYPES,
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

_log = logging.getLogger("wijknet")
DEFAULT_PATH = "wijknet.db"
SCHEMA_VERSION = "1"
# In memory, relationship types and node kinds are kept as plain strings: hashing an
# Enum member runs Python code, and these dicts are hit millions of times.
#: Rows per ``bulk_import`` batch (one SQLite transaction each) unless asked otherwise.
IMPORT_BATCH = 50_000
_SYMMETRIC = frozenset(t.value for t, rule in REL_RULES.items() if rule.symmetric)
_RT = {t.value: t for t in RelType}
_PART_OF = RelType.PART_OF.value
_LOCATION = tuple(t.value for t in LOCATION_TYPES)
_NK = {k.value: k for k in NodeKind}
_EMPTY: dict[str, Any] = {}
_NO_TIES: dict[str, dict[str, Any]] = {}
_SHARED = ("source", "description", "profession", "subtype", "started", "category")
"""Node fields whose values repeat across many nodes (``"seed_data.generate"``, a
generated description): a full load keeps one copy of each value."""
_WITH_VISIBILITY = frozenset({*ACTOR_KINDS, NodeKind.INITIATIVE, NodeKind.EVENT})
"""Kinds whose every node has a visibility (kept by kind and visibility as well)."""
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, props TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels (
    src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, props TEXT NOT NULL,
    PRIMARY KEY (src, type, dst)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changelog (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, keys TEXT NOT NULL
);
"""
_LOG_CHANGE = "INSERT INTO changelog (keys) VALUES (?)"
_HEAD = "SELECT seq FROM sqlite_sequence WHERE name = 'changelog'"
_HAS_SEQUENCE = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"
_NEW_EPOCH = "INSERT OR REPLACE INTO meta (key, value) VALUES ('epoch', ?)"
_NOT_IN_SNAPSHOT = frozenset(
    {"path", "readonly", "_conn", "_lock_fd", "_write_lock", "_text", "_loaded", "_closed"}
    | {"_snapshots", "_snapshot_stamp", "loaded_from", "_places", "_kinds_read", "version"}
    | {"_shared", "_seq", "_poll", "_poll_version", "_listeners", "_committed", "_members"}
    | {"_snap_fd", "_snap_lock"}
)
"""Attributes of a store that are not its in-memory graph (everything else is)."""
_CODE: list[str] = []  # the fingerprint of this module's code, computed once
_UPSERT_NODE = (
    "INSERT INTO nodes (id, kind, props) VALUES (?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, props = excluded.props"
)
_UPSERT_REL = (
    "INSERT INTO rels (src, type, dst, props) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props"
)
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _node_row(node: Node) -> tuple[str, str, str]:
    return (node.id, node.node_kind._value_, _dumps(node_props(node)))


def _rel_row(rel: Relationship) -> tuple[str, str, str, str]:
    return (rel.source, rel.type._value_, rel.target, _dumps(rel.props) if rel.props else "{}")


def _rel(rtype: str, source: str, target: str, props: dict[str, Any]) -> Relationship:
    """A Relationship from trusted, already validated parts (skips validation)."""
    rel = object.__new__(Relationship)
    object.__setattr__(rel, "type", _RT[rtype])
    object.__setattr__(rel, "source", source)
    object.__setattr__(rel, "target", target)
    object.__setattr__(rel, "props", props)
    return rel


class EmbeddedStore:
    """``GraphStore`` over networkx + SQLite. Open with :meth:`open`."""

    in_memory = True
    """Reads answer from memory without waiting: batching them (DataLoaders) saves nothing."""

    def __init__(
        self,
        path: str,
        conn: sqlite3.Connection,
        lock_fd: int | None,
        *,
        readonly: bool | None = None,
    ) -> None:
        self.path = path
        self.readonly = lock_fd is None if readonly is None else readonly
        self._conn = conn
        self._lock_fd = lock_fd
        self._write_lock = asyncio.Lock()
        self.version = 0
        """Goes up after every write (once its change is in memory), failed ones too: what
        a cache of answers keys on (``api.response_cache``)."""
        self._nodes: dict[str, Node] = {}
        self._ids = NodeIds()  # node id <-> integer position, for both directions
        self._out = Adjacency(self._ids, _RT)
        self._in = Adjacency(self._ids, _RT)
        self._by_kind: dict[NodeKind, SortedList] = {k: SortedList() for k in NodeKind}
        self._by_vis: dict[tuple[NodeKind, Visibility], SortedList] = {
            (k, v): SortedList() for k in _WITH_VISIBILITY for v in Visibility
        }
        self._rel_counts: Counter[str] = Counter()
        self._kinds: dict[str, NodeKind] = {}
        self._text: text_index.TextIndex | None = None  # built on the first text query
        self._places: place_index.PlaceIndex | None = None  # built on the first place query
        self._loaded = False
        self._closed = False
        self._snapshots = False
        self._kinds_read = False  # the id -> kind index of a lazily opened store
        self.loaded_from = ""  # "snapshot" or "file", once the graph is in memory
        self._snapshot_stamp: dict[str, Any] | None = None  # of the last snapshot read or written
        self._shared = False  # a member of a serve group: other processes write the file too
        self._seq = 0  # the changelog entries up to here are in memory (kept when shared)
        self._poll: sqlite3.Connection | None = None  # asks SQLite's data_version (shared)
        self._poll_version = -1
        self._listeners: list[Callable[[list[Change]], None]] = []
        self._committed: int | None = None  # the changelog head after this process's write
        self._members: int | None = None  # a shared flock on <file>.members (in a group)
        self._snap_fd: int | None = None  # the flock on <file>.snapshot.lock while held
        self._snap_lock = asyncio.Lock()

    # --- opening and closing ----------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str = DEFAULT_PATH,
        *,
        readonly: bool = False,
        lazy: bool = False,
        snapshot: bool = False,
        group_lock: int | None = None,
    ) -> EmbeddedStore:
        """Open (creating if needed) the store at ``path`` and load it into memory.

        With ``lazy`` only the id -> kind index is read now and the graph is built on
        the first read; until then ``bulk_import`` writes straight to SQLite. That
        suits a process that only imports (``wijknet seed``). With ``snapshot`` (and
        not ``readonly``) the graph is loaded from its snapshot where that is current
        and a new snapshot is written after a full load (see :meth:`save_snapshot`).
        With ``group_lock`` (a descriptor of ``<path>.lock`` from :func:`take_lock`, held
        by this process or inherited from the one that took it) the store opens as one
        member of a group that writes the file together (see :meth:`catch_up`).

        Raises StoreUnavailable when another process holds the file for writing
        or the file is not a wijknet database.
        """
        fs = FsPath(path)
        lock_fd: int | None = None
        if readonly:
            if not fs.exists():
                raise StoreUnavailable(f"{path} does not exist (run `wijknet seed` first)")
            conn = _connect(f"file:{fs.resolve()}?mode=ro", uri=True)
        else:
            if fs.parent and not fs.parent.exists():
                raise StoreUnavailable(f"folder {fs.parent} does not exist")
            lock_fd = take_lock(path) if group_lock is None else _member_of(path, group_lock)
            try:
                conn = _connect(path)
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                    (SCHEMA_VERSION,),
                )
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', ?)",
                    (secrets.token_hex(8),),
                )
                conn.commit()
            except BaseException:
                if group_lock is None:
                    _release_lock(lock_fd)
                raise
        if group_lock is None:
            store = cls(path, conn, lock_fd)
        else:  # the group's lock is not this store's to release
            store = cls(path, conn, None, readonly=False)
            store._shared = True
            store._poll = _connect(path)
            store._poll.isolation_level = None  # autocommit: data_version is read afresh
            store._members = _lock_file(f"{path}.members", shared=True)
        store._snapshots = snapshot and not readonly
        try:
            store._check_schema()
            if lazy:
                if not store._snapshots:  # with a snapshot, loading the graph reads them
                    store._load_kinds()
            else:
                store._load()
        except BaseException:
            store._close_now()
            raise
        return store

    def _check_schema(self) -> None:
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path} is not a wijknet database ({exc})") from exc
        if row is None or row[0] != SCHEMA_VERSION:
            found = row[0] if row else "none"
            raise StoreUnavailable(
                f"{self.path} has schema version {found}; this wijknet reads {SCHEMA_VERSION}"
            )

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """One read of the file: a SQLite error is said as the store being unavailable,
        and the read transaction ends (so the WAL can be checkpointed past it)."""
        try:
            yield self._conn
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read {self.path}: {exc}") from exc
        finally:
            self._conn.rollback()

    def _load_kinds(self) -> None:
        self._kinds_read = True
        with self._reading():
            for node_id, kind in self._conn.execute("SELECT id, kind FROM nodes"):
                self._kinds[node_id] = _NK[kind]

    def _ensure_kinds(self) -> None:
        """The id -> kind index, before an import into a store whose graph is not loaded."""
        if not self._loaded and not self._kinds_read:
            self._load_kinds()

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._kinds.clear()
            self._load()

    def _load(self) -> None:
        if self._snapshots:
            if self._load_snapshot():
                return
            self._drop_memory()
            self._load_rows()
            self.save_snapshot()
        else:
            self._load_rows()

    def _load_rows(self) -> None:
        self._loaded = True
        self.loaded_from = "file"
        with self._reading():
            # one read transaction: the rows and the changelog head as of one moment (other
            # members of a group may be writing meanwhile)
            self._conn.execute("BEGIN")
            self._seq = self._head()
            shared: dict[str, str] = {}  # one copy of each value of the _SHARED fields
            for node_id, kind, props in self._conn.execute("SELECT id, kind, props FROM nodes"):
                record = json.loads(props)
                for key in _SHARED:
                    value = record.get(key)
                    if value.__class__ is str:
                        record[key] = shared.setdefault(value, value)
                self._add_node_mem(node_from_record(kind, node_id, record))
            del shared
            pos, type_code = self._ids.pos, self._out.type_code
            # each distinct property text is parsed once and its dict shared by its ties
            table: list[dict[str, Any]] = [_EMPTY]
            codes = {"{}": 0}
            srcs, types, dsts, props_of = array("i"), array("i"), array("i"), array("i")
            for src, rtype, dst, props in self._conn.execute(
                "SELECT src, type, dst, props FROM rels"
            ):
                srcs.append(pos[src])
                types.append(type_code[rtype])
                dsts.append(pos[dst])
                code = codes.get(props)
                if code is None:
                    code = codes[props] = len(table)
                    table.append(json.loads(props))
                props_of.append(code)
        del codes
        src_a, type_a, dst_a, props_a = (_int32s(a) for a in (srcs, types, dsts, props_of))
        del srcs, dsts, props_of
        self._out.build(src_a, type_a, dst_a, props_a, table)
        self._in.build(dst_a, type_a, src_a, props_a, table)
        names = self._out.type_names
        counts = np.bincount(type_a, minlength=len(names)) if len(type_a) else ()
        self._rel_counts.update({names[i]: int(c) for i, c in enumerate(counts) if c})

    async def close(self) -> None:
        async with self._write_lock:
            self._close_now()

    # --- snapshots --------------------------------------------------------------------

    @property
    def keeps_snapshots(self) -> bool:
        """Opened with ``snapshot=True`` for writing: the graph is kept as a snapshot."""
        return self._snapshots

    async def load(self) -> None:
        """Build the in-memory graph now (a lazily opened store does it on first read)."""
        if not self._loaded:
            await asyncio.to_thread(self._ensure_loaded)

    def stamp(self) -> dict[str, Any]:
        """The file's epoch and the last change sequence number handed out: what a
        snapshot of the graph as it is now is stamped with. (A member of a group whose
        memory is behind the file says how far its memory goes: replaying the entries
        after that brings a snapshot of it up to date.)"""
        now = self._file_stamp()
        if self._shared and self._loaded:
            now["seq"] = min(now["seq"], self._seq)
        return now

    def _file_stamp(self) -> dict[str, Any]:
        with self._reading():
            epoch = self._conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
            seq = self._head()
        return {"epoch": epoch[0] if epoch else "", "seq": seq}

    def _head(self) -> int:
        """The last changelog sequence number handed out (read in the caller's transaction)."""
        try:
            row = self._conn.execute(_HEAD).fetchone()
        except sqlite3.OperationalError:
            # A file written before the change log existed and opened read-only (so the
            # table was not added): SQLite makes sqlite_sequence with the first table that
            # has AUTOINCREMENT. No entries were handed out in it.
            if self._conn.execute(_HAS_SEQUENCE).fetchone() is None:
                return 0
            raise
        return int(row[0]) if row else 0

    def snapshot_path(self, name: str = "graph") -> FsPath:
        """Where the snapshot ``name`` of this store lives (``graph`` is the store's own)."""
        return snapshot.path_beside(self.path, name)

    def _snapshot_files(self) -> list[FsPath]:
        pattern = glob.escape(FsPath(self.path).name) + ".*.snapshot"
        return sorted(FsPath(self.path).parent.glob(pattern))

    def _changelog_after(
        self, stamp: dict[str, Any]
    ) -> list[tuple[int, dict[str, list[Any]]]] | None:
        """The changelog entries after ``stamp``, or None when ``stamp`` is not of this
        file's current epoch, is ahead of it, or entries after it are gone."""
        now = self._file_stamp()
        seq = stamp.get("seq")
        if stamp.get("epoch") != now["epoch"] or not isinstance(seq, int):
            return None
        if not 0 <= seq <= now["seq"]:
            return None
        with self._reading():
            rows = self._conn.execute(
                "SELECT seq, keys FROM changelog WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        if [r[0] for r in rows] != list(range(seq + 1, now["seq"] + 1)):
            return None
        return [(r[0], json.loads(r[1])) for r in rows]

    def _load_snapshot(self) -> bool:
        """Load the graph from its snapshot and replay the changes after it; False
        (nothing loaded) when the snapshot is missing, unusable or not of this file."""
        found = snapshot.read(self.snapshot_path(), _code())
        if found is None:
            return False
        stamp, state = found
        entries = self._changelog_after(stamp)
        if entries is None or not isinstance(state, dict) or set(state) != _memory_names(self):
            return False
        vars(self).update(state)
        self._loaded = True
        try:
            with self._reading():
                self._replay(entries)
        except (KeyError, TypeError, ValueError):
            self._loaded = False
            return False
        self.loaded_from = "snapshot"
        self._snapshot_stamp = stamp if not entries else None
        self._seq = entries[-1][0] if entries else int(stamp["seq"])
        return True

    def _replay(self, entries: list[tuple[int, dict[str, list[Any]]]]) -> list[Change]:
        """Bring the graph up to date with what the changelog ``entries`` touched, by
        reading those nodes and relationships as the file holds them now (in the
        caller's read transaction, if any). Returns the entries as changes."""
        rows = self._rows_of(entries)
        return self._apply_rows(entries, *rows) if rows is not None else []

    def _rows_of(
        self, entries: list[tuple[int, dict[str, list[Any]]]]
    ) -> tuple[dict[str, Any], dict[tuple[str, str, str], Any]] | None:
        """The rows the ``entries`` name, as the file holds them now (None: a missing row)."""
        node_ids: dict[str, None] = {}
        rel_keys: dict[tuple[str, str, str], None] = {}
        for _, keys in entries:
            node_ids.update(dict.fromkeys(keys.get("n", ())))
            rel_keys.update(dict.fromkeys((s, t, d) for s, t, d in keys.get("r", ())))
        if not node_ids and not rel_keys:
            return None
        conn = self._conn
        node_rows = {
            i: conn.execute("SELECT kind, props FROM nodes WHERE id = ?", (i,)).fetchone()
            for i in node_ids
        }
        rel_rows = {
            k: conn.execute(
                "SELECT props FROM rels WHERE src = ? AND type = ? AND dst = ?", k
            ).fetchone()
            for k in rel_keys
        }
        return node_rows, rel_rows

    def _apply_rows(
        self,
        entries: list[tuple[int, dict[str, list[Any]]]],
        node_rows: dict[str, Any],
        rel_rows: dict[tuple[str, str, str], Any],
    ) -> list[Change]:
        out, into = self._out, self._in
        gone_nodes = [i for i, row in node_rows.items() if row is None and i in self._nodes]
        gone_keys = {
            (s, t, d)
            for (s, t, d), row in rel_rows.items()
            if row is None and out.get(s, t, d) is not None
        }
        for nid in gone_nodes:
            gone_keys.update((nid, t, d) for t, targets in out.of(nid).items() for d in targets)
            gone_keys.update((s, t, nid) for t, sources in into.of(nid).items() for s in sources)
        before = self._placed_before(node_rows, [*rel_rows, *gone_keys])
        self._delete_mem(gone_keys, gone_nodes)
        for nid, row in node_rows.items():
            if row is not None:
                self._add_node_mem(node_from_record(row[0], nid, json.loads(row[1])))
        for (src, rtype, dst), row in rel_rows.items():
            if row is not None:
                if src not in self._nodes or dst not in self._nodes:
                    raise KeyError(f"relationship {src} {rtype} {dst} without its ends")
                self._link_mem(_rel(rtype, src, dst, json.loads(row[0])))
        self._refile(before)
        return [self._change_of(seq, keys) for seq, keys in entries]

    def _change_of(self, seq: int, keys: dict[str, list[Any]]) -> Change:
        """The changelog entry ``seq`` (the ``keys`` it touched) as the graph holds them now."""
        nodes, out = self._nodes, self._out
        change = Change(seq=seq)
        for nid in keys.get("n", ()):
            node = nodes.get(nid)
            if node is None:
                change.gone_nodes.append(NodeId(nid))
            else:
                change.nodes.append(node)
        for src, rtype, dst in keys.get("r", ()):
            props = out.get(src, rtype, dst)
            if props is None:
                change.gone_rels.append((_RT[rtype], NodeId(src), NodeId(dst)))
            else:
                change.rels.append(_rel(rtype, src, dst, props))
        return change

    # --- a group of processes writing one file ------------------------------------------

    def on_changes(self, listener: Callable[[list[Change]], None]) -> None:
        """Call ``listener`` with the changes of other members of the group each time some
        are applied to this store's memory (on the event loop, before anything reads them):
        how the matching index follows the graph."""
        self._listeners.append(listener)

    def _behind(self) -> bool:
        """Cheap: whether another connection committed a change this memory lacks."""
        poll = self._poll
        if poll is None or not self._loaded or self._closed:
            return False
        try:
            version = poll.execute("PRAGMA data_version").fetchone()[0]
            if version == self._poll_version:
                return False
            row = poll.execute(_HEAD).fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot read {self.path}: {exc}") from exc
        if (int(row[0]) if row else 0) > self._seq:
            return True
        self._poll_version = version  # nothing new (our own commits move it as well)
        return False

    async def catch_up(self) -> None:
        """Apply what other members of the group committed since this memory last looked,
        so a read sees every write acknowledged before it began. Costs one ``PRAGMA
        data_version`` when nothing changed; a no-op for a store that is not shared."""
        if not self._behind():
            return
        async with self._write_lock:  # not in the middle of this process's own write
            if self._closed:
                return
            with self._reading():
                self._follow_log()

    def _follow_log(self) -> None:
        """Read the changelog after :attr:`_seq` and apply it (in the caller's transaction)."""
        assert self._poll is not None
        version = self._poll.execute("PRAGMA data_version").fetchone()[0]
        rows = self._conn.execute(
            "SELECT seq, keys FROM changelog WHERE seq > ? ORDER BY seq", (self._seq,)
        ).fetchall()
        if rows and rows[0][0] != self._seq + 1:
            # pruned past this memory (cannot happen while this member runs: only the last
            # member out prunes); say so rather than answer from a graph with a hole in it
            raise StoreUnavailable(
                f"the change log of {self.path} no longer reaches back to entry {self._seq + 1}"
            )
        entries = [(int(seq), json.loads(keys)) for seq, keys in rows]
        if entries:
            found = self._rows_of(entries)
            changes = self._apply_rows(entries, *found) if found is not None else []
            self._seq = entries[-1][0]
            self.version += 1
            if changes:
                for listener in self._listeners:
                    listener(changes)
        self._poll_version = version

    def save_snapshot(self) -> bool:
        """Write the in-memory graph as a snapshot beside the file, stamped with the
        file's change sequence. The graph must not change meanwhile (hold the write lock,
        or see :meth:`write_snapshot`). False where snapshots are off or nothing changed
        since the last one."""
        if not self._snapshots or not self._loaded or self._closed:
            return False
        if self._shared and self._snap_fd is None:
            fd = _lock_file(f"{self.path}.snapshot.lock")
            self._snap_fd = fd
            try:
                return self.save_snapshot()
            finally:
                self._snap_fd = None
                _release_lock(fd)
        if self._shared and self._file_stamp()["seq"] != self._seq:
            # behind the file: a person erased meanwhile may still be in this memory
            return False
        stamp = self.stamp()
        if stamp == self._snapshot_stamp and self.snapshot_path().exists():
            return False
        for ties in (self._out, self._in):
            if len(ties.overlay) > max(1000, ties.built // 20):
                ties.compact()  # many rows changed since they were built: fold them in
        state = {k: v for k, v in vars(self).items() if k not in _NOT_IN_SNAPSHOT}
        try:
            snapshot.write(self.snapshot_path(), stamp, _code(), state)
        except Exception as exc:  # only a cache: never a reason to stop
            _log.warning("could not write the snapshot of %s: %s", self.path, exc)
            return False  # the next start reads the file instead
        self._snapshot_stamp = stamp
        return True

    async def write_snapshot(self) -> bool:
        """:meth:`save_snapshot` off the event loop, with writes held back meanwhile."""
        async with self.holding_still():
            return await asyncio.to_thread(self.save_snapshot)

    @contextlib.asynccontextmanager
    async def holding_still(self) -> AsyncIterator[None]:
        """While this runs, this process writes nothing, its memory is caught up with the
        file, and (in a group) no other member writes a snapshot or erases a person:
        the moment to write snapshots of the graph and of what is derived from it."""
        async with self._snapshot_files_held(), self._write_lock:
            if self._shared and self._loaded and not self._closed:
                with self._reading():
                    self._follow_log()
            yield

    @contextlib.asynccontextmanager
    async def _snapshot_files_held(self) -> AsyncIterator[None]:
        """In a group: the snapshot files to this process alone (an ``flock`` on
        ``<file>.snapshot.lock``, waited for off the event loop)."""
        if not self._shared:
            yield
            return
        async with self._snap_lock:  # one holder in this process (the flock is per file)
            task = asyncio.ensure_future(
                asyncio.to_thread(_lock_file, f"{self.path}.snapshot.lock")
            )
            try:
                fd = await asyncio.shield(task)
            except asyncio.CancelledError:
                await asyncio.wait([task])  # got it after all: let it go again
                if not task.cancelled() and task.exception() is None:
                    _release_lock(task.result())
                raise
            self._snap_fd = fd
            try:
                yield
            finally:
                self._snap_fd = None
                _release_lock(fd)

    def last_member(self) -> bool:
        """Whether no other member of this store's group has it open (always, outside a
        group). The last member out writes the snapshots and prunes the changelog; from a
        True answer on, a member that starts waits until this one has closed."""
        if self._members is None:
            return True
        try:
            fcntl.flock(self._members, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def changes_since(self, stamp: dict[str, Any]) -> list[Change] | None:
        """What changed after ``stamp`` (a :meth:`stamp` of this file), each change as the
        graph holds it now; None when that cannot be told (another epoch, entries gone).
        """
        self._ensure_loaded()
        entries = self._changelog_after(stamp)
        if entries is None:
            return None
        return [self._change_of(seq, keys) for seq, keys in entries]

    async def prune_changes(self, upto: int) -> None:
        """Forget changelog entries up to ``upto`` (every snapshot has them by then)."""
        async with self._write_lock:
            self._check_writable()
            await asyncio.to_thread(
                self._commit, [("DELETE FROM changelog WHERE seq <= ?", [(upto,)])]
            )

    def _drop_memory(self) -> None:
        """Start the in-memory graph afresh (after a snapshot that could not be used)."""
        fresh = EmbeddedStore(self.path, self._conn, None)
        for name in _memory_names(self):
            setattr(self, name, getattr(fresh, name))

    def _close_now(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._conn.close()
        if self._poll is not None:
            self._poll.close()
        if self._members is not None:
            _release_lock(self._members)
            self._members = None
        if self._lock_fd is not None:
            _release_lock(self._lock_fd)
            self._lock_fd = None

    # --- in-memory bookkeeping ----------------------------------------------------

    def _add_node_mem(self, node: Node) -> None:
        nid = node.id
        old = self._nodes.get(nid)
        kind = node.node_kind  # a node keeps its kind (check_node_writes)
        if old is None:
            self._kinds[nid] = kind
            self._ids.add(nid)
            self._by_kind[kind].add(nid)
        self._nodes[nid] = node
        if kind in _WITH_VISIBILITY:
            vis = node.visibility  # type: ignore[union-attr]
            if old is None or old.visibility is not vis:  # type: ignore[union-attr]
                if old is not None:
                    self._by_vis[kind, old.visibility].remove(nid)  # type: ignore[union-attr]
                self._by_vis[kind, vis].add(nid)
        if self._text is not None:
            if old is not None:
                self._text.remove(nid, search_text(old))
            self._text.add(nid, search_text(node))

    def _forget(self, node_id: str) -> None:
        """Take a node that is being deleted out of the text and visibility indexes."""
        node = self._nodes[node_id]
        if self._text is not None:
            self._text.remove(node_id, search_text(node))
        if node.node_kind in _WITH_VISIBILITY:
            self._by_vis[node.node_kind, node.visibility].remove(node_id)  # type: ignore[union-attr]

    def _text_index(self) -> text_index.TextIndex:
        """The word index of every node's search text, built on first use (so start-up
        does not pay for it) and kept up to date by every write after."""
        if self._text is None:
            self._text = text_index.build(
                ((nid, search_text(node)) for nid, node in self._nodes.items()),
                self._key_of,
            )
        return self._text

    def _key_of(self, node_id: str) -> place_index.Key:
        """A node's kind and visibility (None for kinds without one), as it is now."""
        return (self._kinds[node_id], getattr(self._nodes[node_id], "visibility", None))

    def _place_index(self) -> place_index.PlaceIndex:
        """What lies in each place by kind and visibility, built on the first place query
        and kept up to date by every write after (see :meth:`_where_now`)."""
        if self._places is None:
            nodes = self._nodes
            located: dict[str, list[str]] = {}
            for place in self._by_kind[NodeKind.PLACE]:
                for rtype in _LOCATION:
                    for nid in self._in.others(place, rtype):
                        located.setdefault(nid, []).append(place)
            memo: dict[tuple[str, ...], frozenset[str]] = {}  # shared by all of a buurt

            def where(nid: str, direct: list[str]) -> place_index.Where:
                key = tuple(direct)
                places = memo.get(key)
                if places is None:
                    places = memo[key] = self._with_ancestors(direct)
                node = nodes[nid]
                return (node.node_kind, getattr(node, "visibility", None), places)

            self._places = place_index.build(
                (nid, where(nid, direct)) for nid, direct in located.items()
            )
        return self._places

    def _with_ancestors(self, places: Iterable[str]) -> frozenset[str]:
        """``places`` and every place they are PART_OF, at any depth."""
        out = self._out
        found = set(places)
        todo = list(found)
        while todo:
            for parent in out.others(todo.pop(), _PART_OF):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return frozenset(found)

    def _where_now(self, node_id: str) -> place_index.Where | None:
        """Where the place index should file ``node_id`` in the graph as it is now."""
        node = self._nodes.get(node_id)
        if node is None:
            return None
        direct = [p for rtype in _LOCATION for p in self._out.others(node_id, rtype)]
        if not direct:
            return None
        vis = getattr(node, "visibility", None)
        return (node.node_kind, vis, self._with_ancestors(direct))

    def _placed_before(
        self, node_ids: Iterable[str], keys: Iterable[tuple[str, str, str]]
    ) -> dict[str, place_index.Where | None] | None:
        """Before a write of ``node_ids`` and relationships ``(source, type, target)``: where
        the place index has each node the write may move (None when there is no index).
        A node's own write may change its visibility; a location tie moves its source; a
        PART_OF tie moves everything in or below its source place."""
        if self._places is None:
            return None
        touched = dict.fromkeys(node_ids)
        for src, rtype, _ in keys:
            if rtype in _LOCATION:
                touched[src] = None
            elif rtype == _PART_OF:
                touched.update(dict.fromkeys(self._places.members(src)))
        return {nid: self._where_now(nid) for nid in touched}

    def _refile(self, before: dict[str, place_index.Where | None] | None) -> None:
        """After a write: move what :meth:`_placed_before` found to where it is now."""
        if before is None or self._places is None:
            return
        for nid, old in before.items():
            self._places.move(nid, old, self._where_now(nid))

    def _kind_of(self, node_id: str) -> NodeKind | None:
        return self._kinds.get(node_id)

    def _node(self, node_id: str) -> Node:
        return self._nodes[node_id]

    def _link_mem(self, rel: Relationship) -> None:
        rtype, src, dst = rel.type._value_, rel.source, rel.target
        if self._out.get(src, rtype, dst) is None:
            self._rel_counts[rtype] += 1
        props = dict(rel.props) if rel.props else _EMPTY
        self._out.put(src, rtype, dst, props)
        self._in.put(dst, rtype, src, props)

    def _check_writable(self) -> None:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if self.readonly:
            raise StoreUnavailable(f"{self.path} was opened read-only")

    def _commit(self, sql_batches: Sequence[tuple[str, Iterable[tuple[Any, ...]]]]) -> None:
        """Run the statements in one transaction (the one :meth:`_writing` began, if any)
        and commit (fsync) before returning; the changelog's head is then in memory."""
        try:
            with self._conn:
                for sql, rows in sql_batches:
                    self._conn.executemany(sql, rows)
                self._committed = self._head()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"could not write to {self.path}: {exc}") from exc

    # --- reads ----------------------------------------------------------------------

    async def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, Node]:
        self._ensure_loaded()
        nodes = self._nodes
        return {i: nodes[i] for i in ids if i in nodes}

    async def neighbours(
        self,
        ids: Sequence[NodeId],
        *,
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> dict[NodeId, list[Neighbour]]:
        self._ensure_loaded()
        wanted = frozenset(RelType(t).value for t in types) if types is not None else None
        direction = Direction(direction)
        return {i: self._neighbours_of(i, wanted, direction) for i in ids}

    def _neighbours_of(
        self, node_id: str, wanted: frozenset[str] | None, direction: Direction
    ) -> list[Neighbour]:
        if node_id not in self._out:
            return []
        out_of: Callable[[str], Mapping[str, dict[str, Any]]]
        in_of: Callable[[str], Mapping[str, dict[str, Any]]]
        if wanted is None:  # every type: the whole rows
            out, into = self._out.of(node_id), self._in.of(node_id)
            wanted = frozenset(out.keys() | into.keys())

            def out_of(t: str) -> Mapping[str, dict[str, Any]]:
                found: Mapping[str, dict[str, Any]] = out.get(t, _NO_TIES)
                return found

            def in_of(t: str) -> Mapping[str, dict[str, Any]]:
                found: Mapping[str, dict[str, Any]] = into.get(t, _NO_TIES)
                return found

        else:  # only the asked types' ties
            out_of = functools.partial(self._out.typed, node_id)
            in_of = functools.partial(self._in.typed, node_id)
        found: list[tuple[str, str, Relationship]] = []
        for rtype in sorted(wanted):
            both = direction is Direction.BOTH or rtype in _SYMMETRIC
            if both or direction is Direction.OUT:
                for other, props in out_of(rtype).items():
                    found.append((rtype, other, _rel(rtype, node_id, other, props)))
            if both or direction is Direction.IN:
                for other, props in in_of(rtype).items():
                    found.append((rtype, other, _rel(rtype, other, node_id, props)))
        found.sort(key=lambda f: (f[0], f[1]))
        nodes = self._nodes
        return [Neighbour(rel, nodes[other]) for _, other, rel in found]

    def _in_via(self, node_id: str, types: tuple[RelType, ...]) -> set[str]:
        found: set[str] = set()
        for t in types:
            found.update(self._in.others(node_id, t.value))
        return found

    def _sub_places(self, code: str) -> list[str]:
        out, todo = [code], [code]
        while todo:
            cur = todo.pop()
            for child in self._in.others(cur, _PART_OF):
                out.append(child)
                todo.append(child)
        return out

    def _require(self, node_id: str, kind: NodeKind, field_name: str) -> None:
        if self._kind_of(node_id) is not kind:
            raise NotFound(f"there is no {kind.lower()} with id {node_id!r}", field=field_name)

    async def list_nodes(
        self, flt: NodeFilter, *, first: int, after: str | None = None, count: bool = True
    ) -> Page:
        check_page_size(first)
        last = decode_cursor(after)
        self._ensure_loaded()
        candidates: set[str] | None = None

        def narrow(ids: set[str]) -> None:
            nonlocal candidates
            candidates = ids if candidates is None else candidates & ids

        if flt.place is not None:
            self._require(flt.place, NodeKind.PLACE, "place")
            if not (flt.skill or flt.theme or flt.text or flt.stage):
                lists, extra = self._in_place(flt, flt.place)
                return self._merged_page(lists, extra, first, last, count=count)
        if flt.skill is not None:
            self._require(flt.skill, NodeKind.SKILL, "skill")
            narrow(self._in_via(flt.skill, skill_types_for(flt)))
        if flt.theme is not None:
            self._require(flt.theme, NodeKind.THEME, "theme")
            narrow(self._in_via(flt.theme, theme_types_for(flt)))
        text_done = False  # True when the candidates hold only nodes whose text matches
        if flt.text:
            index = self._text_index()
            exact = index.exact(flt.text)
            if exact is None:
                # the index narrows to nodes holding every long word; `admits` checks each
                words = index.candidates(flt.text)
                if words is not None:
                    narrow(words)
            else:
                text_done = True
                if exact:
                    sets, extra = self._with_words(flt, exact, index)
                    if not (flt.place or flt.skill or flt.theme or flt.stage):
                        return self._unordered_page(sets, extra, first, last, count=count)
                    narrow(set().union(*sets, extra))
        # With a place: either walk what the viewer sees of it in id order (checking each
        # against the other filters), or check each of the other filters' candidates for
        # the place, whichever is fewer.
        in_order: Callable[[str | None], Iterator[str]] | None = None
        if flt.place is not None:
            lists, extra = self._in_place(flt, flt.place)
            size = sum(len(lst) for lst in lists) + len(extra)
            if candidates is None or size <= 4 * len(candidates):
                only = candidates
                candidates = None

                def in_order(after: str | None) -> Iterator[str]:
                    ids = _merged(lists, extra, after)
                    return ids if only is None else filter(only.__contains__, ids)

            else:
                inside = frozenset(self._sub_places(flt.place))
                narrow({n for n in candidates if self._located_in(n, inside)})

        plain = (
            in_order is None
            and candidates is None
            and not flt.text
            and not flt.stage
            and not flt.visibility
            and flt.sight is None
        )
        if plain:
            return self._page_by_kind(flt.kinds, first, last)
        sight = flt.sight
        if (
            in_order is None
            and candidates is None
            and not flt.text
            and flt.stage is None
            and flt.visibility is None
            and sight is not None
            and flt.kinds <= _WITH_VISIBILITY
        ):
            return self._page_by_sight(flt.kinds, sight, first, last)

        nodes, kind_of = self._nodes, self._kinds
        # Enum members hash in Python: compare them by identity in small tuples instead
        kinds = tuple(flt.kinds)
        visibility = tuple(flt.visibility) if flt.visibility is not None else None
        seen = tuple(sight.visibility) if sight is not None else ()
        seen_ids = sight.ids if sight is not None else frozenset()

        def admits(nid: str) -> bool:
            if kind_of[nid] not in kinds:
                return False
            node = nodes[nid]
            vis = getattr(node, "visibility", None)
            if visibility is not None and vis not in visibility:
                return False
            if sight is not None and vis is not None and vis not in seen and nid not in seen_ids:
                return False
            stage = node.stage if isinstance(node, Initiative) else None
            if flt.stage is not None and stage is not flt.stage:
                return False
            return text_done or not flt.text or text_matches(search_text(node), flt.text)

        if not count:  # only the page: stop at the first `first + 1` matches after the cursor
            if candidates is None:
                source = in_order(last) if in_order else self._ids_by_kind(flt.kinds, last)
                window = list(itertools.islice(filter(admits, source), first + 1))
            else:
                after_last = (n for n in candidates if last is None or n > last)
                window = heapq.nsmallest(first + 1, filter(admits, after_last))
            return self._page(window[:first], None, has_next=len(window) > first)

        pool: Iterable[str]
        if candidates is not None:
            pool = candidates
        elif in_order is not None:
            pool = in_order(None)
        else:
            pool = itertools.chain.from_iterable(self._by_kind[k] for k in flt.kinds)
        matched = sorted(filter(admits, pool))
        start = 0 if last is None else bisect.bisect_right(matched, last)
        chosen = matched[start : start + first]
        return self._page(chosen, len(matched), has_next=start + first < len(matched))

    def _ids_by_kind(self, kinds: frozenset[NodeKind], last: str | None) -> Iterator[str]:
        """The ids of nodes of ``kinds`` after ``last``, in order, lazily."""
        iters = [
            lst.irange(minimum=last, inclusive=(False, True)) if last is not None else iter(lst)
            for lst in (self._by_kind[k] for k in sorted(kinds))
        ]
        return heapq.merge(*iters)

    def _page_by_kind(self, kinds: frozenset[NodeKind], first: int, last: str | None) -> Page:
        total = sum(len(self._by_kind[k]) for k in kinds)
        window = list(itertools.islice(self._ids_by_kind(kinds, last), first + 1))
        return self._page(window[:first], total, has_next=len(window) > first)

    def _page_by_sight(
        self, kinds: frozenset[NodeKind], sight: Sight, first: int, last: str | None
    ) -> Page:
        """Nodes of ``kinds`` (all with a visibility) that ``sight`` admits, from the lists
        by kind and visibility: a page and its count without looking at every node."""
        lists = [self._by_vis[k, v] for k in sorted(kinds) for v in sorted(sight.visibility)]
        nodes = self._nodes
        extra = sorted(
            i
            for i in sight.ids
            if i in nodes
            and nodes[i].node_kind in kinds
            and nodes[i].visibility not in sight.visibility  # type: ignore[union-attr]
        )
        return self._merged_page(lists, extra, first, last, count=True)

    def _in_place(self, flt: NodeFilter, place: str) -> tuple[list[SortedList], list[str]]:
        """The nodes of ``flt.kinds`` in ``place`` or below it that ``flt``'s visibility and
        sight admit, from the place index: the sorted lists of the (kind, visibility) pairs
        the viewer sees in full, and the sorted ids its sight names whatever their
        visibility. Each node is in one of them at most."""
        sight = flt.sight
        seen = sight.visibility if sight is not None else None
        lists = self._place_index().lists(place, _keys(flt.kinds, flt.visibility, seen))
        extra: list[str] = []
        if sight is not None and sight.ids:
            inside = frozenset(self._sub_places(place))
            extra = self._sighted(flt, lambda i, _: self._located_in(i, inside))
        return lists, extra

    def _with_words(
        self, flt: NodeFilter, words: list[str], index: text_index.TextIndex
    ) -> tuple[list[AbstractSet[str]], list[str]]:
        """The nodes of ``flt.kinds`` whose text holds every one of ``words`` (each looked up
        exactly) and that ``flt``'s visibility and sight admit: a set per (kind, visibility)
        the viewer sees in full, and the sorted ids its sight names whatever their
        visibility. Each node is in one of them at most."""
        sight = flt.sight
        seen = sight.visibility if sight is not None else None
        by_word = sorted(
            (index.parts(w) for w in words), key=lambda p: sum(len(ids) for ids in p.values())
        )
        sets: list[AbstractSet[str]] = []
        for key in _keys(flt.kinds, flt.visibility, seen):
            found = by_word[0].get(key)
            for other in by_word[1:]:
                if not found:
                    break
                found = found & other.get(key, frozenset())
            if found:
                sets.append(found)
        extra: list[str] = []
        if sight is not None and sight.ids:
            text = flt.text or ""
            extra = self._sighted(flt, lambda _, node: text_matches(search_text(node), text))
        return sets, extra

    def _sighted(self, flt: NodeFilter, keep: Callable[[str, Node], bool]) -> list[str]:
        """The sorted ids that ``flt``'s sight names beyond the visibilities it sees in full
        (hidden people in the viewer's circle), of ``flt``'s kinds and visibility, that
        ``keep`` admits; the rest of what the viewer may see is in the kept lists."""
        sight = flt.sight
        assert sight is not None
        nodes = self._nodes
        out: list[str] = []
        for i in sight.ids:
            node = nodes.get(i)
            if node is None or node.node_kind not in flt.kinds:
                continue
            vis = getattr(node, "visibility", None)
            if vis is None or vis in sight.visibility:
                continue  # in the kept lists already, if it may be
            if flt.visibility is not None and vis not in flt.visibility:
                continue
            if keep(i, node):
                out.append(i)
        out.sort()
        return out

    def _unordered_page(
        self,
        sets: Sequence[AbstractSet[str]],
        extra: list[str],
        first: int,
        last: str | None,
        *,
        count: bool,
    ) -> Page:
        """A page of the union of disjoint ``sets`` and ``extra`` after ``last``; the count
        is the sum of their sizes. Only the page's ``first + 1`` smallest ids are sorted."""
        pool: Iterable[str] = itertools.chain(*sets, extra)
        if last is not None:
            pool = (n for n in pool if n > last)
        window = heapq.nsmallest(first + 1, pool)
        total = sum(len(ids) for ids in sets) + len(extra) if count else None
        return self._page(window[:first], total, has_next=len(window) > first)

    def _located_in(self, node_id: str, places: frozenset[str]) -> bool:
        out = self._out
        return any(p in places for rtype in _LOCATION for p in out.others(node_id, rtype))

    def _merged_page(
        self,
        lists: Sequence[SortedList],
        extra: list[str],
        first: int,
        last: str | None,
        *,
        count: bool,
    ) -> Page:
        """A page of the union of disjoint sorted ``lists`` and the sorted ``extra`` ids
        after ``last``; the count is the sum of their lengths."""
        window = list(itertools.islice(_merged(lists, extra, last), first + 1))
        total = sum(len(lst) for lst in lists) + len(extra) if count else None
        return self._page(window[:first], total, has_next=len(window) > first)

    def _page(self, ids: list[str], total: int | None, *, has_next: bool) -> Page:
        nodes = self._nodes
        return Page(
            items=[nodes[i] for i in ids],
            total=total,
            end_cursor=encode_cursor(ids[-1]) if ids else None,
            has_next=has_next,
        )

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
        self._ensure_loaded()
        for nid, name in ((source, "from"), (target, "to")):
            if nid not in self._nodes:
                raise NotFound(f"there is no node with id {nid!r}", field=name)
        if sight is not None and not all(sight.admits(self._node(n)) for n in (source, target)):
            return None
        if source == target:
            return Path(nodes=[self._node(source)], rels=[])
        wanted = frozenset(RelType(t).value for t in types) if types is not None else None
        dist = self._distances_from(target, max_hops, wanted, stop_at=source, sight=sight)
        if source not in dist:
            return None
        nodes, rels = [source], []
        cur = source
        while cur != target:
            best: tuple[str, Relationship] | None = None
            for other, rel in self._undirected(cur, wanted):
                if dist.get(other) == dist[cur] - 1:
                    cand = (other, rel)
                    if best is None or (other, rel.type.value) < (best[0], best[1].type.value):
                        best = cand
            assert best is not None
            cur = NodeId(best[0])
            nodes.append(cur)
            rels.append(best[1])
        return Path(nodes=[self._node(n) for n in nodes], rels=rels)

    def _undirected(
        self, node_id: str, wanted: frozenset[str] | None
    ) -> Iterator[tuple[str, Relationship]]:
        for rtype, targets in self._out.of(node_id).items():
            if wanted is None or rtype in wanted:
                for other, props in targets.items():
                    yield other, _rel(rtype, node_id, other, props)
        for rtype, sources in self._in.of(node_id).items():
            if wanted is None or rtype in wanted:
                for other, props in sources.items():
                    yield other, _rel(rtype, other, node_id, props)

    def _distances_from(
        self,
        start: str,
        max_hops: int,
        wanted: frozenset[str] | None,
        *,
        stop_at: str,
        sight: Sight | None = None,
    ) -> dict[str, int]:
        """Breadth-first distances from ``start``, finishing the layer that reaches ``stop_at``.

        Nodes that ``sight`` does not admit are not stepped on.
        """
        nodes = self._nodes
        dist = {start: 0}
        frontier = [start]
        for depth in range(1, max_hops + 1):
            nxt: list[str] = []
            for cur in frontier:
                for adj in (self._out.of(cur), self._in.of(cur)):
                    for rtype, others in adj.items():
                        if wanted is not None and rtype not in wanted:
                            continue
                        for other in others:
                            if other in dist:
                                continue
                            if sight is not None and not sight.admits(nodes[other]):
                                continue
                            dist[other] = depth
                            nxt.append(other)
            if stop_at in dist or not nxt:
                break
            frontier = nxt
        return dist

    async def is_empty(self) -> bool:
        if self._loaded or self._kinds_read:
            return not self._kinds
        with self._reading():
            return self._conn.execute("SELECT 1 FROM nodes LIMIT 1").fetchone() is None

    async def stats(self) -> GraphStats:
        if not self._loaded:
            self._ensure_kinds()
            with self._reading():
                rows = self._conn.execute(
                    "SELECT type, count(*) FROM rels GROUP BY type"
                ).fetchall()
            return GraphStats(
                nodes={k.value: c for k, c in Counter(self._kinds.values()).items()},
                relationships=dict(rows),
            )
        return GraphStats(
            nodes={k.value: len(v) for k, v in self._by_kind.items() if v},
            relationships={t: c for t, c in self._rel_counts.items() if c},
        )

    async def stream(self) -> AsyncIterator[Node | Relationship]:
        if not self._loaded:  # a lazily opened store loads here, off the event loop
            await asyncio.to_thread(self._ensure_loaded)
        nodes = list(self._nodes.values())
        for i, node in enumerate(nodes):
            yield node
            if i % 20_000 == 19_999:
                await asyncio.sleep(0)
        count = 0
        for src, by_type in self._out.items():  # each row a copy, or the overlay's own
            for rtype, targets in list(by_type.items()):
                for dst, props in list(targets.items()):
                    yield _rel(rtype, src, dst, props)
                    count += 1
                    if count % 20_000 == 0:
                        await asyncio.sleep(0)

    async def changes(self, after: int, *, limit: int = 100) -> Changes:
        """The changelog after ``after``, each entry as the in-memory graph holds what it
        touched now. Only entries this memory has (a member of a group applies the
        others' with :meth:`catch_up`); ``head`` is the last of those. ``bulk_import``
        outside a group and pruning leave gaps (the store starts a new epoch instead),
        which a follower sees as a jump past ``after``."""
        self._ensure_loaded()
        head = self.stamp()["seq"]
        with self._reading() as conn:
            rows = conn.execute(
                "SELECT seq, keys FROM changelog WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (after, head, limit),
            ).fetchall()
        found = [self._change_of(int(seq), json.loads(keys)) for seq, keys in rows]
        return Changes(head=head, changes=found)

    # --- writes ---------------------------------------------------------------------

    def _check_nodes(self, nodes: Sequence[Node], create_only: bool) -> None:
        check_node_writes(nodes, create_only, self._kinds)

    def _check_rels(
        self,
        rels: Sequence[Relationship],
        create_only: bool,
        pending: dict[NodeId, NodeKind] | None = None,
    ) -> None:
        kinds: ChainMap[str, NodeKind] = ChainMap(
            {str(k): v for k, v in (pending or {}).items()}, self._kinds
        )
        check_rel_writes(rels, create_only, kinds, _StoredKeys(self))

    async def upsert(
        self,
        nodes: Sequence[Node] = (),
        rels: Sequence[Relationship] = (),
        *,
        create_only: bool = False,
    ) -> None:
        async with self._writing():
            self._check_writable()
            self._ensure_loaded()
            self._check_nodes(nodes, create_only)
            self._check_rels(rels, create_only, {n.id: n.node_kind for n in nodes})
            statements: list[tuple[str, list[tuple[str, ...]]]] = [
                (_UPSERT_NODE, [_node_row(n) for n in nodes]),
                (_UPSERT_REL, [_rel_row(r) for r in rels]),
                (_LOG_CHANGE, [_log_row(nodes, rels)]),
            ]
            await _off_loop(self._commit, statements)
            before = self._placed_before(
                (n.id for n in nodes), ((r.source, r.type._value_, r.target) for r in rels)
            )
            for node in nodes:
                self._add_node_mem(node)
            for rel in rels:
                self._link_mem(rel)
            self._refile(before)

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """The write lock; :attr:`version` goes up when the write is done (or fails).

        A member of a group also takes SQLite's write lock (``BEGIN IMMEDIATE``, waiting
        while another member writes) and applies what the others committed before, so
        the write is checked against every acknowledged write; the transaction is
        committed by :meth:`_commit`, or rolled back here when the write fails first."""
        async with self._write_lock:
            try:
                if self._shared and self._loaded and not self._closed:
                    await _off_loop(self._begin)
                    try:
                        self._follow_log()
                    except sqlite3.Error as exc:
                        raise StoreUnavailable(f"cannot read {self.path}: {exc}") from exc
                self._committed = None
                yield
                # the write is in memory now (a write cancelled between its commit and
                # this point is applied by the next catch-up instead)
                if self._committed is not None:
                    self._seq = max(self._seq, self._committed)
            finally:
                if self._shared and not self._closed and self._conn.in_transaction:
                    self._conn.rollback()
                self.version += 1

    def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"could not write to {self.path}: {exc}") from exc

    def _checkpoint(self) -> None:
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        self._conn.commit()

    async def delete_actor(self, actor_id: NodeId) -> None:
        # in a group, the snapshot files are ours while the person goes: no other member
        # may write one (with the person still in its memory) after they are removed
        async with self._snapshot_files_held(), self._writing():
            self._check_writable()
            self._ensure_loaded()
            kind = self._kind_of(actor_id)
            if kind is None:
                raise NotFound(f"there is no actor with id {actor_id!r}", field="id")
            if not _is_actor(kind):
                raise InvalidInput(f"{actor_id!r} is a {kind}, not an actor", field="id")
            out, into = self._out.of(actor_id), self._in.of(actor_id)
            keys = [(actor_id, t, dst) for t, targets in out.items() for dst in targets] + [
                (src, t, actor_id) for t, sources in into.items() for src in sources
            ]
            # no copy of the person may stay in a snapshot; a new epoch tells every
            # reader of the old ones that they are no longer of this file
            await asyncio.to_thread(snapshot.remove, self._snapshot_files())
            log_keys = json.dumps({"n": [actor_id], "r": keys}, separators=(",", ":"))
            await _off_loop(
                self._commit,
                [
                    ("DELETE FROM rels WHERE src = ? AND type = ? AND dst = ?", keys),
                    ("DELETE FROM nodes WHERE id = ?", [(actor_id,)]),
                    (_NEW_EPOCH, [(secrets.token_hex(8),)]),
                    (_LOG_CHANGE, [(log_keys,)]),  # what the other members must forget
                ],
            )
            # the WAL still holds the old pages: copy them home and cut the WAL to 0 bytes
            await asyncio.to_thread(self._checkpoint)
            before = self._placed_before([actor_id], keys)
            self._forget(actor_id)
            for _, t, _ in keys:
                self._rel_counts[t] -= 1
            for src, t, dst in keys:
                self._out.pop(src, t, dst)
                self._in.pop(dst, t, src)
            self._drop_ties_of(actor_id)
            del self._nodes[actor_id]
            self._by_kind[kind].remove(actor_id)
            del self._kinds[actor_id]
            self._refile(before)

    async def delete(self, rels: Sequence[Relationship] = (), nodes: Sequence[NodeId] = ()) -> None:
        async with self._writing():
            self._check_writable()
            self._ensure_loaded()
            out, into = self._out, self._in
            keys: set[tuple[str, str, str]] = {
                (r.source, r.type.value, r.target)
                for r in rels
                if out.get(r.source, r.type.value, r.target) is not None
            }
            gone = [n for n in dict.fromkeys(nodes) if n in self._nodes]
            for nid in gone:
                keys.update((nid, t, dst) for t, targets in out.of(nid).items() for dst in targets)
                keys.update((src, t, nid) for t, sources in into.of(nid).items() for src in sources)
            log_keys = json.dumps({"n": gone, "r": sorted(keys)}, separators=(",", ":"))
            await asyncio.to_thread(
                self._commit,
                [
                    ("DELETE FROM rels WHERE src = ? AND type = ? AND dst = ?", sorted(keys)),
                    ("DELETE FROM nodes WHERE id = ?", [(n,) for n in gone]),
                    (_LOG_CHANGE, [(log_keys,)]),
                ],
            )
            before = self._placed_before(gone, keys)
            self._delete_mem(keys, gone)
            self._refile(before)

    def _delete_mem(self, keys: Iterable[tuple[str, str, str]], gone: Iterable[str]) -> None:
        """Take deleted relationships, then deleted nodes, out of the in-memory graph (the
        caller keeps the place index current around it: ``_placed_before``, ``_refile``)."""
        out, into = self._out, self._in
        for src, t, dst in keys:
            if out.get(src, t, dst) is None:
                raise KeyError((src, t, dst))
            out.pop(src, t, dst)
            into.pop(dst, t, src)
            self._rel_counts[t] -= 1
        for nid in gone:
            self._forget(nid)
            kind = self._kinds.pop(nid)
            self._drop_ties_of(nid)
            del self._nodes[nid]
            self._by_kind[kind].remove(nid)

    def _new_epoch(
        self, nodes: Sequence[Node], rels: Sequence[Relationship]
    ) -> list[tuple[str, list[tuple[str, ...]]]]:
        """What a batch of ``bulk_import`` writes beside its rows: a new epoch, and in a
        group (whose other members must hear of the batch) its changelog entry."""
        epoch: tuple[str, list[tuple[str, ...]]] = (_NEW_EPOCH, [(secrets.token_hex(8),)])
        return [epoch, (_LOG_CHANGE, [_log_row(nodes, rels)])] if self._shared else [epoch]

    def _drop_ties_of(self, node_id: str) -> None:
        """Forget a deleted node's (by now empty) rows and its position."""
        self._out.clear(node_id)
        self._in.clear(node_id)
        self._ids.drop(node_id)

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
        self._ensure_kinds()
        done_nodes = done_rels = 0
        for batch in _batched(nodes, batch_size):
            async with self._writing():
                self._check_writable()
                self._check_nodes(batch, create_only=False)
                rows = [_node_row(n) for n in batch]
                self._commit([(_UPSERT_NODE, rows), *self._new_epoch(batch, ())])
                before = self._placed_before((n.id for n in batch), ())
                for node in batch:
                    if self._loaded:
                        self._add_node_mem(node)
                    else:
                        self._kinds[node.id] = node.node_kind
                self._refile(before)
            done_nodes += len(batch)
            if progress:
                progress(done_nodes, done_rels)
            await asyncio.sleep(0)
        for rbatch in _batched(rels, batch_size):
            async with self._writing():
                self._check_writable()
                self._check_rels(rbatch, create_only=False)
                rrows = [_rel_row(r) for r in rbatch]
                self._commit([(_UPSERT_REL, rrows), *self._new_epoch((), rbatch)])
                before = self._placed_before(
                    (), ((r.source, r.type._value_, r.target) for r in rbatch)
                )
                if self._loaded:
                    for rel in rbatch:
                        self._link_mem(rel)
                self._refile(before)
            done_rels += len(rbatch)
            if progress:
                progress(done_nodes, done_rels)
            await asyncio.sleep(0)
        return done_nodes, done_rels


def _log_row(nodes: Sequence[Node], rels: Sequence[Relationship]) -> tuple[str]:
    """The changelog entry of an upsert: the keys it touched."""
    keys = {"n": [n.id for n in nodes], "r": [(r.source, r.type._value_, r.target) for r in rels]}
    return (_dumps(keys),)


def _memory_names(store: EmbeddedStore) -> set[str]:
    return {k for k in vars(store) if k not in _NOT_IN_SNAPSHOT}


def _code() -> str:
    """The fingerprint a graph snapshot must carry to be read by this code."""
    if not _CODE:
        _CODE.append(
            snapshot.fingerprint(__file__, _model.__file__, text_index.__file__, adjacency.__file__)
        )
    return _CODE[0]


class _StoredKeys:
    """``key in _StoredKeys(store)``: is this relationship in the in-memory graph?"""

    def __init__(self, store: EmbeddedStore) -> None:
        self._out = store._out

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 3:
            return False
        rtype, source, target = key
        return self._out.get(source, rtype, target) is not None


def _merged(lists: Sequence[SortedList], extra: list[str], last: str | None) -> Iterator[str]:
    """The ids of sorted ``lists`` and sorted ``extra`` after ``last``, in order, lazily."""
    iters: list[Iterator[str]] = [
        lst.irange(minimum=last, inclusive=(False, True)) if last is not None else iter(lst)
        for lst in lists
    ]
    iters.append(iter(extra[bisect.bisect_right(extra, last) :] if last else extra))
    return heapq.merge(*iters)


def _keys(
    kinds: frozenset[NodeKind],
    visibility: frozenset[Visibility] | None,
    seen: frozenset[Visibility] | None,
) -> list[place_index.Key]:
    """The place index's (kind, visibility) keys of ``kinds`` whose visibility is in
    ``visibility`` and ``seen`` (None: any). Kinds without a visibility are kept under
    None, which a visibility filter leaves out and every sight admits."""
    keys: list[place_index.Key] = []
    for kind in sorted(kinds):
        if kind in _WITH_VISIBILITY:
            keys.extend(
                (kind, vis)
                for vis in Visibility
                if (visibility is None or vis in visibility) and (seen is None or vis in seen)
            )
        elif visibility is None:
            keys.append((kind, None))
    return keys


def _is_actor(kind: NodeKind) -> bool:
    return kind in ACTOR_KINDS


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(target, uri=uri, check_same_thread=False, isolation_level="DEFERRED")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        # deleted rows are overwritten with zeros (erasure on request must leave no bytes)
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(f"cannot open {target} as a wijknet database: {exc}") from exc
    return conn


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a thread; when the caller is cancelled meanwhile, the thread is
    waited for before the cancellation goes on (nothing else may touch the connection
    while it runs, and a commit it makes must be known)."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


def _lock_file(path: str, *, shared: bool = False) -> int:
    """An ``flock`` on ``path`` (created if needed), waited for; released by closing."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _member_of(path: str, fd: int) -> int:
    """Check that ``fd`` is the group lock of ``path`` (the file :func:`take_lock` locked)."""
    try:
        same = os.path.samestat(os.fstat(fd), os.stat(f"{path}.lock"))
    except OSError:
        same = False
    if not same:
        raise StoreUnavailable(f"{path}: the lock handed over is not {path}.lock")
    return fd


def take_lock(path: str) -> int:
    """Hold ``<path>.lock`` for writing (an ``flock`` that also holds in children the
    descriptor is passed to); StoreUnavailable names the process holding it already."""
    lock_path = f"{path}.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreUnavailable(
            f"{path} is already open for writing by another wijknet process (pid {holder}); "
            "stop that process or choose another --db"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def _release_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _int32s(values: array[int]) -> np.ndarray:
    """The values of an ``array('i')`` as a numpy array (sharing its memory)."""
    return np.frombuffer(values, dtype=np.int32) if values else np.zeros(0, np.int32)
