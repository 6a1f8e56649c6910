"""One contract for every GraphStore: the ``store`` fixture runs each test per store."""

from __future__ import annotations

import pytest

from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import (
    ACTOR_KINDS,
    Actor,
    ActorKind,
    Event,
    EventKind,
    Initiative,
    InitiativeStage,
    NodeId,
    NodeKind,
    Place,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    Visibility,
    rel_provenance,
)
from graph.store import MAX_PAGE, Direction, GraphStore, NodeFilter, Sight, encode_cursor
from tests.contract import tiny

R = RelType
ACTORS = frozenset(ACTOR_KINDS)
INITIATIVES = frozenset({NodeKind.INITIATIVE})


async def load(store: GraphStore) -> None:
    await store.upsert(tiny.nodes(), tiny.rels())


async def ids(store: GraphStore, flt: NodeFilter, first: int = MAX_PAGE) -> list[str]:
    page = await store.list_nodes(flt, first=first)
    return [n.id for n in page.items]


def N(s: str) -> NodeId:
    return NodeId(s)


# --- writing and reading nodes -------------------------------------------------------


async def test_nodes_round_trip_with_every_field(store: GraphStore) -> None:
    await load(store)
    want = {n.id: n for n in tiny.nodes()}
    got = await store.get_nodes(list(want))
    assert got == want


async def test_get_nodes_leaves_out_missing_ids(store: GraphStore) -> None:
    await load(store)
    got = await store.get_nodes([N("ann"), N("nobody")])
    assert list(got) == ["ann"]


async def test_upsert_is_idempotent(store: GraphStore) -> None:
    await load(store)
    before = await store.stats()
    await load(store)
    after = await store.stats()
    assert before == after
    assert after.node_count == len(tiny.nodes())
    assert after.relationship_count == len(tiny.rels())


async def test_upsert_replaces_fields_and_relationship_props(store: GraphStore) -> None:
    await load(store)
    renamed = Actor(id=N("bob"), kind=ActorKind.FREELANCER, name="Bob B.", matchable=False)
    await store.upsert(
        [renamed], [Relationship(R.MEMBER_OF, N("bob"), N("ini1"), {"role": "board"})]
    )
    assert (await store.get_nodes([N("bob")]))[N("bob")] == renamed
    found = await store.neighbours([N("bob")], types=[R.MEMBER_OF])
    assert [dict(n.rel.props) for n in found[N("bob")]] == [{"role": "board"}]


async def test_create_only_refuses_an_existing_node(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(Conflict) as err:
        await store.upsert(
            [Actor(id=N("ann"), kind=ActorKind.RESIDENT, name="Other")], create_only=True
        )
    assert err.value.field == "id"


async def test_create_only_refuses_an_existing_relationship(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(Conflict) as err:
        await store.upsert(rels=[Relationship(R.KNOWS, N("bob"), N("ann"))], create_only=True)
    assert err.value.field == "target"


async def test_a_node_cannot_change_kind(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(Conflict) as err:
        await store.upsert([Actor(id=N("ini1"), kind=ActorKind.RESIDENT, name="X")])
    assert err.value.field == "id"


async def test_relationship_to_missing_node_is_not_found(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(NotFound) as err:
        await store.upsert(rels=[Relationship(R.KNOWS, N("ann"), N("zed"))])
    assert err.value.field == "target"
    with pytest.raises(NotFound) as err:
        await store.upsert(rels=[Relationship(R.MEMBER_OF, N("aaa"), N("ini1"))])
    assert err.value.field == "source"


async def test_relationship_between_wrong_kinds_is_invalid(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(InvalidInput) as err:
        await store.upsert(rels=[Relationship(R.NEEDS, N("ann"), N("solar"))])
    assert err.value.field == "source"
    with pytest.raises(InvalidInput) as err:
        await store.upsert(rels=[Relationship(R.MEMBER_OF, N("ann"), N("bob"))])
    assert err.value.field == "target"


async def test_failed_upsert_writes_nothing(store: GraphStore) -> None:
    await load(store)
    newcomer = Actor(id=N("eve"), kind=ActorKind.RESIDENT, name="Eve")
    with pytest.raises(NotFound):
        await store.upsert(
            [newcomer],
            [Relationship(R.LIVES_IN, N("eve"), N("WK1")), Relationship(R.KNOWS, N("eve"), N("x"))],
        )
    assert await store.get_nodes([N("eve")]) == {}
    assert (await store.stats()).relationship_count == len(tiny.rels())


async def test_relationships_may_point_at_nodes_of_the_same_write(store: GraphStore) -> None:
    await load(store)
    eve = Actor(id=N("eve"), kind=ActorKind.RESIDENT, name="Eve")
    ini = Initiative(id=N("ini3"), name="Repaircafé")
    await store.upsert(
        [eve, ini],
        [
            Relationship(R.MEMBER_OF, N("eve"), N("ini3")),
            Relationship(R.LIVES_IN, N("eve"), N("WK2")),
        ],
        create_only=True,
    )
    members = await store.neighbours([N("ini3")], types=[R.MEMBER_OF], direction=Direction.IN)
    assert [n.node.id for n in members[N("ini3")]] == ["eve"]


# --- deleting ---------------------------------------------------------------------------


async def test_delete_actor_removes_it_and_all_its_relationships(store: GraphStore) -> None:
    await load(store)
    await store.delete_actor(N("bob"))
    assert await store.get_nodes([N("bob")]) == {}
    found = await store.neighbours(
        [N("ann"), N("cas"), N("ini1"), N("solar")], direction=Direction.BOTH
    )
    assert all(n.node.id != "bob" for lst in found.values() for n in lst)
    stats = await store.stats()
    bob_rels = [r for r in tiny.rels() if "bob" in (r.source, r.target)]
    assert stats.relationship_count == len(tiny.rels()) - len(bob_rels)
    assert stats.nodes.get("Freelancer", 0) == 0


async def test_delete_unknown_actor_is_not_found(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(NotFound) as err:
        await store.delete_actor(N("nobody"))
    assert err.value.field == "id"


async def test_delete_refuses_what_is_not_an_actor(store: GraphStore) -> None:
    await load(store)
    with pytest.raises(InvalidInput) as err:
        await store.delete_actor(N("WK1"))
    assert err.value.field == "id"
    assert await store.get_nodes([N("WK1")])


# --- listing, filtering, paging -----------------------------------------------------------


async def test_lists_are_in_id_order_and_counted(store: GraphStore) -> None:
    await load(store)
    page = await store.list_nodes(NodeFilter(kinds=ACTORS), first=3)
    assert [n.id for n in page.items] == ["ann", "bob", "cas"]
    assert page.total == 6
    assert page.has_next
    assert page.end_cursor == encode_cursor("cas")


async def test_cursor_pages_through_everything_once(store: GraphStore) -> None:
    await load(store)
    seen: list[str] = []
    after = None
    while True:
        page = await store.list_nodes(NodeFilter(kinds=ACTORS), first=2, after=after)
        seen += [n.id for n in page.items]
        if not page.has_next:
            break
        after = page.end_cursor
    assert seen == ["ann", "bob", "cas", "dora", "ent", "gem"]


async def test_paging_a_filtered_list(store: GraphStore) -> None:
    await load(store)
    flt = NodeFilter(kinds=ACTORS, place=N("GM1"))
    first = await store.list_nodes(flt, first=4)
    rest = await store.list_nodes(flt, first=4, after=first.end_cursor)
    assert [n.id for n in first.items] == ["ann", "bob", "cas", "dora"]
    assert [n.id for n in rest.items] == ["ent", "gem"]
    assert first.total == rest.total == 6
    assert first.has_next and not rest.has_next


async def test_empty_page_and_zero_first(store: GraphStore) -> None:
    await load(store)
    page = await store.list_nodes(NodeFilter(kinds=ACTORS), first=0)
    assert page.items == [] and page.total == 6 and page.has_next
    page = await store.list_nodes(NodeFilter(kinds=ACTORS, text="nobody here"), first=5)
    assert page.items == [] and page.total == 0 and not page.has_next and page.end_cursor is None


@pytest.mark.parametrize(
    "flt",
    [
        NodeFilter(kinds=ACTORS),
        NodeFilter(kinds=ACTORS, place=N("GM1")),
        NodeFilter(kinds=ACTORS, visibility=frozenset({Visibility.PUBLIC, Visibility.NETWORK})),
        NodeFilter(kinds=ACTORS, text="a"),
    ],
    ids=["plain", "place", "visibility", "text"],
)
async def test_a_page_without_its_count_is_the_same_page(
    store: GraphStore, flt: NodeFilter
) -> None:
    await load(store)
    after = None
    while True:
        counted = await store.list_nodes(flt, first=2, after=after)
        page = await store.list_nodes(flt, first=2, after=after, count=False)
        assert page.items == counted.items
        assert (page.has_next, page.end_cursor) == (counted.has_next, counted.end_cursor)
        assert counted.total is not None
        assert page.total in (None, counted.total)  # a store may count anyway
        if not page.has_next:
            break
        after = page.end_cursor


@pytest.mark.parametrize("bad", ["nonsense", "aWQ", encode_cursor("x")[:-2] + "!!"])
async def test_a_cursor_we_did_not_make_is_invalid(store: GraphStore, bad: str) -> None:
    await load(store)
    with pytest.raises(InvalidInput) as err:
        await store.list_nodes(NodeFilter(kinds=ACTORS), first=2, after=bad)
    assert err.value.field == "after"


@pytest.mark.parametrize("first", [-1, MAX_PAGE + 1])
async def test_page_size_is_bounded(store: GraphStore, first: int) -> None:
    with pytest.raises(InvalidInput) as err:
        await store.list_nodes(NodeFilter(kinds=ACTORS), first=first)
    assert err.value.field == "first"


@pytest.mark.parametrize(
    ("place", "want"),
    [
        ("GM1", ["ann", "bob", "cas", "dora", "ent", "gem"]),
        ("SD1", ["ann", "bob", "cas", "dora"]),
        ("WK1", ["ann", "bob"]),
        ("BU1", ["ann"]),
        ("WK2", ["cas", "dora"]),
    ],
)
async def test_place_filter_includes_sub_places(
    store: GraphStore, place: str, want: list[str]
) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=ACTORS, place=N(place))) == want


async def test_place_filter_for_initiatives(store: GraphStore) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=INITIATIVES, place=N("SD1"))) == ["ini1", "ini2"]
    assert await ids(store, NodeFilter(kinds=INITIATIVES, place=N("WK2"))) == ["ini2"]


async def test_skill_filter_follows_has_skill_and_offers(store: GraphStore) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=ACTORS, skill=N("solar"))) == ["bob"]
    assert await ids(store, NodeFilter(kinds=ACTORS, skill=N("grants"))) == ["ent"]
    assert await ids(store, NodeFilter(kinds=INITIATIVES, skill=N("grants"))) == ["ini1"]


async def test_theme_filter(store: GraphStore) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=ACTORS, theme=N("green"))) == ["dora"]
    assert await ids(store, NodeFilter(kinds=INITIATIVES, theme=N("energy"))) == ["ini1"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("bakker", ["bob"]),
        ("BOB bak", ["bob"]),
        ("zonnepanelen", ["ann"]),
        ("een", ["ent", "gem"]),
        ("jansen smit", []),
    ],
)
async def test_text_filter_needs_every_word(store: GraphStore, text: str, want: list[str]) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=ACTORS, text=text)) == want


async def test_text_filter_follows_writes(store: GraphStore) -> None:
    await load(store)
    assert await ids(store, NodeFilter(kinds=ACTORS, text="bakker")) == ["bob"]  # warm
    bob = Actor(id=N("bob"), kind=ActorKind.FREELANCER, name="Bob Timmerman")
    eve = Actor(id=N("eve"), kind=ActorKind.RESIDENT, name="Eve Bakkerij", description="brood")
    await store.upsert([bob, eve])
    assert await ids(store, NodeFilter(kinds=ACTORS, text="bakker")) == ["eve"]
    assert await ids(store, NodeFilter(kinds=ACTORS, text="timmer")) == ["bob"]
    assert await ids(store, NodeFilter(kinds=ACTORS, text="ker bro")) == ["eve"]
    await store.delete_actor(N("eve"))
    assert await ids(store, NodeFilter(kinds=ACTORS, text="bakker")) == []
    await store.delete(nodes=[N("bob")])
    assert await ids(store, NodeFilter(kinds=ACTORS, text="timmer")) == []
    page = await store.list_nodes(NodeFilter(kinds=ACTORS, text="jansen"), first=5, count=False)
    assert [n.id for n in page.items] == ["cas"]


async def test_text_filter_on_places_and_skills(store: GraphStore) -> None:
    await load(store)
    places = frozenset({NodeKind.PLACE})
    assert await ids(store, NodeFilter(kinds=places, text="wijk")) == ["WK1", "WK2"]
    skills = frozenset({NodeKind.SKILL})
    assert await ids(store, NodeFilter(kinds=skills, text="solar")) == ["solar"]


async def test_kind_stage_and_visibility_filters(store: GraphStore) -> None:
    await load(store)
    residents = frozenset({NodeKind.RESIDENT})
    assert await ids(store, NodeFilter(kinds=residents)) == ["ann", "dora"]
    public = frozenset({Visibility.PUBLIC})
    assert await ids(store, NodeFilter(kinds=residents, visibility=public)) == ["dora"]
    running = NodeFilter(kinds=INITIATIVES, stage=InitiativeStage.RUNNING)
    assert await ids(store, running) == ["ini2"]


async def test_filters_combine(store: GraphStore) -> None:
    await load(store)
    flt = NodeFilter(kinds=ACTORS, place=N("SD1"), theme=N("energy"), text="ann")
    assert await ids(store, flt) == ["ann"]
    flt = NodeFilter(kinds=ACTORS, place=N("WK2"), skill=N("solar"))
    assert await ids(store, flt) == []


@pytest.mark.parametrize(
    ("field", "flt"),
    [
        ("place", NodeFilter(kinds=ACTORS, place=N("GM999"))),
        ("place", NodeFilter(kinds=ACTORS, place=N("ann"))),
        ("skill", NodeFilter(kinds=ACTORS, skill=N("juggling"))),
        ("theme", NodeFilter(kinds=INITIATIVES, theme=N("solar"))),
    ],
)
async def test_unknown_filter_values_are_not_found(
    store: GraphStore, field: str, flt: NodeFilter
) -> None:
    await load(store)
    with pytest.raises(NotFound) as err:
        await store.list_nodes(flt, first=5)
    assert err.value.field == field


# --- neighbours ---------------------------------------------------------------------------


async def test_neighbours_by_direction_in_type_then_id_order(store: GraphStore) -> None:
    await load(store)
    out = await store.neighbours([N("bob")])
    assert [(n.rel.type.value, n.node.id) for n in out[N("bob")]] == [
        ("HAS_SKILL", "solar"),
        ("KNOWS", "ann"),
        ("KNOWS", "cas"),
        ("LIVES_IN", "WK1"),
        ("MEMBER_OF", "ini1"),
    ]
    inn = await store.neighbours([N("ini1")], direction=Direction.IN)
    assert [(n.rel.type.value, n.node.id) for n in inn[N("ini1")]] == [
        ("MEMBER_OF", "ann"),
        ("MEMBER_OF", "bob"),
        ("PARTNERS_WITH", "ent"),
    ]


async def test_symmetric_ties_show_from_both_ends(store: GraphStore) -> None:
    await load(store)
    found = await store.neighbours([N("ann"), N("bob")], types=[R.KNOWS])
    assert [n.node.id for n in found[N("ann")]] == ["bob"]
    assert [n.node.id for n in found[N("bob")]] == ["ann", "cas"]
    inn = await store.neighbours([N("ann")], types=[R.KNOWS], direction=Direction.IN)
    assert [n.node.id for n in inn[N("ann")]] == ["bob"]
    adj = await store.neighbours([N("WK1"), N("WK2")], types=[R.ADJACENT_TO])
    assert [n.node.id for n in adj[N("WK1")]] == ["WK2"]
    assert [n.node.id for n in adj[N("WK2")]] == ["WK1"]


async def test_neighbours_carry_relationship_props(store: GraphStore) -> None:
    await load(store)
    found = await store.neighbours([N("ini1")], types=[R.NEEDS])
    assert {n.node.id: n.rel.props["urgency"] for n in found[N("ini1")]} == {
        "grants": "low",
        "solar": "high",
    }
    members = await store.neighbours([N("ini1")], types=[R.MEMBER_OF], direction=Direction.IN)
    first = members[N("ini1")][0]
    assert (first.rel.source, first.rel.target) == ("ann", "ini1")
    assert dict(first.rel.props) == {"role": "initiator", "since": "2024-03-01"}


async def test_neighbours_both_ways_and_of_unknown_ids(store: GraphStore) -> None:
    await load(store)
    found = await store.neighbours(
        [N("gem"), N("ghost")], types=[R.WORKS_FOR, R.SUPPORTS], direction=Direction.BOTH
    )
    assert [(n.rel.type.value, n.node.id) for n in found[N("gem")]] == [
        ("SUPPORTS", "ini2"),
        ("WORKS_FOR", "cas"),
    ]
    assert found[N("ghost")] == []


# --- paths --------------------------------------------------------------------------------


async def test_shortest_path_ignores_direction(store: GraphStore) -> None:
    await load(store)
    path = await store.shortest_path(N("ann"), N("dora"), max_hops=4, types=[R.KNOWS])
    assert path is not None
    assert [n.id for n in path.nodes] == ["ann", "bob", "cas", "dora"]
    assert [r.type for r in path.rels] == [R.KNOWS, R.KNOWS, R.KNOWS]


async def test_shortest_path_picks_the_smallest_ids_among_equals(store: GraphStore) -> None:
    await load(store)
    # ann and dora are both 2 hops from... ini1 -> ann|bob; choose the smallest id in between
    extra = [Relationship(R.KNOWS, N("ann"), N("cas"))]
    await store.upsert(rels=extra)
    path = await store.shortest_path(N("ini1"), N("cas"), max_hops=3)
    assert path is not None
    assert [n.id for n in path.nodes] == ["ini1", "ann", "cas"]


async def test_shortest_path_respects_max_hops_and_types(store: GraphStore) -> None:
    await load(store)
    assert await store.shortest_path(N("ann"), N("dora"), max_hops=2, types=[R.KNOWS]) is None
    assert await store.shortest_path(N("ann"), N("gem"), max_hops=4, types=[R.MEMBER_OF]) is None
    path = await store.shortest_path(N("ann"), N("gem"), max_hops=3)
    assert path is not None and len(path.rels) <= 3


async def test_path_to_itself_and_errors(store: GraphStore) -> None:
    await load(store)
    same = await store.shortest_path(N("ann"), N("ann"), max_hops=2)
    assert same is not None and [n.id for n in same.nodes] == ["ann"] and same.rels == []
    with pytest.raises(NotFound) as err:
        await store.shortest_path(N("ann"), N("nobody"), max_hops=2)
    assert err.value.field == "to"
    with pytest.raises(NotFound) as err:
        await store.shortest_path(N("nobody"), N("ann"), max_hops=2)
    assert err.value.field == "from"
    with pytest.raises(InvalidInput) as err:
        await store.shortest_path(N("ann"), N("bob"), max_hops=0)
    assert err.value.field == "maxHops"


# --- bulk import, streaming, stats ---------------------------------------------------------


async def test_bulk_import_in_batches_with_progress(store: GraphStore) -> None:
    calls: list[tuple[int, int]] = []
    counts = await store.bulk_import(
        tiny.nodes(), tiny.rels(), batch_size=7, progress=lambda n, r: calls.append((n, r))
    )
    assert counts == (len(tiny.nodes()), len(tiny.rels()))
    assert calls[-1] == counts
    assert len(calls) > 3
    assert calls == sorted(calls)
    again = await store.bulk_import(tiny.nodes(), tiny.rels(), batch_size=100)
    assert again == counts
    assert (await store.stats()).relationship_count == len(tiny.rels())


async def test_bulk_import_of_many_generated_nodes(store: GraphStore) -> None:
    places = [Place(id=N("P"), name="P", level=PlaceLevel.MUNICIPALITY)]
    people = [Actor(id=N(f"p{i:05d}"), kind=ActorKind.RESIDENT, name=f"P {i}") for i in range(3000)]
    rels = [Relationship(R.LIVES_IN, p.id, N("P")) for p in people]
    rels += [Relationship(R.KNOWS, people[i].id, people[i + 1].id) for i in range(2999)]
    assert await store.bulk_import([*places, *people], rels, batch_size=1000) == (3001, 5999)
    page = await store.list_nodes(NodeFilter(kinds=ACTORS, place=N("P")), first=2)
    assert page.total == 3000


async def test_bulk_import_keeps_one_relationship_per_key(store: GraphStore) -> None:
    """A key that comes again (in the same batch or a later one, either direction of a
    symmetric type) is one relationship with the last properties, also when the import
    created its ends."""
    ties = [
        Relationship(R.KNOWS, N("ann"), N("bob"), {"since": "2001"}),
        Relationship(R.KNOWS, N("bob"), N("ann"), {"since": "2002"}),
        Relationship(R.KNOWS, N("cas"), N("bob"), {"since": "2003"}),
        Relationship(R.KNOWS, N("ann"), N("bob"), {"since": "2004"}),
        Relationship(R.LIVES_IN, N("ann"), N("BU1")),
        Relationship(R.KNOWS, N("bob"), N("cas"), {"since": "2005"}),
    ]
    for batch_size in (2, 100):
        await store.bulk_import(tiny.nodes(), ties, batch_size=batch_size)
        stats = await store.stats()
        assert stats.relationships["KNOWS"] == 2
        assert stats.relationships["LIVES_IN"] == 1
        found = await store.neighbours([N("bob")], types=[R.KNOWS], direction=Direction.BOTH)
        assert sorted((n.node.id, n.rel.props.get("since")) for n in found[N("bob")]) == [
            ("ann", "2004"),
            ("cas", "2005"),
        ]


async def test_bulk_import_refuses_bad_relationships(store: GraphStore) -> None:
    with pytest.raises(NotFound):
        await store.bulk_import(tiny.nodes()[:3], [Relationship(R.KNOWS, N("ann"), N("bob"))])


async def test_bulk_import_takes_a_node_again_in_a_later_batch(store: GraphStore) -> None:
    """Batches may be written at the same time (Neo4j): a node that comes again in the next
    batch is still written after the first time, and the last one wins."""
    first = [Actor(id=N(f"p{i}"), kind=ActorKind.RESIDENT, name=f"Eerst {i}") for i in range(6)]
    again = [Actor(id=N(f"p{i}"), kind=ActorKind.RESIDENT, name=f"Later {i}") for i in range(6)]
    ties = [Relationship(R.KNOWS, N(f"p{i}"), N(f"p{i + 1}")) for i in range(5)]
    # batches of 4: [p0..p3] [p4 p5 p0 p1] [p2..p5]
    assert await store.bulk_import([*first, *again], ties, batch_size=4) == (12, 5)
    found = await store.get_nodes([N(f"p{i}") for i in range(6)])
    assert sorted(n.name for n in found.values()) == [f"Later {i}" for i in range(6)]
    assert (await store.stats()).relationships["KNOWS"] == 5
    # new nodes in batches of 2: [q0 q1] [q2 q3] [q0 q4]: the third meets the first only
    # (three batches may be in flight at once)
    fresh = [Actor(id=N(f"q{i}"), kind=ActorKind.RESIDENT, name=f"Q {i}") for i in range(5)]
    twice = Actor(id=N("q0"), kind=ActorKind.RESIDENT, name="Laatst 0")
    assert await store.bulk_import([*fresh[:4], twice, fresh[4]], [], batch_size=2) == (6, 0)
    assert (await store.get_nodes([N("q0")]))[N("q0")].name == "Laatst 0"


async def test_bulk_import_stops_at_a_bad_batch_and_keeps_the_ones_before(
    store: GraphStore,
) -> None:
    """With one relationship a batch, the batches before the bad one are written, the
    import raises, and the store goes on working (no write left hanging)."""
    people = [Actor(id=N(f"p{i}"), kind=ActorKind.RESIDENT, name=f"P {i}") for i in range(12)]
    ties = [Relationship(R.KNOWS, N(f"p{i}"), N(f"p{i + 1}")) for i in range(11)]
    ties.insert(5, Relationship(R.KNOWS, N("p0"), N("nobody")))
    with pytest.raises(NotFound, match="nobody"):
        await store.bulk_import(people, ties, batch_size=1)
    found = await store.neighbours([N(f"p{i}") for i in range(5)], types=[R.KNOWS])
    assert {(n.rel.source, n.rel.target) for ns in found.values() for n in ns} >= {
        (f"p{i}", f"p{i + 1}") for i in range(5)
    }
    # Neo4j may also have written the batches in flight beside the bad one (two at most)
    written = (await store.stats()).relationships["KNOWS"]
    assert 5 <= written <= 5 + 2
    await store.upsert(rels=[Relationship(R.KNOWS, N("p0"), N("p11"))])
    assert (await store.stats()).relationships["KNOWS"] == written + 1


async def test_stream_yields_everything(store: GraphStore) -> None:
    await load(store)
    nodes, rels = [], []
    async for item in store.stream():
        (rels if isinstance(item, Relationship) else nodes).append(item)
    assert sorted(n.id for n in nodes) == sorted(n.id for n in tiny.nodes())
    assert sorted(r.key for r in rels) == sorted(r.key for r in tiny.rels())
    by_key = {r.key: dict(r.props) for r in rels}
    assert all(by_key[r.key] == dict(r.props) for r in tiny.rels())


async def test_stats_count_per_kind_and_type(store: GraphStore) -> None:
    assert (await store.stats()).node_count == 0
    assert await store.is_empty()
    await load(store)
    assert not await store.is_empty()
    stats = await store.stats()
    assert stats.nodes["Resident"] == 2
    assert stats.nodes["Place"] == 5
    assert stats.relationships["KNOWS"] == 3
    assert stats.relationships["PART_OF"] == 4


# --- what a viewer may see (Sight) ------------------------------------------------------------


async def test_sight_keeps_public_nodes_and_named_ids(store: GraphStore) -> None:
    await load(store)
    residents = frozenset({NodeKind.RESIDENT})
    assert await ids(store, NodeFilter(kinds=residents, sight=Sight())) == ["dora"]
    own = Sight(ids=frozenset({"ann"}))
    assert await ids(store, NodeFilter(kinds=residents, sight=own)) == ["ann", "dora"]
    page = await store.list_nodes(
        NodeFilter(kinds=residents, skill=N("solar"), sight=Sight()), first=10
    )
    assert (page.items, page.total) == ([], 0)
    places = await ids(store, NodeFilter(kinds=frozenset({NodeKind.PLACE}), sight=Sight()))
    assert "BU1" in places  # nodes without a visibility are always seen


async def test_sight_pages_and_counts_over_kinds_and_follows_writes(store: GraphStore) -> None:
    await load(store)
    sight = Sight(ids=frozenset({"ann", "ini1", "gone"}))
    flt = NodeFilter(kinds=frozenset({*ACTORS, NodeKind.INITIATIVE}), sight=sight)
    everything = await store.list_nodes(flt, first=MAX_PAGE)
    # residents are private by default, ann is named
    want = ["ann", "bob", "cas", "dora", "ent", "gem", "ini1", "ini2"]
    assert ([n.id for n in everything.items], everything.total) == (want, len(want))
    first = await store.list_nodes(flt, first=2)
    assert ([n.id for n in first.items], first.total, first.has_next) == (["ann", "bob"], 8, True)
    rest = await store.list_nodes(flt, first=3, after=first.end_cursor)
    assert ([n.id for n in rest.items], rest.has_next) == (["cas", "dora", "ent"], True)
    hidden = Actor(id=N("dora"), kind=ActorKind.RESIDENT, name="Dora Smit")  # private now
    await store.upsert([hidden])
    page = await store.list_nodes(NodeFilter(kinds=ACTORS, sight=Sight()), first=10)
    assert ([n.id for n in page.items], page.total) == (["bob", "cas", "ent", "gem"], 4)
    await store.delete(nodes=[N("gem")])
    page = await store.list_nodes(NodeFilter(kinds=ACTORS, sight=Sight()), first=10)
    assert ([n.id for n in page.items], page.total) == (["bob", "cas", "ent"], 3)


async def test_shortest_path_steps_only_where_sight_admits(store: GraphStore) -> None:
    await load(store)
    seen = Sight(ids=frozenset({"bob", "cas"}))
    path = await store.shortest_path(N("bob"), N("dora"), max_hops=4, types=[R.KNOWS], sight=seen)
    assert path is not None and [n.id for n in path.nodes] == ["bob", "cas", "dora"]
    # ann is private: no path starts, ends or passes through her
    assert await store.shortest_path(N("ann"), N("dora"), max_hops=4, sight=seen) is None
    await store.upsert(rels=[Relationship(R.KNOWS, N("ann"), N("dora"))])
    around = await store.shortest_path(N("dora"), N("ini1"), max_hops=2)
    assert around is not None and [n.id for n in around.nodes] == ["dora", "ann", "ini1"]
    assert await store.shortest_path(N("dora"), N("ini1"), max_hops=2, sight=Sight()) is None
    wide = Sight(ids=frozenset({"bob", "cas", "ann"}))
    assert await store.shortest_path(N("ann"), N("dora"), max_hops=4, sight=wide) is not None


# --- deleting relationships and nodes -------------------------------------------------------


async def test_delete_removes_relationships_and_nodes_at_once(store: GraphStore) -> None:
    await load(store)
    before = await store.stats()
    knows = Relationship(R.KNOWS, N("cas"), N("bob"))  # stored as bob -> cas (symmetric)
    member = Relationship(R.MEMBER_OF, N("bob"), N("ini1"))
    await store.delete(rels=[knows, member], nodes=[N("ini2")])
    assert await store.get_nodes([N("ini2")]) == {}
    found = await store.neighbours([N("bob")], direction=Direction.BOTH)
    assert {(n.rel.type, n.node.id) for n in found[N("bob")]} == {
        (R.KNOWS, "ann"),
        (R.LIVES_IN, "WK1"),
        *{
            (r.type, r.target)
            for r in tiny.rels()
            if r.source == "bob" and r.type in (R.HAS_SKILL, R.OFFERS, R.INTERESTED_IN)
        },
    }
    ini2_rels = [r for r in tiny.rels() if "ini2" in (r.source, r.target)]
    after = await store.stats()
    assert after.relationship_count == before.relationship_count - 2 - len(ini2_rels)
    assert after.nodes.get("Initiative") == before.nodes["Initiative"] - 1


async def test_delete_skips_what_is_gone(store: GraphStore) -> None:
    await load(store)
    before = await store.stats()
    await store.delete(rels=[Relationship(R.KNOWS, N("ann"), N("dora"))], nodes=[N("nobody")])
    assert (await store.stats()).relationship_count == before.relationship_count


async def test_pending_requests_and_invitations_are_stored(store: GraphStore) -> None:
    await load(store)
    ask = Relationship(R.REQUESTS, N("dora"), N("ini1"), {"role": "member"})
    know = Relationship(R.REQUESTS, N("dora"), N("ann"))
    invite = Relationship(R.INVITES, N("ini2"), N("bob"), {"role": "volunteer"})
    await store.upsert(rels=[ask, know, invite], create_only=True)
    found = await store.neighbours([N("dora")], types=[R.REQUESTS])
    assert [(n.node.id, dict(n.rel.props)) for n in found[N("dora")]] == [
        ("ann", {}),
        ("ini1", {"role": "member"}),
    ]
    found = await store.neighbours([N("bob")], types=[R.INVITES], direction=Direction.IN)
    assert [n.node.id for n in found[N("bob")]] == ["ini2"]
    with pytest.raises(Conflict):
        await store.upsert(rels=[ask], create_only=True)
    with pytest.raises(InvalidInput):
        await store.upsert(rels=[Relationship(R.INVITES, N("bob"), N("ini2"))])
    await store.delete(rels=[ask, invite])
    found = await store.neighbours(
        [N("ini1"), N("bob")], types=[R.REQUESTS, R.INVITES], direction=Direction.BOTH
    )
    assert found == {N("ini1"): [], N("bob"): []}


# --- provenance and events ---------------------------------------------------------------


async def test_provenance_of_nodes_and_relationships_round_trips(store: GraphStore) -> None:
    await load(store)
    demo = Actor(
        id=N("demo-1"),
        kind=ActorKind.RESIDENT,
        name="Demo",
        provenance=Provenance.DEMO,
        source="seed_data.generate",
    )
    imported = Place(
        id=N("WK9"),
        name="Wijk Negen",
        level=PlaceLevel.NEIGHBOURHOOD,
        provenance=Provenance.IMPORT,
        source="wijkdata/places.csv",
    )
    rel = Relationship(
        R.KNOWS, N("demo-1"), N("ann"), {"since": "2020", "provenance": "user", "source": "acc-1"}
    )
    await store.upsert([demo, imported], [rel, Relationship(R.LIVES_IN, N("demo-1"), N("WK9"))])
    got = await store.get_nodes([N("demo-1"), N("WK9")])
    assert got == {N("demo-1"): demo, N("WK9"): imported}
    found = await store.neighbours([N("demo-1")], types=[R.KNOWS, R.LIVES_IN])
    by_type = {n.rel.type: n.rel for n in found[N("demo-1")]}
    assert by_type[R.KNOWS].props == rel.props
    assert by_type[R.LIVES_IN].props == {}
    assert rel_provenance(by_type[R.LIVES_IN], demo, imported) == (
        Provenance.DEMO,
        "seed_data.generate",
    )


async def test_events_with_organisers_invitations_and_answers(store: GraphStore) -> None:
    await load(store)
    event = Event(
        id=N("evt-1"),
        name="Expertmeeting buurtenergie",
        event_type=EventKind.EXPERT_MEETING,
        starts="2026-03-12T19:30",
        ends="2026-03-12T21:30",
        description="Hoe begin je een energiecoöperatie?",
        source="acc-1",
    )
    await store.upsert(
        [event],
        [
            Relationship(R.ORGANISES, N("ent"), N("evt-1")),
            Relationship(R.LOCATED_IN, N("evt-1"), N("WK1")),
            Relationship(R.ABOUT, N("evt-1"), N("energy")),
            Relationship(R.INVITED_TO, N("dora"), N("evt-1"), {"rsvp": "invited", "reason": "x"}),
            Relationship(R.INVITED_TO, N("bob"), N("evt-1"), {"rsvp": "yes"}),
        ],
    )
    assert await store.get_nodes([N("evt-1")]) == {N("evt-1"): event}
    flt = NodeFilter(kinds=frozenset({NodeKind.EVENT}), place=N("GM1"))
    assert await ids(store, flt) == ["evt-1"]
    assert await ids(store, NodeFilter(kinds=frozenset({NodeKind.EVENT}), place=N("WK2"))) == []

    async def answers() -> dict[str, str]:
        found = await store.neighbours([N("evt-1")], types=[R.INVITED_TO], direction=Direction.IN)
        return {n.node.id: n.rel.props["rsvp"] for n in found[N("evt-1")]}

    assert await answers() == {"bob": "yes", "dora": "invited"}
    await store.upsert(
        rels=[Relationship(R.INVITED_TO, N("dora"), N("evt-1"), {"rsvp": "maybe", "reason": "x"})]
    )
    assert await answers() == {"bob": "yes", "dora": "maybe"}
    out = await store.neighbours([N("evt-1")], types=[R.LOCATED_IN, R.ABOUT])
    assert {n.node.id for n in out[N("evt-1")]} == {"WK1", "energy"}
    organisers = await store.neighbours([N("evt-1")], types=[R.ORGANISES], direction=Direction.IN)
    assert [n.node.id for n in organisers[N("evt-1")]] == ["ent"]
    with pytest.raises(InvalidInput):  # an event does not invite itself to a person
        await store.upsert(rels=[Relationship(R.INVITED_TO, N("evt-1"), N("ann"))])
    stats = await store.stats()
    assert stats.nodes["Event"] == 1 and stats.relationships["INVITED_TO"] == 2


def test_an_event_ends_after_it_starts() -> None:
    with pytest.raises(InvalidInput) as exc:
        Event(id=N("e"), name="E", starts="2026-03-12T19:30", ends="2026-03-12T18:00")
    assert exc.value.field == "ends"
    with pytest.raises(InvalidInput) as exc:
        Event(id=N("e"), name="E", starts="morgen")
    assert exc.value.field == "starts"
