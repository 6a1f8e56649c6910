"""``serve`` answers /healthz while it loads, says when it is ready, and keeps its index
current from the store's change log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from api.app import apply_change, create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.model import Actor, ActorKind, Node, NodeId, Relationship, RelType
from graph.store import Change
from matching import build_index_sync
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
