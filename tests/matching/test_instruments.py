"""Instruments in suggestions, on a hand-built graph."""

from __future__ import annotations

from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    Instrument,
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
from matching.instruments import instrument_reason, used_nearby
from matching.suggest import suggest_partners

R = RelType


def graph() -> MatchIndex:
    def rel(t: RelType, a: str, b: str) -> Relationship:
        return Relationship(t, NodeId(a), NodeId(b))

    nodes: list[Node] = [
        Place(id=NodeId("GM0479"), name="Zaanstad", level=PlaceLevel.MUNICIPALITY),
        Place(id=NodeId("WK1"), name="Poelenburg", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=NodeId("GM0193"), name="Zwolle", level=PlaceLevel.MUNICIPALITY),
        Theme(id=NodeId("green"), name_nl="Groen", name_en="Green"),
        Theme(id=NodeId("care"), name_nl="Zorg", name_en="Care"),
        Instrument(id=NodeId("rtc"), name_nl="Right to Challenge", name_en="Right to Challenge"),
        Instrument(id=NodeId("wb"), name_nl="Wijkbudget", name_en="Neighbourhood budget"),
        Instrument(id=NodeId("sub"), name_nl="Subsidie", name_en="Grant"),
        Initiative(id=NodeId("mine"), name="Buurttuin Poelenburg"),
        Initiative(id=NodeId("done"), name="Groen Zaandam"),
        Initiative(id=NodeId("far"), name="Groen Zwolle"),
        Initiative(id=NodeId("carezaan"), name="Zorg Zaandam"),
        Actor(id=NodeId("fatima"), kind=ActorKind.FREELANCER, name="Fatima"),
        Actor(id=NodeId("joost"), kind=ActorKind.FREELANCER, name="Joost"),
    ]
    rels = [
        rel(R.PART_OF, "WK1", "GM0479"),
        rel(R.LOCATED_IN, "mine", "WK1"),
        rel(R.LOCATED_IN, "done", "GM0479"),
        rel(R.LOCATED_IN, "carezaan", "GM0479"),
        rel(R.LOCATED_IN, "far", "GM0193"),
        rel(R.LIVES_IN, "fatima", "WK1"),
        rel(R.LIVES_IN, "joost", "WK1"),
        *(rel(R.ABOUT, i, "green") for i in ("mine", "done", "far")),
        rel(R.ABOUT, "carezaan", "care"),
        rel(R.USES, "mine", "sub"),
        rel(R.USES, "done", "rtc"),
        rel(R.USES, "done", "sub"),  # mine uses it already: no news
        rel(R.USES, "far", "wb"),
        rel(R.USES, "carezaan", "wb"),  # not like mine: another theme
        rel(R.MEMBER_OF, "fatima", "far"),
        rel(R.MEMBER_OF, "fatima", "done"),
        rel(R.MEMBER_OF, "joost", "carezaan"),
        rel(R.INTERESTED_IN, "fatima", "green"),
        rel(R.INTERESTED_IN, "joost", "green"),
    ]
    return build_index_sync(nodes, rels)


def test_initiatives_like_yours_nearby_first() -> None:
    index = graph()
    hints = used_nearby(index, index.pos["mine"])
    assert [(h.instrument, h.count, h.place) for h in hints] == [
        ("rtc", 1, "GM0479"),
        ("wb", 1, ""),
    ]
    assert hints[0].text("en") == "1 initiative like yours in Zaanstad used Right to Challenge"
    assert hints[1].text("nl") == "1 initiatief zoals dit elders gebruikte Wijkbudget"


def test_a_partner_who_was_in_such_an_initiative_gets_the_reason() -> None:
    index = graph()
    hint = instrument_reason(index, index.pos["mine"], index.pos["fatima"])
    assert hint is not None and hint.instrument == "rtc"  # the one in Zaanstad, not Zwolle's
    assert hint.text("en") == (
        "was in Groen Zaandam in Zaanstad, an initiative like yours that used Right to Challenge"
    )
    # Joost was only in an initiative on another theme
    assert instrument_reason(index, index.pos["mine"], index.pos["joost"]) is None


def test_suggestions_carry_the_instrument_reason() -> None:
    index = graph()
    found = {s.actor: s for s in suggest_partners(index, "mine", k=5)}
    assert "INSTRUMENT" in {r.code for r in found["fatima"].reasons}
    assert "INSTRUMENT" not in {r.code for r in found["joost"].reasons}
