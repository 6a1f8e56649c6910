"""The change log: every write appends one entry, in commit order (Neo4j; the embedded
store's log is tested with the members of a serve group, tests/graph/test_shared_store.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import neo4j
import pytest

from graph.model import Actor, ActorKind, NodeId, RelType
from graph.store import GraphStore
from tests.conftest import need_neo4j, open_neo4j
from tests.contract import tiny

pytestmark = pytest.mark.neo4j


@pytest.fixture
async def neo() -> AsyncIterator[GraphStore]:
    need_neo4j()
    store = await open_neo4j(clear=True)
    try:
        yield store
    finally:
        await store.close()


async def test_each_write_appends_one_entry_in_order(neo: GraphStore) -> None:
    start = (await neo.changes(0)).head
    await neo.bulk_import(tiny.nodes(), tiny.rels(), batch_size=1_000)
    late = Actor(id=NodeId("late"), kind=ActorKind.FREELANCER, name="Laat")
    await neo.upsert([late])
    found = await neo.changes(start)
    assert [c.seq for c in found.changes] == list(range(start + 1, found.head + 1))
    assert found.head == start + 3  # one batch of nodes, one of relationships, one upsert
    imported, linked, registered = found.changes
    assert {n.id for n in imported.nodes} == {n.id for n in tiny.nodes()}
    assert {r.key for r in linked.rels} == {r.key for r in tiny.rels()}
    assert registered.nodes == [late] and not registered.rels
    # paging: after the first entry, with a limit
    page = await neo.changes(start + 1, limit=1)
    assert [c.seq for c in page.changes] == [start + 2]
    assert (await neo.changes(found.head)).changes == []


async def test_entries_report_what_is_gone(neo: GraphStore) -> None:
    await neo.upsert(tiny.nodes(), tiny.rels())
    head = (await neo.changes(0)).head
    rel = tiny.rels()[0]
    await neo.delete(rels=[rel])
    actor = next(n for n in tiny.nodes() if isinstance(n, Actor))
    await neo.delete_actor(actor.id)
    deleted_rel, deleted_actor = (await neo.changes(head)).changes
    assert deleted_rel.gone_rels == [(rel.type, rel.source, rel.target)]
    assert deleted_actor.gone_nodes == [actor.id]


async def test_a_wiped_store_starts_the_log_again(neo: GraphStore) -> None:
    from tests.conftest import clear_neo4j

    await neo.upsert(tiny.nodes())
    before = (await neo.changes(0)).head
    assert before >= 1
    await clear_neo4j()
    assert (await neo.changes(before)).head < before


async def test_entries_are_packed_and_older_ones_still_read(neo: GraphStore) -> None:
    """Entries hold their ids and keys packed; one written before that (four lists of
    strings) is read as it always was."""
    from tests.conftest import NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER

    await neo.upsert(tiny.nodes(), tiny.rels())
    head = (await neo.changes(0)).head
    async with neo4j.AsyncGraphDatabase.driver(
        NEO4J_URI or "", auth=(NEO4J_USER, NEO4J_PASSWORD)
    ) as driver:
        stored = await driver.execute_query(
            "MATCH (c:WijknetChange {seq: $seq}) RETURN c.packed AS packed, c.nodes AS nodes",
            seq=head,
        )
        assert isinstance(stored.records[0]["packed"], bytes | bytearray)
        assert stored.records[0]["nodes"] is None
        await driver.execute_query(
            "MATCH (c:WijknetClock {id: 'changes'}) SET c.seq = c.seq + 1 "
            "CREATE (:WijknetChange {seq: c.seq, at: timestamp(), nodes: ['ann', 'gone'], "
            "rel_types: ['KNOWS'], rel_sources: ['ann'], rel_targets: ['bob']})"
        )
    (old,) = (await neo.changes(head)).changes
    assert [n.id for n in old.nodes] == ["ann"]
    assert old.gone_nodes == ["gone"]
    assert [r.key for r in old.rels] == [(RelType.KNOWS, "ann", "bob")]
