"""What the index and the matcher work out ahead of time stays right as writes arrive.

Writes reach a running index as the API applies them and as a worker applies the
store's change log (``api.app.apply_change``); either way, what the index keeps
per node (the team roles an actor fills) and what the matcher remembers (the home
places around a place) must equal what a fresh build of the same graph gives.
"""

from __future__ import annotations

import numpy as np

from api.app import apply_change
from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    Node,
    NodeId,
    Place,
    PlaceLevel,
    Relationship,
    RelType,
    Skill,
)
from graph.store import Change
from matching import build_index_sync, suggest_partners
from matching.candidates import near_places
from matching.features import ring, ring_of
from matching.index import MatchIndex
from matching.instruments import _gemeente
from matching.pagerank import exact_pagerank, local_pagerank
from matching.suggest import Role, roles_of

R = RelType


def actor(i: str, kind: ActorKind, subtype: str = "") -> Actor:
    return Actor(id=NodeId(i), kind=kind, name=i, subtype=subtype, matchable=True)


def rel(t: RelType, a: str, b: str, **props: object) -> Relationship:
    return Relationship(t, NodeId(a), NodeId(b), props)


def expected_roles(index: MatchIndex, i: int) -> set[Role]:
    """The rules for team roles, worked out from the index's lists alone."""
    kind = index.node_kind(i).value
    out: set[Role] = set()
    if kind == "Resident":
        out.add(Role.RESIDENTS)
    elif kind in ("Freelancer", "Enterprise"):
        out.add(Role.ENTREPRENEUR)
    elif kind == "Professional":
        out.add(Role.PROFESSIONAL)
        if any(index.node_kind(e).value == "Municipality" for e in index.employers.get(i, ())):
            out.add(Role.MUNICIPAL)
    elif kind == "Municipality":
        out.add(Role.MUNICIPAL)
    if i in index.helpers or index.subtype.get(i) in ("fund", "housing_corporation"):
        out.add(Role.FUNDER_HOST)
    return out


def start() -> tuple[list[Node], list[Relationship]]:
    nodes: list[Node] = [
        actor("gm", ActorKind.MUNICIPALITY),
        actor("org", ActorKind.ORGANISATION),
        actor("pro", ActorKind.PROFESSIONAL),
        actor("res", ActorKind.RESIDENT),
        actor("zzp", ActorKind.FREELANCER),
        Initiative(id=NodeId("ini"), name="Buurtkamer"),
    ]
    rels = [rel(R.MEMBER_OF, "res", "ini"), rel(R.WORKS_FOR, "pro", "org")]
    return nodes, rels


def test_roles_follow_the_change_log() -> None:
    nodes, rels = start()
    index = build_index_sync(nodes, rels)
    changes = [
        # a professional starts working for the gemeente: now also a municipal contact
        Change(1, rels=[rel(R.WORKS_FOR, "pro", "gm")]),
        # a new fund arrives, and an organisation starts hosting the initiative
        Change(2, nodes=[actor("fund", ActorKind.ORGANISATION, subtype="fund")]),
        Change(3, rels=[rel(R.SUPPORTS, "org", "ini", how="space")]),
        # advice is no funding or hosting
        Change(4, nodes=[actor("adv", ActorKind.ENTERPRISE)]),
        Change(5, rels=[rel(R.SUPPORTS, "adv", "ini", how="advice")]),
        # a second professional joins and works for the gemeente in the same write
        Change(
            6,
            nodes=[actor("pro2", ActorKind.PROFESSIONAL)],
            rels=[rel(R.WORKS_FOR, "pro2", "gm"), rel(R.MEMBER_OF, "pro2", "ini")],
        ),
        # the organisation becomes a housing corporation (its node written again)
        Change(7, nodes=[actor("org", ActorKind.ORGANISATION, subtype="housing_corporation")]),
        Change(8, gone_nodes=[NodeId("zzp")]),
    ]
    all_nodes, all_rels = list(nodes), list(rels)
    for change in changes:
        apply_change(index, change)
        all_nodes += change.nodes
        all_rels += change.rels
        for i in range(len(index.ids)):
            assert roles_of(index, i) == expected_roles(index, i), index.ids[i]
    pro, pro2, org = (index.pos[x] for x in ("pro", "pro2", "org"))
    assert roles_of(index, pro) == {Role.PROFESSIONAL, Role.MUNICIPAL}
    assert roles_of(index, pro2) == {Role.PROFESSIONAL, Role.MUNICIPAL}
    assert Role.FUNDER_HOST in roles_of(index, org)
    assert roles_of(index, index.pos["adv"]) == {Role.ENTREPRENEUR}
    # the same graph built afresh keeps the same roles
    fresh = build_index_sync(
        list({n.id: n for n in all_nodes if n.id != "zzp"}.values()),
        [r for r in all_rels if "zzp" not in (r.source, r.target)],
    )
    for node_id, i in fresh.pos.items():
        assert fresh.role_bits[i] == index.role_bits[index.pos[node_id]], node_id


def test_roles_follow_a_deleted_employment() -> None:
    nodes, rels = start()
    index = build_index_sync(nodes, [*rels, rel(R.WORKS_FOR, "pro", "gm")])
    pro = index.pos["pro"]
    assert Role.MUNICIPAL in roles_of(index, pro)
    index.remove([rel(R.WORKS_FOR, "pro", "gm")])
    assert roles_of(index, pro) == {Role.PROFESSIONAL}


def test_a_body_stops_funding_or_hosting_with_its_last_such_tie() -> None:
    """Funding or hosting makes a body a funder or host while it lasts: a tie removed, a
    tie changed to advice, or the group deleted takes the role away once no such tie is
    left, and the roles then equal a fresh build of the same graph."""
    nodes, rels = start()
    nodes.append(Initiative(id=NodeId("ini2"), name="Repair cafe"))
    funds = [
        rel(R.SUPPORTS, "org", "ini", how="funding"),
        rel(R.SUPPORTS, "org", "ini2", how="space"),
    ]
    index = build_index_sync(nodes, [*rels, *funds])
    org = index.pos["org"]
    assert Role.FUNDER_HOST in roles_of(index, org)
    index.remove([funds[0]])  # still hosts the second initiative
    assert Role.FUNDER_HOST in roles_of(index, org)
    apply_change(index, Change(1, rels=[rel(R.SUPPORTS, "org", "ini2", how="advice")]))
    assert Role.FUNDER_HOST not in roles_of(index, org)
    fresh = build_index_sync(nodes, [*rels, rel(R.SUPPORTS, "org", "ini2", how="advice")])
    assert fresh.role_bits[fresh.pos["org"]] == index.role_bits[org]
    # hosting again, then the group goes: nothing is left to host
    apply_change(index, Change(2, rels=[rel(R.SUPPORTS, "org", "ini2", how="space")]))
    assert Role.FUNDER_HOST in roles_of(index, org)
    apply_change(index, Change(3, gone_nodes=[NodeId("ini2")]))
    assert Role.FUNDER_HOST not in roles_of(index, org)
    for i in range(len(index.ids)):
        assert roles_of(index, i) == expected_roles(index, i), index.ids[i]


def test_the_lacking_role_follows_writes() -> None:
    """A team that gains a professional no longer lacks one: the candidate's role
    feature and reason follow at once."""
    nodes, rels = start()
    nodes.append(actor("pro3", ActorKind.PROFESSIONAL))
    rels.append(rel(R.KNOWS, "pro3", "res"))
    index = build_index_sync(nodes, rels)
    [first, *_] = (s for s in suggest_partners(index, "ini", k=10) if s.actor == "pro3")
    assert Role.PROFESSIONAL in first.roles
    apply_change(index, Change(1, rels=[rel(R.MEMBER_OF, "pro", "ini")]))
    [again] = (s for s in suggest_partners(index, "ini", k=10) if s.actor == "pro3")
    assert Role.PROFESSIONAL not in again.roles
    assert "ROLE" not in {r.code for r in again.reasons}


def places() -> tuple[list[Node], list[Relationship]]:
    nodes: list[Node] = [
        Place(id=NodeId("GM"), name="Gemeente", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("SD"), name="Escamp", level=PlaceLevel.DISTRICT),
        Place(id=NodeId("W1"), name="Moerwijk", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("W2"), name="Morgenstond", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("B1"), name="Moerwijk-Oost", level=PlaceLevel.BUURT),
    ]
    rels = [
        rel(R.PART_OF, "SD", "GM"),
        rel(R.PART_OF, "W1", "SD"),
        rel(R.PART_OF, "W2", "SD"),
        rel(R.PART_OF, "B1", "W1"),
    ]
    return nodes, rels


def test_the_places_around_a_home_follow_writes() -> None:
    nodes, rels = places()
    index = build_index_sync(nodes, rels)
    w1 = index.pos["W1"]
    before = [index.ids[p] for p in near_places(index, w1)]
    assert before == ["W1", "B1", "W2"]  # own wijk and buurt, then the district
    new: list[Node] = [
        Place(id=NodeId("W3"), name="Bouwlust", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("B2"), name="Moerwijk-West", level=PlaceLevel.BUURT),
    ]
    more = [rel(R.PART_OF, "W3", "SD"), rel(R.PART_OF, "B2", "W1"), rel(R.ADJACENT_TO, "W1", "W3")]
    apply_change(index, Change(1, nodes=new, rels=more))
    after = [index.ids[p] for p in near_places(index, w1)]
    assert after == ["W1", "B1", "B2", "W3", "W2"]  # the adjacent wijk now comes before W2
    fresh = build_index_sync([*nodes, *new], [*rels, *more])
    assert [fresh.ids[p] for p in near_places(fresh, fresh.pos["W1"])] == after


def test_rings_and_gemeenten_remembered_per_place_follow_writes() -> None:
    nodes, rels = places()
    people: list[Node] = [actor("a", ActorKind.RESIDENT), actor("b", ActorKind.FREELANCER)]
    index = build_index_sync(
        [*nodes, *people], [*rels, rel(R.LIVES_IN, "a", "W1"), rel(R.LIVES_IN, "b", "W2")]
    )
    a, b, w1 = index.pos["a"], index.pos["b"], index.pos["W1"]
    assert ring_of(index, w1, a) == ring(index, w1, a) == "wijk"
    assert ring_of(index, w1, b) == "district"
    assert _gemeente(index, a) == _gemeente(index, b) == index.pos["GM"]
    gm2: list[Node] = [Place(id=NodeId("GM2"), name="Rijswijk", level=PlaceLevel.MUNICIPALITY)]
    moved = [rel(R.ADJACENT_TO, "W1", "W2"), rel(R.PART_OF, "SD", "GM2")]
    apply_change(index, Change(1, nodes=gm2, rels=moved))
    assert ring_of(index, w1, b) == ring(index, w1, b) == "adjacent"
    assert _gemeente(index, a) == index.pos["GM2"]


def test_a_new_neighbourhood_brings_its_skill_holders() -> None:
    """Suggestions read the remembered places: an actor in a wijk that became adjacent
    after the first suggestion is found by the next one."""
    nodes, rels = places()
    nodes += [
        Skill(id=NodeId("s"), name_nl="koken", name_en="cooking"),
        Initiative(id=NodeId("ini"), name="Buurtkeuken"),
        Place(id=NodeId("GM2"), name="Elders", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("W9"), name="Verweg", level=PlaceLevel.NEIGHBOURHOOD),
        actor("cook", ActorKind.FREELANCER),
    ]
    rels += [
        rel(R.LOCATED_IN, "ini", "W1"),
        rel(R.NEEDS, "ini", "s"),
        rel(R.PART_OF, "W9", "GM2"),
        rel(R.LIVES_IN, "cook", "W9"),
        rel(R.HAS_SKILL, "cook", "s"),
    ]
    index = build_index_sync(nodes, rels)
    # a holder far away is found only through the network-wide fallback, without a reason
    # of place; once W9 is adjacent to W1 the cook is found as a neighbour
    assert "PLACE" not in {r.code for s in suggest_partners(index, "ini") for r in s.reasons}
    apply_change(index, Change(1, rels=[rel(R.ADJACENT_TO, "W1", "W9")]))
    [cook] = suggest_partners(index, "ini")
    assert cook.actor == "cook"
    assert "PLACE" in {r.code for r in cook.reasons}


def test_the_walk_dedupes_like_numpy_as_the_graph_grows() -> None:
    people: list[Node] = [actor(f"p{i}", ActorKind.FREELANCER) for i in range(20)]
    index = build_index_sync(people, [rel(R.KNOWS, "p0", "p1")])
    g = index.social()
    rng = np.random.default_rng(1)
    for _ in range(50):
        nodes = rng.integers(0, len(index.ids), size=int(rng.integers(0, 60)))
        assert np.array_equal(g.unique(nodes), np.unique(nodes))
    # new nodes after the walk's work arrays were made: positions past their end
    index.apply([actor(f"q{i}", ActorKind.FREELANCER) for i in range(40)])
    g = index.social()
    nodes = np.array([59, 3, 59, 21, 3, 40], dtype=np.int64)
    assert np.array_equal(g.unique(nodes), np.unique(nodes))
    # and the walk itself still answers from the new nodes
    index.apply(rels=[rel(R.KNOWS, "q39", "p0"), rel(R.KNOWS, "q38", "q39")])
    seeds = [index.pos["q39"]]
    push = local_pagerank(index, seeds, eps=1e-7)
    exact = exact_pagerank(index, seeds)
    for u, value in exact.items():
        assert abs(push.get(u, 0.0) - value) <= 1e-7 * max(1, len(index.ties[u] or ())) + 1e-12
