"""Each matching signal on a tiny hand-checked graph, then the rules that always hold."""

from __future__ import annotations

import pytest

from graph.errors import InvalidInput, NotFound
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
    Theme,
    Visibility,
)
from matching import Draft, build_index_sync, suggest_coalition, suggest_partners
from matching.index import MatchIndex
from matching.suggest import WEIGHTS, ScoreParts

R = RelType


def person(i: str, kind: ActorKind = ActorKind.FREELANCER, **kw: object) -> Actor:
    return Actor(id=NodeId(i), kind=kind, name=kw.pop("name", i.title()), **kw)  # type: ignore[arg-type]


def rel(t: RelType, a: str, b: str, **props: object) -> Relationship:
    return Relationship(t, NodeId(a), NodeId(b), props)


def city() -> tuple[list[Node], list[Relationship]]:
    """GM > SD > (W1 > B1, B2), W2 adjacent to W1, W3 in another district SD2."""
    nodes: list[Node] = [
        Place(id=NodeId("GM"), name="Gemeente", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("SD"), name="Escamp", level=PlaceLevel.DISTRICT),
        Place(id=NodeId("SD2"), name="Laak", level=PlaceLevel.DISTRICT),
        Place(id=NodeId("W1"), name="Moerwijk", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("W2"), name="Morgenstond", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("W4"), name="Bouwlust", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("W3"), name="Laakkwartier", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("B1"), name="Moerwijk-Oost", level=PlaceLevel.BUURT),
        Place(id=NodeId("B2"), name="Moerwijk-West", level=PlaceLevel.BUURT),
        Skill(id=NodeId("grants"), name_nl="subsidieaanvragen", name_en="grant writing"),
        Skill(id=NodeId("solar"), name_nl="zonnepanelen", name_en="solar panels"),
        Skill(id=NodeId("cook"), name_nl="koken", name_en="cooking"),
        Theme(id=NodeId("energy"), name_nl="Energie", name_en="Energy"),
        Initiative(id=NodeId("ini"), name="Zon op Moerwijk"),
        person("fatima", ActorKind.RESIDENT, visibility=Visibility.PUBLIC, matchable=True),
    ]
    rels = [
        rel(R.PART_OF, "SD", "GM"),
        rel(R.PART_OF, "SD2", "GM"),
        rel(R.PART_OF, "W1", "SD"),
        rel(R.PART_OF, "W2", "SD"),
        rel(R.PART_OF, "W4", "SD"),
        rel(R.PART_OF, "W3", "SD2"),
        rel(R.PART_OF, "B1", "W1"),
        rel(R.PART_OF, "B2", "W1"),
        rel(R.ADJACENT_TO, "W1", "W2"),
        rel(R.LOCATED_IN, "ini", "B1"),
        rel(R.ABOUT, "ini", "energy"),
        rel(R.NEEDS, "ini", "grants", urgency="high"),
        rel(R.NEEDS, "ini", "solar"),
        rel(R.MEMBER_OF, "fatima", "ini", role="initiator"),
        rel(R.LIVES_IN, "fatima", "B1"),
    ]
    return nodes, rels


def index_with(extra_nodes: list[Node], extra_rels: list[Relationship]) -> MatchIndex:
    nodes, rels = city()
    return build_index_sync([*nodes, *extra_nodes], [*rels, *extra_rels])


def ranking(index: MatchIndex, target: str | Draft = "ini", **kw: object) -> list[str]:
    return [s.actor for s in suggest_partners(index, target, **kw)]  # type: ignore[arg-type]


def test_complementary_skill_wins_and_rarer_skill_counts_more() -> None:
    # everyone in W3 (same municipality, nothing else in common); many offer solar, one grants
    solar = [person(f"s{i}") for i in range(5)]
    idx = index_with(
        [*solar, person("grant")],
        [rel(R.LIVES_IN, a.id, "W3") for a in [*solar, person("grant")]]
        + [rel(R.HAS_SKILL, a.id, "solar") for a in solar]
        + [rel(R.HAS_SKILL, "grant", "grants")],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "grant"
    assert best.reasons[0].code == "SKILL"
    assert best.reasons[0].text("nl") == "biedt 'subsidieaanvragen', wat dit initiatief zoekt"
    assert best.reasons[0].text("en") == "offers 'grant writing', which this initiative needs"
    assert best.covers == ("grants",)


def test_proximity_same_buurt_beats_wijk_beats_adjacent_beats_district() -> None:
    homes = {
        "a_buurt": "B1",
        "b_wijk": "B2",
        "c_adjacent": "W2",
        "d_district": "W4",
        "e_city": "W3",
    }
    people = [
        person(p, ActorKind.RESIDENT, matchable=True, visibility=Visibility.PUBLIC) for p in homes
    ]
    idx = index_with(
        people,
        [rel(R.LIVES_IN, p, h) for p, h in homes.items()]
        + [rel(R.HAS_SKILL, p, "solar") for p in homes],
    )
    found = suggest_partners(idx, "ini")
    assert [s.actor for s in found] == ["a_buurt", "b_wijk", "c_adjacent", "d_district", "e_city"]
    texts = {s.actor: next(r.text("nl") for r in s.reasons if r.code == "PLACE") for s in found}
    assert texts["a_buurt"] == "woont in Moerwijk-Oost, dezelfde buurt"
    assert texts["b_wijk"] == "woont in Moerwijk, dezelfde wijk"
    assert texts["c_adjacent"] == "woont in Morgenstond, naast Moerwijk"
    assert texts["d_district"] == "woont in Escamp, hetzelfde stadsdeel"


def test_zzpers_work_across_the_gemeente() -> None:
    """A ZZP'er elsewhere in the gemeente counts as nearer than a resident there."""
    idx = index_with(
        [person("zzp_city"), person("res_city", ActorKind.RESIDENT, matchable=True)],
        [
            rel(R.LIVES_IN, "zzp_city", "W3"),
            rel(R.LIVES_IN, "res_city", "W3"),
            rel(R.HAS_SKILL, "zzp_city", "solar"),
            rel(R.HAS_SKILL, "res_city", "solar"),
        ],
    )
    found = {s.actor: s.parts.proximity for s in suggest_partners(idx, "ini")}
    assert found["zzp_city"] > found["res_city"] > 0


def test_warm_path_through_a_member() -> None:
    idx = index_with(
        [person("warm"), person("cold")],
        [
            rel(R.LIVES_IN, "warm", "W3"),
            rel(R.LIVES_IN, "cold", "W3"),
            rel(R.HAS_SKILL, "warm", "cook"),
            rel(R.HAS_SKILL, "cold", "cook"),
            rel(R.KNOWS, "warm", "fatima"),
        ],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "warm"
    assert best.path == ("warm", "fatima", "ini")
    assert any(r.text("nl") == "kent Fatima, die lid is" for r in best.reasons)
    assert best.parts.warmth > 0.5


def test_private_member_is_not_named_in_reasons() -> None:
    idx = index_with(
        [person("ann", ActorKind.RESIDENT), person("warm")],
        [
            rel(R.MEMBER_OF, "ann", "ini"),
            rel(R.KNOWS, "warm", "ann"),
            rel(R.LIVES_IN, "warm", "W3"),
        ],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "warm"
    texts = [r.text("nl") for r in best.reasons]
    # a tie to a private person is that person's fact: no reason and no path tell it
    assert not any(r.code == "KNOWS_MEMBER" for r in best.reasons)
    assert not any("Ann" in t for t in texts)
    assert best.path == ()


def test_co_membership_elsewhere_is_a_warm_path() -> None:
    idx = index_with(
        [Initiative(id=NodeId("other"), name="Buurttuin"), person("mate"), person("stranger")],
        [
            rel(R.MEMBER_OF, "fatima", "other"),
            rel(R.MEMBER_OF, "mate", "other"),
            rel(R.LIVES_IN, "mate", "W3"),
            rel(R.LIVES_IN, "stranger", "W3"),
            rel(R.HAS_SKILL, "stranger", "cook"),
            rel(R.HAS_SKILL, "mate", "cook"),
        ],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "mate"
    assert best.path == ("mate", "other", "fatima", "ini")
    assert best.reasons[0].text("nl") == "zit met Fatima in Buurttuin"
    assert best.parts.network == 1.0  # the shared team, relative to the best candidate's


def test_every_score_part_is_in_the_graphql_schema() -> None:
    import dataclasses

    from api.matching import ScoreParts as GraphQLParts

    parts = {f.name for f in dataclasses.fields(ScoreParts)}
    assert parts == set(GraphQLParts.__annotations__) == set(WEIGHTS)


def test_experience_with_the_theme() -> None:
    idx = index_with(
        [person("fan"), person("plain")],
        [
            rel(R.LIVES_IN, "fan", "W3"),
            rel(R.LIVES_IN, "plain", "W3"),
            rel(R.HAS_SKILL, "fan", "solar"),
            rel(R.HAS_SKILL, "plain", "solar"),
            rel(R.INTERESTED_IN, "fan", "energy"),
        ],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "fan"
    assert any(r.code == "THEME" and r.text("en") == "cares about energy" for r in best.reasons)


def test_the_kind_the_team_lacks() -> None:
    idx = index_with(
        [
            person("pro", ActorKind.PROFESSIONAL),
            person("res", ActorKind.RESIDENT, matchable=True, visibility=Visibility.PUBLIC),
        ],
        [
            rel(R.LIVES_IN, "pro", "W3"),
            rel(R.LIVES_IN, "res", "W3"),
            rel(R.HAS_SKILL, "pro", "cook"),
            rel(R.HAS_SKILL, "res", "cook"),
            rel(R.INTERESTED_IN, "pro", "energy"),
            rel(R.INTERESTED_IN, "res", "energy"),
        ],
    )
    best = suggest_partners(idx, "ini")[0]
    assert best.actor == "pro"  # the team has a resident already, not yet a professional
    assert any(r.code == "ROLE" for r in best.reasons)


def test_only_matchable_non_members_are_suggested() -> None:
    idx = index_with(
        [person("shy", ActorKind.RESIDENT), person("optout", matchable=False), person("ok")],
        [rel(R.LIVES_IN, a, "B1") for a in ("shy", "optout", "ok")]
        + [rel(R.HAS_SKILL, a, "grants") for a in ("shy", "optout", "ok", "fatima")],
    )
    assert ranking(idx) == ["ok"]


def test_kinds_filter_and_k() -> None:
    people = [person(f"z{i}") for i in range(4)] + [person("p", ActorKind.PROFESSIONAL)]
    idx = index_with(
        people,
        [rel(R.LIVES_IN, a.id, "W1") for a in people]
        + [rel(R.HAS_SKILL, a.id, "solar") for a in people],
    )
    assert ranking(idx, kinds=[ActorKind.PROFESSIONAL]) == ["p"]
    assert len(ranking(idx, k=2)) == 2


def test_a_draft_initiative() -> None:
    idx = index_with(
        [person("near"), person("far")],
        [
            rel(R.LIVES_IN, "near", "W2"),
            rel(R.LIVES_IN, "far", "W3"),
            rel(R.HAS_SKILL, "near", "solar"),
            rel(R.HAS_SKILL, "far", "solar"),
        ],
    )
    draft = Draft(themes=("energy",), place="W2", needs=("solar",))
    # fatima, in another initiative about energy, comes after both skill holders
    assert ranking(idx, draft) == ["near", "far", "fatima"]
    with_founder = Draft(needs=("solar",), founders=("near",))
    assert ranking(idx, with_founder) == ["far"]


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ("nope", "initiative"),
        ("fatima", "initiative"),
        (Draft(), "draft"),
        (Draft(themes=("solar",)), "draft.themes"),
        (Draft(needs=("energy",)), "draft.needs"),
        (Draft(place="nowhere"), "draft.place"),
        (Draft(founders=("ghost",)), "draft.founders"),
    ],
)
def test_bad_targets_name_the_field(target: str | Draft, field: str) -> None:
    idx = index_with([], [])
    with pytest.raises((NotFound, InvalidInput)) as err:
        suggest_partners(idx, target)
    assert err.value.field == field


def test_k_and_size_are_bounded() -> None:
    idx = index_with([], [])
    with pytest.raises(InvalidInput):
        suggest_partners(idx, "ini", k=0)
    with pytest.raises(InvalidInput) as err:
        suggest_coalition(idx, "ini", size=0)
    assert err.value.field == "size"


def test_coalition_covers_needs_and_roles_and_names_what_is_missing() -> None:
    idx = index_with(
        [person("zon"), person("subsidie", ActorKind.PROFESSIONAL), person("dubbel")],
        [rel(R.LIVES_IN, a, "W1") for a in ("zon", "subsidie", "dubbel")]
        + [
            rel(R.HAS_SKILL, "zon", "solar"),
            rel(R.HAS_SKILL, "subsidie", "grants"),
            rel(R.HAS_SKILL, "dubbel", "solar"),
        ],
    )
    team = suggest_coalition(idx, "ini", size=5)
    members = [m.actor for m in team.members]
    assert set(members) >= {"subsidie"} and len(set(members) & {"zon", "dubbel"}) == 1
    covered = {(r.kind, r.id) for r in team.covered}
    assert {
        ("skill", "grants"),
        ("skill", "solar"),
        ("role", "professional"),
        ("role", "entrepreneur"),
    } <= covered
    assert {r.id for r in team.missing} == {"municipal", "funder_host"}
    assert 0 < team.score < 1
    covers = {m.actor: {r.id for r in m.covers} for m in team.members}
    assert covers["subsidie"] == {"grants", "professional"}


def test_without_a_place_skill_holders_come_from_the_whole_network() -> None:
    nodes: list[Node] = [
        Skill(id=NodeId("s"), name_nl="koken", name_en="cooking"),
        Initiative(id=NodeId("ini"), name="Nowhere"),
        *(person(f"h{i}", matchable=True) for i in range(3)),
        person("nobody", matchable=True),
    ]
    rels = [rel(R.NEEDS, "ini", "s"), *(rel(R.HAS_SKILL, f"h{i}", "s") for i in range(3))]
    found = ranking(build_index_sync(nodes, rels), "ini", k=3)
    assert found == ["h0", "h1", "h2"]  # arrival order breaks the tie


def test_never_an_empty_list_while_someone_is_eligible() -> None:
    nodes: list[Node] = [
        Initiative(id=NodeId("ini"), name="Alone"),
        person("x", matchable=False),
        person("y", matchable=True),
    ]
    index = build_index_sync(nodes, [])
    assert ranking(index, "ini") == ["y"]
    assert ranking(build_index_sync(nodes[:2], []), "ini") == []  # no one is matchable
