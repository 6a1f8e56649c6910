"""A tiny hand-made city that every contract test can reason about.

GM1 (municipality)
└── SD1 (district)
    ├── WK1 (neighbourhood) ── BU1 (buurt)
    └── WK2 (neighbourhood)          WK1 ADJACENT_TO WK2

ann (resident, private, BU1)   bob (freelancer, WK1)   cas (professional, WK2)
dora (resident, public, WK2)   ent (enterprise, GM1)   gem (municipality, GM1)
ini1 "Zon op Wijk Een" (WK1, energy, needs solar)   ini2 "Buurttuin" (WK2, green)

ann KNOWS bob; bob KNOWS cas; cas KNOWS dora
ann MEMBER_OF ini1 (initiator); bob MEMBER_OF ini1; dora MEMBER_OF ini2
cas WORKS_FOR gem; gem SUPPORTS ini2 (contract); ent PARTNERS_WITH ini1
"""

from __future__ import annotations

from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStage,
    Instrument,
    LegalForm,
    Node,
    NodeId,
    Place,
    PlaceLevel,
    Relationship,
    RelType,
    RevenueModel,
    Skill,
    Theme,
    Visibility,
)

R = RelType


def _id(s: str) -> NodeId:
    return NodeId(s)


def nodes() -> list[Node]:
    return [
        Place(
            id=_id("GM1"),
            name="Gemeente Een",
            level=PlaceLevel.MUNICIPALITY,
            cbs_code="GM1",
            verified=True,
            source="test",
        ),
        Place(id=_id("SD1"), name="Stadsdeel Een", level=PlaceLevel.DISTRICT),
        Place(id=_id("WK1"), name="Wijk Een", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=_id("WK2"), name="Wijk Twee", level=PlaceLevel.NEIGHBOURHOOD),
        Place(id=_id("BU1"), name="Buurt Een", level=PlaceLevel.BUURT),
        Skill(
            id=_id("solar"),
            name_nl="Zonnepanelen installeren",
            name_en="Solar installation",
            category="technical",
        ),
        Skill(id=_id("grants"), name_nl="Subsidieaanvragen", name_en="Grant writing"),
        Skill(id=_id("garden"), name_nl="Tuinieren", name_en="Gardening"),
        Theme(id=_id("energy"), name_nl="Energie", name_en="Energy"),
        Theme(id=_id("green"), name_nl="Groen", name_en="Green"),
        Instrument(
            id=_id("rtc"),
            name_nl="Right to Challenge",
            name_en="Right to Challenge",
            description_nl="Bewoners nemen een taak over",
            source="test",
        ),
        Actor(
            id=_id("ann"),
            kind=ActorKind.RESIDENT,
            name="Ann de Vries",
            description="Wil zonnepanelen op het dak",
        ),
        Actor(
            id=_id("bob"),
            kind=ActorKind.FREELANCER,
            name="Bob Bakker",
            profession="installateur",
            email="bob@example.org",
        ),
        Actor(
            id=_id("cas"), kind=ActorKind.PROFESSIONAL, name="Cas Jansen", profession="opbouwwerker"
        ),
        Actor(
            id=_id("dora"),
            kind=ActorKind.RESIDENT,
            name="Dora Smit",
            visibility=Visibility.PUBLIC,
            matchable=True,
            description="Tuinierster",
        ),
        Actor(
            id=_id("ent"),
            kind=ActorKind.ENTERPRISE,
            name="Bewonersbedrijf Een",
            subtype="bewonersbedrijf",
            legal_form=LegalForm.STICHTING,
            revenue_models=(RevenueModel.ROOM_RENTAL, RevenueModel.SUBSIDIES),
        ),
        Actor(
            id=_id("gem"), kind=ActorKind.MUNICIPALITY, name="Gemeente Een", subtype="municipality"
        ),
        Initiative(
            id=_id("ini1"),
            name="Zon op Wijk Een",
            stage=InitiativeStage.STARTING,
            started="2024",
            description="Zonnepanelen op alle daken",
        ),
        Initiative(id=_id("ini2"), name="Buurttuin", stage=InitiativeStage.RUNNING),
    ]


def rels() -> list[Relationship]:
    def r(t: RelType, a: str, b: str, **props: object) -> Relationship:
        return Relationship(t, _id(a), _id(b), props)

    return [
        r(R.PART_OF, "SD1", "GM1"),
        r(R.PART_OF, "WK1", "SD1"),
        r(R.PART_OF, "WK2", "SD1"),
        r(R.PART_OF, "BU1", "WK1"),
        r(R.ADJACENT_TO, "WK2", "WK1"),
        r(R.LIVES_IN, "ann", "BU1"),
        r(R.LIVES_IN, "bob", "WK1"),
        r(R.LIVES_IN, "cas", "WK2"),
        r(R.LIVES_IN, "dora", "WK2"),
        r(R.LOCATED_IN, "ent", "GM1"),
        r(R.LOCATED_IN, "gem", "GM1"),
        r(R.LOCATED_IN, "ini1", "WK1"),
        r(R.LOCATED_IN, "ini2", "WK2"),
        r(R.HAS_SKILL, "bob", "solar"),
        r(R.HAS_SKILL, "dora", "garden"),
        r(R.OFFERS, "ent", "grants"),
        r(R.INTERESTED_IN, "ann", "energy"),
        r(R.INTERESTED_IN, "dora", "green"),
        r(R.KNOWS, "ann", "bob", since="2020"),
        r(R.KNOWS, "cas", "bob"),
        r(R.KNOWS, "dora", "cas", weight=0.5),
        r(R.MEMBER_OF, "ann", "ini1", role="initiator", since="2024-03-01"),
        r(R.MEMBER_OF, "bob", "ini1", role="member"),
        r(R.MEMBER_OF, "dora", "ini2", role="coordinator"),
        r(R.WORKS_FOR, "cas", "gem"),
        r(R.SUPPORTS, "gem", "ini2", how="contract"),
        r(R.PARTNERS_WITH, "ent", "ini1"),
        r(R.NEEDS, "ini1", "solar", urgency="high"),
        r(R.NEEDS, "ini1", "grants", urgency="low"),
        r(R.NEEDS, "ini2", "garden", urgency="medium"),
        r(R.ABOUT, "ini1", "energy"),
        r(R.ABOUT, "ini2", "green"),
        r(R.USES, "ini2", "rtc"),
    ]
