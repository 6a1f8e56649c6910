"""With --index-refresh, writes that bypass this worker reach its matching index."""

from __future__ import annotations

import asyncio
from pathlib import Path

from api.app import create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.model import Actor, ActorKind, NodeId
from tests.contract import tiny


async def test_index_is_rebuilt_from_the_store(tmp_path: Path) -> None:
    store = EmbeddedStore.open(str(tmp_path / "r.db"))
    await store.upsert(tiny.nodes(), tiny.rels())
    app = create_app(Settings(seed_actors=0, index_refresh=1), store=store)
    async with app.router.lifespan_context(app):
        first = app.state.index
        assert "late" not in first.pos
        # another worker's write: straight into the shared store, not through this API
        await store.upsert([Actor(id=NodeId("late"), kind=ActorKind.FREELANCER, name="Laat")])
        for _ in range(50):
            if "late" in app.state.index.pos:
                break
            await asyncio.sleep(0.1)
        assert app.state.index is not first
        assert "late" in app.state.index.pos
    await store.close()
