"""The embedded store's snapshot: a cache that starts the graph fast and is never trusted
blindly (missing, corrupt, stale or newer snapshots mean a full rebuild from the file)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from graph import snapshot
from graph.embedded import EmbeddedStore
from graph.model import Actor, ActorKind, NodeId, Relationship, RelType, Visibility
from tests.contract import tiny

R = RelType


def memory(store: EmbeddedStore) -> dict[str, Any]:
    """The in-memory graph in a comparable form (counts without zero entries)."""
    return {
        "nodes": dict(store._nodes),
        "kinds": dict(store._kinds),
        "out": {k: {t: dict(v) for t, v in by.items() if v} for k, by in store._out.items()},
        "in": {k: {t: dict(v) for t, v in by.items() if v} for k, by in store._in.items()},
        "by_kind": {k: list(v) for k, v in store._by_kind.items()},
        "by_vis": {k: list(v) for k, v in store._by_vis.items()},
        "rel_counts": {t: c for t, c in store._rel_counts.items() if c},
    }


def rebuilt(path: str) -> dict[str, Any]:
    """The graph as a fresh load from the file alone gives it."""
    store = EmbeddedStore.open(path, readonly=True)
    try:
        assert store.loaded_from == "file"
        return memory(store)
    finally:
        store._close_now()


def open_snap(path: str) -> EmbeddedStore:
    return EmbeddedStore.open(path, snapshot=True)


async def first_start(path: str) -> None:
    """A store with the tiny city and a snapshot of it."""
    store = open_snap(path)
    assert store.loaded_from == "file"
    await store.upsert(tiny.nodes(), tiny.rels())
    assert store.save_snapshot()
    await store.close()


async def test_a_snapshot_loads_the_graph_a_rebuild_gives(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    assert (tmp_path / "w.db.graph.snapshot").is_file()
    store = open_snap(path)
    assert store.loaded_from == "snapshot"
    assert memory(store) == rebuilt(path)
    assert not store.save_snapshot()  # nothing changed since
    await store.close()


async def test_writes_after_the_snapshot_are_replayed(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    # another run writes without leaving a snapshot (as after kill -9)
    store = EmbeddedStore.open(path)
    eve = Actor(id=NodeId("eve"), kind=ActorKind.RESIDENT, name="Eve", matchable=True)
    await store.upsert([eve], [Relationship(R.KNOWS, NodeId("eve"), NodeId("ann")), tiny.rels()[0]])
    dora = (await store.get_nodes([NodeId("dora")]))[NodeId("dora")]
    await store.upsert([dataclasses.replace(dora, visibility=Visibility.PRIVATE)])
    await store.delete(rels=[Relationship(R.KNOWS, NodeId("bob"), NodeId("cas"))])
    await store.delete(nodes=[NodeId("ini2")])
    await store.close()

    again = open_snap(path)
    assert again.loaded_from == "snapshot"
    assert memory(again) == rebuilt(path)
    assert "ini2" not in again._nodes and "eve" in again._nodes
    assert again.save_snapshot()  # behind the file: written anew
    await again.close()
    third = open_snap(path)
    assert third.loaded_from == "snapshot"
    assert memory(third) == rebuilt(path)
    await third.close()


async def test_a_snapshot_after_many_writes_folds_them_into_the_arrays(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    store = open_snap(path)
    people = [
        Actor(id=NodeId(f"p{i:04}"), kind=ActorKind.RESIDENT, name=f"P {i}", matchable=True)
        for i in range(1200)
    ]
    ties = [Relationship(R.KNOWS, p.id, NodeId("ann")) for p in people]
    ties += [Relationship(R.KNOWS, a.id, b.id) for a, b in itertools.pairwise(people)]
    await store.upsert(people, ties)
    await store.delete(rels=[ties[0]], nodes=[NodeId("p0007")])
    assert len(store._out.overlay) > 1000
    assert store.save_snapshot()
    assert not store._out.overlay and not store._in.overlay  # folded in before writing
    assert memory(store) == rebuilt(path)
    await store.close()
    again = open_snap(path)
    assert again.loaded_from == "snapshot"
    assert memory(again) == rebuilt(path)
    await again.close()


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "other code", "empty"])
async def test_a_damaged_snapshot_means_a_full_rebuild(tmp_path: Path, damage: str) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    snap = tmp_path / "w.db.graph.snapshot"
    data = snap.read_bytes()
    if damage == "truncated":
        snap.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        mid = len(data) // 2
        snap.write_bytes(data[:mid] + bytes([data[mid] ^ 0xFF]) + data[mid + 1 :])
    elif damage == "garbage":
        snap.write_bytes(b"no snapshot at all" * 50)
    elif damage == "empty":
        snap.write_bytes(b"")
    else:
        magic, header, payload = data.split(b"\n", 2)
        head = json.loads(header)
        head["code"] = "written-by-other-code"
        snap.write_bytes(magic + b"\n" + json.dumps(head).encode() + b"\n" + payload)
    store = open_snap(path)
    assert store.loaded_from == "file"
    assert memory(store) == rebuilt(path)
    await store.close()
    # the rebuild wrote a good snapshot again
    assert open_snap(path).loaded_from == "snapshot"


async def test_an_import_starts_a_new_epoch(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    store = EmbeddedStore.open(path, lazy=True)
    extra = Actor(id=NodeId("imp"), kind=ActorKind.FREELANCER, name="Imp")
    await store.bulk_import([extra], [])
    await store.close()
    again = open_snap(path)
    assert again.loaded_from == "file"
    assert "imp" in again._nodes
    await again.close()


async def test_a_snapshot_newer_than_the_file_is_not_used(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    old = tmp_path / "old.db"
    shutil.copy(path, old)
    store = open_snap(path)
    await store.upsert([Actor(id=NodeId("new"), kind=ActorKind.RESIDENT, name="Nieuw")])
    assert store.save_snapshot()
    await store.close()
    # the file is put back to an older copy; the snapshot is ahead of it
    shutil.copy(old, path)
    again = open_snap(path)
    assert again.loaded_from == "file"
    assert "new" not in again._nodes
    assert memory(again) == rebuilt(path)
    await again.close()


async def test_delete_actor_removes_every_snapshot_first(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    other = tmp_path / "w.db.index.snapshot"
    snapshot.write(other, {"epoch": "x", "seq": 0}, "code", {"names": ["Ann"]})
    store = open_snap(path)
    assert store.loaded_from == "snapshot"
    await store.delete_actor(NodeId("ann"))
    assert not list(tmp_path.glob("*.snapshot"))
    await store.close()
    again = open_snap(path)
    assert again.loaded_from == "file"
    assert "ann" not in again._nodes
    await again.close()


def test_a_failed_write_leaves_the_old_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "x.graph.snapshot"
    snapshot.write(path, {"epoch": "e", "seq": 3}, "c", {"a": 1})
    with pytest.raises((TypeError, AttributeError, Exception)):
        snapshot.write(path, {"epoch": "e", "seq": 4}, "c", {"a": lambda: 1})
    assert snapshot.read(path, "c") == ({"epoch": "e", "seq": 3}, {"a": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["x.graph.snapshot"]
    # a temporary file left by a kill -9 mid-write goes with the next write
    (tmp_path / "x.graph.snapshot.999.tmp").write_bytes(b"half")
    snapshot.write(path, {"epoch": "e", "seq": 5}, "c", {"a": 2})
    assert [p.name for p in tmp_path.iterdir()] == ["x.graph.snapshot"]
    # half a file left by a crash mid-write is never read as a snapshot
    (tmp_path / "y.snapshot").write_bytes(path.read_bytes()[:-3])
    assert snapshot.read(tmp_path / "y.snapshot", "c") is None


async def test_pruned_changes_force_a_rebuild(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    await first_start(path)
    store = EmbeddedStore.open(path)
    await store.upsert([Actor(id=NodeId("p1"), kind=ActorKind.RESIDENT, name="P")])
    await store.prune_changes(store.stamp()["seq"])  # the snapshot cannot catch up now
    await store.close()
    again = open_snap(path)
    assert again.loaded_from == "file"
    assert "p1" in again._nodes
    await again.close()


def test_big_buffers_stream_through(tmp_path: Path) -> None:
    """numpy arrays (the index's CSR copy) go out as pickle 5 buffers, CRC and all."""
    np = pytest.importorskip("numpy")
    path = tmp_path / "a.snapshot"
    big = np.arange(1_000_000, dtype=np.int64)
    snapshot.write(path, {"seq": 1}, "c", {"big": big})
    found = snapshot.read(path, "c")
    assert found is not None
    assert found[0] == {"seq": 1}
    assert (found[1]["big"] == big).all()


async def test_an_empty_store_opened_for_serve_is_seeded_and_loaded(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    store = EmbeddedStore.open(path, lazy=True, snapshot=True)
    assert await store.is_empty()
    await store.bulk_import(tiny.nodes(), tiny.rels())
    assert not await store.is_empty()
    assert (await store.stats()).node_count == len(tiny.nodes())
    await store.load()
    assert store.loaded_from == "file"
    assert memory(store) == rebuilt(path)
    await store.close()


async def test_a_snapshot_that_cannot_be_written_is_only_logged(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    store = open_snap(path)
    await store.upsert(tiny.nodes(), tiny.rels())
    store._unpicklable = lambda: None  # type: ignore[attr-defined]
    assert not store.save_snapshot()
    # the one written at open (of the empty file) stays, whole; no temporary file left
    assert [p.name for p in tmp_path.glob("*.snapshot*")] == ["w.db.graph.snapshot"]
    del store._unpicklable  # type: ignore[attr-defined]
    await store.close()
    again = open_snap(path)
    assert again.loaded_from == "snapshot"  # the old one, with the changes replayed
    assert memory(again) == rebuilt(path)
    await again.close()
