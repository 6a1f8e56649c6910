"""Neo4j's bulk import on servers before 5.26, which cannot take a relationship type from
a value: the same graph through one statement per type (the contract tests run the import
on the test server, 5.26, through one statement for all types)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph.model import NodeId, Relationship, RelType
from graph.neo4j_store import Neo4jStore, _takes_types_from_values
from graph.store import Direction
from tests.conftest import need_neo4j, open_neo4j
from tests.contract import tiny


@pytest.mark.parametrize(
    ("agent", "takes"),
    [
        ("Neo4j/5.26.31", True),
        ("Neo4j/5.27-aura", True),
        ("Neo4j/2025.06.1", True),
        ("Neo4j/5.25.1", False),
        ("Neo4j/4.4.40", False),
        ("Memgraph/2.0", False),
    ],
)
def test_which_servers_take_types_from_values(agent: str, takes: bool) -> None:
    assert _takes_types_from_values(agent) is takes


@pytest.fixture
async def older() -> AsyncIterator[Neo4jStore]:
    need_neo4j()
    store = await open_neo4j(clear=True)
    assert isinstance(store, Neo4jStore)
    assert store._types_from_values  # the test server is 5.26
    store._types_from_values = False
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.neo4j
async def test_an_import_by_type_gives_the_same_graph(older: Neo4jStore) -> None:
    assert await older.bulk_import(tiny.nodes(), tiny.rels(), batch_size=5) == (
        len(tiny.nodes()),
        len(tiny.rels()),
    )
    stored = {r.key: dict(r.props) async for r in older.stream() if isinstance(r, Relationship)}
    assert stored == {r.key: dict(r.props) for r in tiny.rels()}
    # again, and a key twice: still one relationship per key, the last properties
    again = [
        *tiny.rels(),
        Relationship(RelType.KNOWS, NodeId("bob"), NodeId("ann"), {"since": "2020"}),
    ]
    await older.bulk_import(tiny.nodes(), again, batch_size=5)
    assert (await older.stats()).relationship_count == len(tiny.rels())
    found = await older.neighbours([NodeId("ann")], types=[RelType.KNOWS], direction=Direction.BOTH)
    assert [n.rel.props.get("since") for n in found[NodeId("ann")]] == ["2020"]
