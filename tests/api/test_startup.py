"""``serve`` answers /healthz while it loads, says when it is ready, and keeps its index
current from the store's change log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from api.app import _save_snapshots, _start_index, apply_change, create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.model import Actor, ActorKind, Node, NodeId, NodeKind, Relationship, RelType
from graph.store import Change
from matching import MatchIndex, build_index, build_index_sync
from seed_data import seed_store
from tests.contract import tiny


class SlowStore(EmbeddedStore):
    """An embedded store whose ``stream`` waits until the test lets it go."""

    go: asyncio.Event

    async def stream(self) -> AsyncIterator[Node | Relationship]:  # type: ignore[override]
        await self.go.wait()
        async for item in super().stream():
            yield item


async def test_healthz_answers_while_loading_and_readyz_says_when_ready(tmp_path: Path) -> None:
    store = SlowStore.open(str(tmp_path / "slow.db"))
    store.go = asyncio.Event()
    await store.upsert(tiny.nodes(), tiny.rels())
    settings = Settings(seed_actors=0, identity_db=str(tmp_path / "identity.db"))
    app = create_app(settings, store=store)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://wijknet") as client,
    ):
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "loading"
        assert (await client.get("/readyz")).status_code == 503
        early = await client.post("/graphql", json={"query": "{ __typename }"})
        assert early.status_code == 503
        assert early.json()["status"] == "loading"
        store.go.set()
        await asyncio.wait_for(_ready(client), timeout=60)
        assert (await client.get("/healthz")).json()["status"] == "ok"
        answer = await client.post("/graphql", json={"query": "{ __typename }"})
        assert answer.json() == {"data": {"__typename": "Query"}}
    await store.close()


async def _ready(client: httpx.AsyncClient) -> None:
    while (await client.get("/readyz")).status_code != 200:
        await asyncio.sleep(0.05)


def test_a_change_from_the_log_reaches_the_index() -> None:
    index = build_index_sync(tiny.nodes(), tiny.rels())
    late = Actor(id=NodeId("late"), kind=ActorKind.FREELANCER, name="Laat", matchable=True)
    joins = Relationship(RelType.MEMBER_OF, late.id, NodeId("ini1"), {"role": "member"})
    apply_change(index, Change(1, nodes=[late], rels=[joins]))
    late_at = index.pos["late"]
    assert late_at in index.members[index.pos["ini1"]]
    apply_change(index, Change(2, nodes=[late], rels=[joins]))  # applied twice: no harm
    assert list(index.groups[late_at] or ()) == [index.pos["ini1"]]
    apply_change(index, Change(3, gone_nodes=[late.id]))
    assert late_at not in index.members[index.pos["ini1"]]
    assert not index.matchable[late_at]


def _canonical(index: MatchIndex, keep: set[str]) -> dict[str, Any]:
    """What the matcher reads about the nodes in ``keep``, by id and order-free."""
    ids = index.ids

    def named(values: Any) -> list[str]:
        return sorted(ids[v] for v in values or () if ids[v] in keep)

    def by_pair(table: dict[tuple[int, int], Any]) -> dict[tuple[str, str], list[str]]:
        out = {(ids[a], ids[b]): named(v) for (a, b), v in table.items()}
        return {k: v for k, v in out.items() if v}

    def by_one(table: dict[int, Any]) -> dict[str, Any]:
        out = {ids[a]: named(v) for a, v in table.items() if ids[a] in keep}
        return {k: v for k, v in out.items() if v}

    nodes = {}
    for i, nid in enumerate(ids):
        if nid not in keep:
            continue
        nodes[nid] = (
            index.kind[i],
            index.matchable[i],
            index.public[i],
            index.names[i],
            index.source_of(i),
            ids[index.home[i]] if index.home[i] >= 0 else None,
            named(index.ties[i]),
            named(index.groups[i]),
            named(index.skills[i]),
            named(index.themes[i]),
            {ids[m]: r for m, r in index.members.get(i, {}).items() if ids[m] in keep},
            {ids[s]: w for s, w in index.needs.get(i, {}).items()},
            {ids[s]: h for s, h in index.supporters.get(i, {}).items() if ids[s] in keep},
            named(index.employers.get(i)),
            ids[index.parent[i]] if i in index.parent else None,
            index.level.get(i),
            named(index.children.get(i)),
            named(index.adjacent.get(i)),
        )
    return {
        "nodes": nodes,
        "skill_at": by_pair(index.skill_at),
        "theme_at": by_pair(index.theme_at),
        "actors_at": by_one(index.actors_at),
        "staff_at": by_one(index.staff_at),
        "skill_holders": by_one(index.skill_holders),
        "theme_holders": by_one(index.theme_holders),
        "about": by_one(index.about),
        "helpers": named(index.helpers),
        "rarity": {ids[s]: index.rarity(s) for s in index.skill_count if ids[s] in keep},
    }


async def _start(path: str) -> tuple[EmbeddedStore, Any]:
    store = EmbeddedStore.open(path, lazy=True, snapshot=True)
    app = SimpleNamespace(state=SimpleNamespace())
    await _start_index(app, store, None)  # type: ignore[arg-type]
    return store, app


async def _fresh(store: EmbeddedStore) -> dict[str, Any]:
    return _canonical(await build_index(store.stream()), set(store._nodes))


async def test_the_index_starts_from_its_snapshot_and_replays_later_writes(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "w.db")
    first = EmbeddedStore.open(path)
    await seed_store(first, actors=60)
    await first.close()
    store, app = await _start(path)  # the first start builds and writes both snapshots
    assert app.state.index_from == "store"
    assert {p.name for p in tmp_path.glob("*.snapshot")} == {
        "w.db.graph.snapshot",
        "w.db.index.snapshot",
    }
    await store.close()

    store, app = await _start(path)
    assert (store.loaded_from, app.state.index_from) == ("snapshot", "snapshot")
    assert _canonical(app.state.index, set(store._nodes)) == await _fresh(store)
    await store.close()

    # writes after the snapshots, by a run that leaves none behind (as after kill -9)
    other = EmbeddedStore.open(path)
    actors = sorted(n.id for n in other._nodes.values() if isinstance(n, Actor))
    ini = next(n.id for n in other._nodes.values() if n.node_kind is NodeKind.INITIATIVE)
    skill = next(n.id for n in other._nodes.values() if n.node_kind is NodeKind.SKILL)
    late = Actor(id=NodeId("late"), kind=ActorKind.FREELANCER, name="Laat", matchable=True)
    await other.upsert(
        [late],
        [
            Relationship(RelType.MEMBER_OF, late.id, ini, {"role": "member"}),
            Relationship(RelType.HAS_SKILL, late.id, skill),
            Relationship(RelType.KNOWS, late.id, actors[0]),
        ],
    )
    held = await other.neighbours(
        [actors[1]], types=[RelType.KNOWS, RelType.HAS_SKILL, RelType.INTERESTED_IN]
    )
    by_type = {n.rel.type: n.rel for n in held[actors[1]]}
    await other.delete(rels=list(by_type.values()), nodes=[actors[2]])
    await other.close()

    store, app = await _start(path)
    assert (store.loaded_from, app.state.index_from) == ("snapshot", "snapshot")
    assert _canonical(app.state.index, set(store._nodes)) == await _fresh(store)
    assert "late" in store._nodes and actors[2] not in store._nodes
    assert app.state.index_stamp is None  # behind the store: not rewritten at start
    await store.close()
    store, app = await _start(path)  # replays the same changes again
    assert _canonical(app.state.index, set(store._nodes)) == await _fresh(store)
    await _save_snapshots(app, store)  # what a clean shutdown does
    await store.close()
    store, app = await _start(path)
    assert (store.loaded_from, app.state.index_from) == ("snapshot", "snapshot")
    assert app.state.index_stamp == store.stamp()
    assert store._changelog_after({**store.stamp(), "seq": 0}) is None  # pruned
    assert _canonical(app.state.index, set(store._nodes)) == await _fresh(store)
    await store.close()


async def test_a_corrupt_index_snapshot_means_a_rebuild(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    first = EmbeddedStore.open(path)
    await first.upsert(tiny.nodes(), tiny.rels())
    await first.close()
    store, app = await _start(path)
    await store.close()
    snap = tmp_path / "w.db.index.snapshot"
    snap.write_bytes(snap.read_bytes()[:-100])
    store, app = await _start(path)
    assert (store.loaded_from, app.state.index_from) == ("snapshot", "store")
    assert _canonical(app.state.index, set(store._nodes)) == await _fresh(store)
    await store.close()
