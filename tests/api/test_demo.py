"""``wijknet demo remove`` deletes all demo data and nothing else."""

from __future__ import annotations

from pathlib import Path

from api.transfer import import_dir
from graph.embedded import EmbeddedStore
from graph.model import (
    Actor,
    ActorKind,
    NodeId,
    Provenance,
    Relationship,
    RelType,
)
from seed_data import seed_store
from tests.api.test_cli import wijknet
from tests.api.test_transfer import snapshot


async def test_demo_remove_takes_out_demo_data_and_nothing_else(tmp_path: Path) -> None:
    db = tmp_path / "mixed.db"
    store = EmbeddedStore.open(str(db))
    await seed_store(store, actors=300)
    # an imported dataset: a resident in a real wijk who is in a demo initiative
    folder = tmp_path / "wijkdata"
    folder.mkdir()
    (folder / "actors.csv").write_text(
        "id,kind,name,place_code\nimp-1,Resident,Ans,WK051830\n", encoding="utf-8"
    )
    (folder / "memberships.csv").write_text(
        "actor_id,initiative_id,role\nimp-1,ini-0000001,member\n", encoding="utf-8"
    )
    await import_dir(store, folder)
    # made by a user through the API: a ZZP'er who knows a demo resident and a real body
    user = Actor(id=NodeId("usr-1"), kind=ActorKind.FREELANCER, name="Bo")
    await store.upsert(
        [user],
        [
            Relationship(RelType.LIVES_IN, user.id, NodeId("GM0518"), {"provenance": "user"}),
            Relationship(RelType.KNOWS, user.id, NodeId("res-0000001"), {"provenance": "user"}),
            Relationship(RelType.KNOWS, user.id, NodeId("org-lsa-bewoners")),
            # a demo tie between two nodes that stay
            Relationship(RelType.KNOWS, NodeId("imp-1"), user.id, {"provenance": "demo"}),
        ],
    )
    nodes, rels = await snapshot(store)
    await store.close()
    demo = {i for i, n in nodes.items() if n.provenance is Provenance.DEMO}
    kept = {i: n for i, n in nodes.items() if i not in demo}
    assert demo and {n.provenance for n in kept.values()} == {
        Provenance.REFERENCE,
        Provenance.IMPORT,
        Provenance.USER,
    }

    counted = wijknet("demo", "count", "--db", str(db))
    assert counted.returncode == 0, counted.stderr
    assert f"{len(demo):,} demo nodes and 1 demo relationships" in counted.stderr + counted.stdout
    done = wijknet("demo", "remove", "--db", str(db))
    assert done.returncode == 0, done.stderr

    store = EmbeddedStore.open(str(db))
    try:
        after_nodes, after_rels = await snapshot(store)
    finally:
        await store.close()
    assert after_nodes == kept  # every reference, imported and user node, unchanged
    expected = {
        key: rel
        for key, rel in rels.items()
        if rel.source not in demo
        and rel.target not in demo
        and rel.props.get("provenance") != "demo"
    }
    assert after_rels == expected
    assert ("KNOWS", "imp-1", "usr-1") not in after_rels
    assert ("KNOWS", "org-lsa-bewoners", "usr-1") in after_rels
    removed = f"removed {len(demo):,} demo nodes and {len(rels) - len(expected):,} relationships"
    assert removed in done.stderr + done.stdout
