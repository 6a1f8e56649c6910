"""What only the embedded store does: files, locks, read-only and lazy opening."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import StoreUnavailable
from graph.model import ACTOR_KINDS, Actor, ActorKind, NodeId
from graph.store import NodeFilter
from tests.contract import tiny


async def test_graph_is_rebuilt_from_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    store = EmbeddedStore.open(path)
    await store.upsert(tiny.nodes(), tiny.rels())
    before = await store.stats()
    await store.close()
    again = EmbeddedStore.open(path)
    assert await again.stats() == before
    page = await again.list_nodes(NodeFilter(kinds=ACTOR_KINDS, place=NodeId("SD1")), first=10)
    assert [n.id for n in page.items] == ["ann", "bob", "cas", "dora"]
    await again.close()


async def test_lazy_open_imports_without_building_the_graph(tmp_path: Path) -> None:
    path = str(tmp_path / "lazy.db")
    store = EmbeddedStore.open(path, lazy=True)
    await store.bulk_import(tiny.nodes(), tiny.rels())
    stats = await store.stats()
    assert stats.node_count == len(tiny.nodes())
    assert stats.relationship_count == len(tiny.rels())
    # the first read builds the graph from the file
    page = await store.list_nodes(NodeFilter(kinds=ACTOR_KINDS), first=10)
    assert page.total == 6
    assert await store.stats() == stats
    await store.close()


async def test_read_only_open_refuses_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "ro.db")
    store = EmbeddedStore.open(path)
    await store.upsert(tiny.nodes()[:3])
    ro = EmbeddedStore.open(path, readonly=True)  # beside the writer
    assert (await ro.stats()).node_count == 3
    with pytest.raises(StoreUnavailable, match="read-only"):
        await ro.upsert([Actor(id=NodeId("x"), kind=ActorKind.RESIDENT, name="X")])
    await ro.close()
    await store.close()


async def test_a_file_from_before_the_change_log_opens_read_only(tmp_path: Path) -> None:
    """Stores written before the ``changelog`` table existed have no sqlite_sequence; a
    read-only open (``wijknet export``, ``evaluate``) cannot add it and must still load."""
    path = str(tmp_path / "old.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")  # as every store file is
    conn.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE nodes (id TEXT PRIMARY KEY, kind TEXT NOT NULL, props TEXT NOT NULL)
            WITHOUT ROWID;
        CREATE TABLE rels (
            src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, props TEXT NOT NULL,
            PRIMARY KEY (src, type, dst)
        ) WITHOUT ROWID;
        INSERT INTO meta VALUES ('schema', '1'), ('epoch', 'e0');
        INSERT INTO nodes VALUES ('ann', 'Resident', '{"name": "Ann"}');
        """
    )
    conn.commit()
    conn.close()
    ro = EmbeddedStore.open(path, readonly=True)
    assert (await ro.stats()).node_count == 1
    assert ro.stamp() == {"epoch": "e0", "seq": 0}
    await ro.close()
    # opened for writing, the table is added and the head still starts at nothing
    store = EmbeddedStore.open(path)
    assert store.stamp()["seq"] == 0
    await store.close()


def test_second_writer_is_refused_with_the_holder(tmp_path: Path) -> None:
    path = str(tmp_path / "busy.db")
    first = EmbeddedStore.open(path)
    with pytest.raises(StoreUnavailable, match="already open for writing"):
        EmbeddedStore.open(path)
    first._close_now()
    EmbeddedStore.open(path)._close_now()  # free again once closed


def test_not_a_wijknet_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreUnavailable, match=r"not a wijknet database|cannot open"):
        EmbeddedStore.open(str(junk))
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute("INSERT INTO meta VALUES ('schema', '99')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreUnavailable, match="schema version 99"):
        EmbeddedStore.open(str(other))


def test_missing_folder_and_missing_read_only_file(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="does not exist"):
        EmbeddedStore.open(str(tmp_path / "nope" / "w.db"))
    with pytest.raises(StoreUnavailable, match="does not exist"):
        EmbeddedStore.open(str(tmp_path / "absent.db"), readonly=True)
