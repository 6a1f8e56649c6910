"""suggestInvitees on a hand-built gemeente: a varied room, local and experienced first."""

from __future__ import annotations

from collections.abc import Callable

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
    Theme,
)
from matching import build_index_sync
from matching.index import MatchIndex
from matching.invitees import Seat, suggest_invitees

R = RelType
K = ActorKind


def graph(extra: Callable[[], tuple[list[Node], list[Relationship]]] | None = None) -> MatchIndex:
    """Gemeente GM with wijken W1 (the meeting's place) and W2; ELSE is another gemeente.

    Two residents lead green initiatives: lead-w1 in W1 (two of them), lead-w2 in W2;
    lead-hidden leads one too but is not matchable. One professional of a welfare body
    and one of the gemeente; a ZZP'er in W1 and one elsewhere; a fund that funded green
    initiatives and a housing corporation that did not; a bewonersbedrijf in a
    green initiative and one in a care initiative; a resident who only cares about green.
    """
    nodes: list[Node] = [
        Place(id=NodeId("GM"), name="Zaanstad", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("W1"), name="Poelenburg", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("W2"), name="Peldersveld", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("ELSE"), name="Zwolle", level=PlaceLevel.MUNICIPALITY),
        Theme(id=NodeId("green"), name_nl="Groen", name_en="Green"),
        Theme(id=NodeId("care"), name_nl="Zorg", name_en="Care"),
        *(Initiative(id=NodeId(i), name=i) for i in ("g1", "g2", "g3", "g4", "c1")),
    ]

    def actor(i: str, kind: ActorKind, subtype: str = "", matchable: bool = True) -> Actor:
        return Actor(id=NodeId(i), kind=kind, name=i, subtype=subtype, matchable=matchable)

    nodes += [
        actor("lead-w1", K.RESIDENT),
        actor("lead-w2", K.RESIDENT),
        actor("lead-hidden", K.RESIDENT, matchable=False),
        actor("fan", K.RESIDENT),
        actor("opbouwwerker", K.PROFESSIONAL),
        actor("ambtenaar", K.PROFESSIONAL),
        actor("zzp-w1", K.FREELANCER),
        actor("zzp-else", K.FREELANCER),
        actor("welzijn", K.ORGANISATION, "welfare_organisation"),
        actor("gemeente", K.MUNICIPALITY, "municipality", matchable=False),
        actor("fonds", K.ORGANISATION, "fund"),
        actor("corporatie", K.ORGANISATION, "housing_corporation"),
        actor("bb-groen", K.ENTERPRISE, "bewonersbedrijf"),
        actor("bb-zorg", K.ENTERPRISE, "bewonersbedrijf"),
    ]

    def rel(t: RelType, a: str, b: str, **props: object) -> Relationship:
        return Relationship(t, NodeId(a), NodeId(b), props)

    rels = [
        rel(R.PART_OF, "W1", "GM"),
        rel(R.PART_OF, "W2", "GM"),
        *(rel(R.ABOUT, g, "green") for g in ("g1", "g2", "g3", "g4")),
        rel(R.ABOUT, "c1", "care"),
        rel(R.LOCATED_IN, "g1", "W1"),
        rel(R.LOCATED_IN, "g2", "W1"),
        rel(R.LOCATED_IN, "g3", "W2"),
        rel(R.LOCATED_IN, "g4", "W2"),
        rel(R.LOCATED_IN, "c1", "W2"),
        rel(R.LIVES_IN, "lead-w1", "W1"),
        rel(R.MEMBER_OF, "lead-w1", "g1", role="initiator"),
        rel(R.MEMBER_OF, "lead-w1", "g2", role="board"),
        rel(R.LIVES_IN, "lead-w2", "W2"),
        rel(R.MEMBER_OF, "lead-w2", "g3", role="initiator"),
        rel(R.LIVES_IN, "lead-hidden", "W1"),
        rel(R.MEMBER_OF, "lead-hidden", "g2", role="initiator"),
        rel(R.LIVES_IN, "fan", "W1"),
        rel(R.INTERESTED_IN, "fan", "green"),
        rel(R.LIVES_IN, "opbouwwerker", "W1"),
        rel(R.WORKS_FOR, "opbouwwerker", "welzijn"),
        rel(R.LOCATED_IN, "welzijn", "W2"),
        rel(R.LIVES_IN, "ambtenaar", "W2"),
        rel(R.WORKS_FOR, "ambtenaar", "gemeente"),
        rel(R.LOCATED_IN, "gemeente", "GM"),
        rel(R.LIVES_IN, "zzp-w1", "W1"),
        rel(R.INTERESTED_IN, "zzp-w1", "green"),
        rel(R.LIVES_IN, "zzp-else", "ELSE"),
        rel(R.LOCATED_IN, "fonds", "GM"),
        rel(R.SUPPORTS, "fonds", "g1", how="funding"),
        rel(R.SUPPORTS, "fonds", "g3", how="funding"),
        rel(R.LOCATED_IN, "corporatie", "W2"),
        rel(R.LOCATED_IN, "bb-groen", "W2"),
        rel(R.MEMBER_OF, "bb-groen", "g4", role="member"),
        rel(R.LOCATED_IN, "bb-zorg", "W1"),
        rel(R.MEMBER_OF, "bb-zorg", "c1", role="member"),
    ]
    if extra is not None:
        more_nodes, more_rels = extra()
        nodes += more_nodes
        rels += more_rels
    return build_index_sync(nodes, rels)


def test_each_seat_is_filled_once_by_the_best_candidate() -> None:
    room = suggest_invitees(graph(), "green", "W1", size=6)
    seats = {x.seat: x.actor for x in room.invitees}
    assert len(room.invitees) == 6 and room.missing == ()
    assert seats == {
        Seat.RESIDENT_LEAD: "lead-w1",  # local, and leads two green initiatives
        Seat.PROFESSIONAL: "opbouwwerker",
        Seat.MUNICIPAL: "ambtenaar",  # a professional of the gemeente
        Seat.ENTREPRENEUR: "zzp-w1",  # local and cares about green; bb-zorg is only local
        Seat.FUNDER: "fonds",  # funded green initiatives: beats the corporation
        Seat.WIJKONDERNEMING: "bb-groen",  # has done it before, though not local
    }
    lead = next(x for x in room.invitees if x.actor == "lead-w1")
    assert [nl for nl, _ in lead.reasons] == [
        "als bewoner aan het roer van een initiatief",
        "woont of werkt in Poelenburg",
        "leidt 2 initiatieven over groen",
    ]


def test_a_bigger_room_fills_up_local_and_experienced_people_first() -> None:
    room = suggest_invitees(graph(), "green", "W1", size=12)
    ids = [x.actor for x in room.invitees]
    assert len(ids) == len(set(ids))
    assert ids.index("lead-w1") < ids.index("lead-w2")
    assert "zzp-else" not in ids  # another gemeente
    # everyone eligible in the gemeente is in; the rest local first, then experienced
    assert set(ids[6:]) == {"lead-w2", "bb-zorg", "corporatie"}
    assert ids[6] == "bb-zorg"  # local (W1)
    assert ids.index("lead-w2") < ids.index("corporatie")  # leads one; the corporation none


def test_never_a_person_who_is_not_matchable() -> None:
    index = graph()
    for size in (1, 6, 20):
        ids = {x.actor for x in suggest_invitees(index, "green", "GM", size=size).invitees}
        assert not ids & {"lead-hidden", "gemeente"}
        assert all(index.matchable[index.pos[i]] for i in ids)


def test_a_seat_nobody_can_fill_is_reported_missing() -> None:
    room = suggest_invitees(graph(), "care", "W2", size=6)
    assert Seat.RESIDENT_LEAD in room.missing  # nobody leads a care initiative


def test_bad_input_names_the_field() -> None:
    with pytest.raises(NotFound) as exc:
        suggest_invitees(graph(), "nope", "W1")
    assert exc.value.field == "theme"
    with pytest.raises(NotFound):
        suggest_invitees(graph(), "green", "W9")
    with pytest.raises(InvalidInput):
        suggest_invitees(graph(), "green", "W1", size=0)


def _actor(i: str, kind: ActorKind, subtype: str = "", matchable: bool = True) -> Actor:
    return Actor(id=NodeId(i), kind=kind, name=i, subtype=subtype, matchable=matchable)


def _rel(t: RelType, a: str, b: str, **props: object) -> Relationship:
    return Relationship(t, NodeId(a), NodeId(b), props)


def _officers() -> tuple[list[Node], list[Relationship]]:
    """A department of the gemeente with a local officer who has nothing to do with green
    and one in W2 who cares about green; a matchable gemeente body of its own; an
    officer of another gemeente who lives in W1."""
    nodes: list[Node] = [
        _actor("afdeling", K.MUNICIPALITY, "municipal_department"),
        _actor("gm-open", K.MUNICIPALITY, "municipality"),
        _actor("ambtenaar-w1", K.PROFESSIONAL),
        _actor("ambtenaar-groen", K.PROFESSIONAL),
        _actor("ambtenaar-zwolle", K.PROFESSIONAL),
        _actor("gemeente-zwolle", K.MUNICIPALITY, "municipality"),
    ]
    rels = [
        _rel(R.LOCATED_IN, "afdeling", "GM"),
        _rel(R.LOCATED_IN, "gm-open", "GM"),
        _rel(R.LIVES_IN, "ambtenaar-w1", "W1"),
        _rel(R.WORKS_FOR, "ambtenaar-w1", "afdeling"),
        _rel(R.LIVES_IN, "ambtenaar-groen", "W2"),
        _rel(R.WORKS_FOR, "ambtenaar-groen", "afdeling"),
        _rel(R.INTERESTED_IN, "ambtenaar-groen", "green"),
        _rel(R.LIVES_IN, "ambtenaar-zwolle", "W1"),
        _rel(R.WORKS_FOR, "ambtenaar-zwolle", "gemeente-zwolle"),
        _rel(R.LOCATED_IN, "gemeente-zwolle", "ELSE"),
    ]
    return nodes, rels


def test_the_gemeente_seat_is_an_officer_who_knows_the_theme() -> None:
    room = suggest_invitees(graph(_officers), "green", "W1", size=20)
    by_actor = {x.actor: x for x in room.invitees}
    officer = next(x for x in room.invitees if x.seat is Seat.MUNICIPAL)  # the first
    # cares about green (though in W2) beats the local officer and the old one (no theme)
    assert officer.actor == "ambtenaar-groen"
    assert ("werkt bij afdeling", "works for afdeling") in officer.reasons
    assert Seat.MUNICIPAL in by_actor["ambtenaar-w1"].seats  # works for the department
    # a gemeente body never takes the seat of a person, and is no funder without funding
    assert "gm-open" not in by_actor and "afdeling" not in by_actor
    # an officer of another gemeente is a professional here, not the gemeente contact
    assert by_actor["ambtenaar-zwolle"].seats == (Seat.PROFESSIONAL,)


def test_without_a_matchable_officer_the_gemeente_itself_takes_the_seat_and_says_so() -> None:
    def body_only() -> tuple[list[Node], list[Relationship]]:
        nodes: list[Node] = [
            _actor("gm-open", K.MUNICIPALITY, "municipality"),
            _actor("ambtenaar-stil", K.PROFESSIONAL, matchable=False),
        ]
        rels = [
            _rel(R.LOCATED_IN, "gm-open", "GM"),
            _rel(R.LIVES_IN, "ambtenaar-stil", "W1"),
            _rel(R.WORKS_FOR, "ambtenaar-stil", "gm-open"),
        ]
        return nodes, rels

    index = graph(body_only)
    # the matchable professional of the (unmatchable) gemeente of graph() is an officer
    room = suggest_invitees(index, "green", "W1", size=6)
    assert {x.actor for x in room.invitees if x.seat is Seat.MUNICIPAL} == {"ambtenaar"}
    # without them, nobody matchable works for the gemeente: the body, with the reason
    index.remove_actor("ambtenaar")
    room = suggest_invitees(index, "green", "W1", size=6)
    (seat,) = [x for x in room.invitees if x.seat is Seat.MUNICIPAL]
    assert seat.actor == "gm-open"
    assert any("no gemeente officer" in en for _, en in seat.reasons)
    assert "ambtenaar-stil" not in {x.actor for x in room.invitees}


def _funders() -> tuple[list[Node], list[Relationship]]:
    """A demo department of the gemeente that funds two green initiatives, a national
    fund based in another gemeente, and one there that did not agree to be suggested."""
    nodes: list[Node] = [
        _actor("afdeling", K.MUNICIPALITY, "municipal_department"),
        _actor("landelijk-fonds", K.ORGANISATION, "fund"),
        _actor("stil-fonds", K.ORGANISATION, "foundation", matchable=False),
        _actor("loterij", K.ORGANISATION, "charity_lottery"),
    ]
    rels = [
        _rel(R.LOCATED_IN, "afdeling", "GM"),
        _rel(R.SUPPORTS, "afdeling", "g1", how="funding"),
        _rel(R.SUPPORTS, "afdeling", "g2", how="funding"),
        _rel(R.LOCATED_IN, "landelijk-fonds", "ELSE"),
        _rel(R.INTERESTED_IN, "landelijk-fonds", "green"),
        _rel(R.LOCATED_IN, "stil-fonds", "W1"),
    ]
    return nodes, rels


def test_the_funder_seat_is_a_funding_body_not_a_gemeente_department() -> None:
    index = graph(_funders)
    room = suggest_invitees(index, "green", "W1", size=20)
    by_actor = {x.actor: x for x in room.invitees}
    funders = [x.actor for x in room.invitees if x.seat is Seat.FUNDER]
    assert funders[0] == "fonds"  # local and funded green initiatives
    # funds work nationally: the one elsewhere is in the room, and says where it is
    assert Seat.FUNDER in by_actor["landelijk-fonds"].seats
    assert ("werkt vanuit Zwolle", "based in Zwolle") in by_actor["landelijk-fonds"].reasons
    assert Seat.FUNDER in by_actor["loterij"].seats
    assert by_actor["loterij"].reasons[1] == ("werkt landelijk", "works nationally")
    assert "stil-fonds" not in by_actor  # not matchable
    # the department that funds comes only when everyone else is in the room
    assert [x.actor for x in room.invitees][-1] == "afdeling"
    assert set(funders[:4]) == {"fonds", "landelijk-fonds", "loterij", "corporatie"}
    # without any funding body, the department that really funds green is the funder
    for body in ("fonds", "landelijk-fonds", "loterij", "corporatie"):
        index.remove_actor(body)
    room = suggest_invitees(index, "green", "W1", size=6)
    (funder,) = [x for x in room.invitees if x.seat is Seat.FUNDER]
    assert funder.actor == "afdeling"  # it funds two green initiatives


def test_a_gemeente_department_that_funds_nothing_on_the_theme_is_no_funder() -> None:
    index = graph(_funders)
    for body in ("fonds", "landelijk-fonds", "loterij", "corporatie"):
        index.remove_actor(body)
    room = suggest_invitees(index, "care", "W2", size=20)
    assert Seat.FUNDER in room.missing
    assert all(Seat.FUNDER not in x.seats for x in room.invitees)
