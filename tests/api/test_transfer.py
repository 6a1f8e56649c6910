"""``import_dir`` / ``export_dir``: a graph survives a round trip; a bad dataset writes nothing."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.transfer import export_dir, import_dir
from graph.csv_format import COLUMNS, ImportErrors
from graph.embedded import EmbeddedStore
from graph.errors import InvalidInput
from graph.model import Node, Relationship
from graph.store import GraphStore
from seed_data import seed_store

Snapshot = tuple[dict[str, Node], dict[tuple[str, str, str], Relationship]]


async def snapshot(store: GraphStore) -> Snapshot:
    """Every node by id and every relationship by key, as ``stream()`` hands them out."""
    nodes: dict[str, Node] = {}
    rels: dict[tuple[str, str, str], Relationship] = {}
    async for item in store.stream():
        if isinstance(item, Relationship):
            assert item.key not in rels
            rels[item.key] = item
        else:
            assert item.id not in nodes
            nodes[item.id] = item
    return nodes, rels


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedStore]:
    """A store with the reference data and 300 generated actors."""
    store = EmbeddedStore.open(str(tmp_path_factory.mktemp("seeded") / "seeded.db"))
    await seed_store(store, actors=300)
    yield store
    await store.close()


@pytest.fixture(scope="module")
async def exported(seeded: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    await export_dir(seeded, folder)
    return folder


@pytest.fixture
async def empty(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore.open(str(tmp_path / "target.db"))
    yield store
    await store.close()


async def test_export_then_import_into_an_empty_store_gives_the_same_graph(
    seeded: EmbeddedStore, exported: Path, empty: EmbeddedStore, tmp_path: Path
) -> None:
    want = await seeded.stats()
    calls: list[tuple[str, int, int]] = []
    counts = await import_dir(empty, exported, lambda *call: calls.append(call))
    assert counts == (want.node_count, want.relationship_count)
    assert calls[-2:] == [
        ("nodes", want.node_count, want.node_count),
        ("relationships", want.relationship_count, want.relationship_count),
    ]
    assert await empty.stats() == want
    assert await snapshot(empty) == await snapshot(seeded)
    # and the copy exports to the very same files
    again = tmp_path / "again"
    assert await export_dir(empty, again) == counts
    for name in COLUMNS:
        assert (again / name).read_bytes() == (exported / name).read_bytes(), name


async def test_the_graph_also_survives_a_reopen(exported: Path, tmp_path: Path) -> None:
    path = str(tmp_path / "reopen.db")
    store = EmbeddedStore.open(path)
    try:
        await import_dir(store, exported)
        before = await snapshot(store)
    finally:
        await store.close()
    reopened = EmbeddedStore.open(path, readonly=True)
    try:
        assert await snapshot(reopened) == before
    finally:
        await reopened.close()


async def test_export_reports_progress_and_refuses_to_overwrite(
    seeded: EmbeddedStore, exported: Path, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match=r"already holds places\.csv"):
        await export_dir(seeded, exported)
    folder = tmp_path / "copy"
    shutil.copytree(exported, folder)
    (folder / "themes.csv").write_text("stale\n", encoding="utf-8")
    calls: list[tuple[str, int, int]] = []
    nodes, rels = await export_dir(seeded, folder, lambda *call: calls.append(call), overwrite=True)
    assert (folder / "themes.csv").read_bytes() == (exported / "themes.csv").read_bytes()
    assert calls[0] == ("nodes", 0, nodes)
    assert calls[-1] == ("relationships", rels, rels)


async def test_a_bad_row_in_the_last_file_leaves_the_store_as_it_was(
    exported: Path, tmp_path: Path
) -> None:
    target = EmbeddedStore.open(str(tmp_path / "target.db"))
    try:
        await seed_store(target, actors=20, seed=7)
        before = await snapshot(target)
        folder = tmp_path / "bad"
        shutil.copytree(exported, folder)
        lines = (folder / "relationships.csv").read_text(encoding="utf-8").splitlines()
        lines.append("KNOWS,res-0000001,res-0000002,,,,1.5,,")
        (folder / "relationships.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(ImportErrors) as info:
            await import_dir(target, folder)
        assert [str(p) for p in info.value.problems] == [
            f'relationships.csv line {len(lines)}, column "weight": '
            "must be a number above 0 and at most 1"
        ]
        assert await snapshot(target) == before
    finally:
        await target.close()


async def test_rows_may_name_nodes_that_only_the_store_holds_and_upsert_by_id(
    tmp_path: Path,
) -> None:
    target = EmbeddedStore.open(str(tmp_path / "target.db"))
    try:
        await seed_store(target, actors=10)  # reference data: places, skills, themes, ...
        folder = tmp_path / "city"
        folder.mkdir()
        (folder / "actors.csv").write_text(
            "id,kind,name,place_code,skills,interests\n"
            "city-1,Resident,Noor,WK051830,skill-cooking,theme-food\n"
            "city-2,Freelancer,Sem,GM0518,,\n",
            encoding="utf-8",
        )
        (folder / "relationships.csv").write_text(
            "type,source_id,target_id,since\nKNOWS,city-2,city-1,2023\n", encoding="utf-8"
        )
        before = await target.stats()
        assert await import_dir(target, folder) == (2, 5)
        after = await target.stats()
        assert after.node_count == before.node_count + 2
        assert after.relationship_count == before.relationship_count + 5
        assert await import_dir(target, folder) == (2, 5)  # again: replaces, adds nothing
        assert await target.stats() == after
    finally:
        await target.close()


async def test_a_row_may_not_change_the_kind_of_a_stored_node(
    empty: EmbeddedStore, tmp_path: Path
) -> None:
    await seed_store(empty, actors=10)
    before = await snapshot(empty)
    folder = tmp_path / "clash"
    folder.mkdir()
    (folder / "skills.csv").write_text(
        "id,name_nl,name_en\nGM0518,Den Haag,The Hague\n", encoding="utf-8"
    )
    with pytest.raises(ImportErrors, match="'GM0518' is a Place in the store"):
        await import_dir(empty, folder)
    assert await snapshot(empty) == before
