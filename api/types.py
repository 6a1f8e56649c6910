"""GraphQL types. Each wraps a domain node and converts from it; graph/ never sees these."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from api import policy
from api.context import Context
from api.relay import Connection, connection
from graph import model as m
from graph.store import Direction, NodeFilter

if TYPE_CHECKING:
    from api.examples import SimilarExample

ActorKind = strawberry.enum(m.ActorKind, description="The six kinds of actor.")
Visibility = strawberry.enum(m.Visibility, description="Who may see an actor in full.")
PlaceLevel = strawberry.enum(m.PlaceLevel)
LegalForm = strawberry.enum(m.LegalForm, description="Rechtsvorm.")
RevenueModel = strawberry.enum(m.RevenueModel, description="Verdienmodel.")
InitiativeStage = strawberry.enum(m.InitiativeStage)
MemberRole = strawberry.enum(m.MemberRole)
SupportHow = strawberry.enum(m.SupportHow)
Urgency = strawberry.enum(m.Urgency)
RelationshipType = strawberry.enum(m.RelType, name="RelationshipType")
SourceKind = strawberry.enum(
    m.Provenance,
    name="SourceKind",
    description="REFERENCE: curated public data; IMPORT: an imported file; USER: made through "
    "the API; DEMO: invented by the demo generator (never a real person or body).",
)

Ctx = Info[Context, None]
R = m.RelType
DEFAULT_PAGE = 20


def actor_kinds(kind: list[m.ActorKind] | None) -> frozenset[m.NodeKind]:
    """The node kinds for an optional list of actor kinds (all of them when empty)."""
    return frozenset(m.NodeKind(k.value) for k in (kind or list(m.ActorKind)))


@strawberry.enum(description="Language of labels: Dutch (default) or English.")
class Lang(Enum):
    NL = "nl"
    EN = "en"


def _lang(info: Ctx, lang: Lang | None) -> str:
    return str(lang.value) if lang is not None else info.context.lang


@strawberry.type(description="Where a node or relationship comes from.")
class Source:
    kind: m.Provenance
    detail: str | None = strawberry.field(
        description="The source it cites (reference), the file (import), the account (user)."
    )
    demo: bool = strawberry.field(description="True for made-up demo data.")

    @staticmethod
    def of(provenance: m.Provenance, detail: str) -> Source:
        return Source(kind=provenance, detail=detail or None, demo=provenance is m.Provenance.DEMO)

    @staticmethod
    def of_node(node: m.Node) -> Source:
        return Source.of(node.provenance, node.source)

    @staticmethod
    def of_rel(rel: m.Relationship, start: m.Node | None, end: m.Node | None) -> Source:
        return Source.of(*m.rel_provenance(rel, start, end))


@strawberry.interface(description="Anything with a global id.")
class Node:
    id: strawberry.ID


@strawberry.interface(
    description="A resident, ZZP'er, professional, enterprise, organisation or gemeente. "
    "Actors that are not public appear as '<kind> in <wijk>' with `redacted: true`."
)
class Actor(Node):
    _node: strawberry.Private[m.Actor]
    kind: m.ActorKind
    redacted: bool
    visibility: m.Visibility
    matchable: bool

    def _show(self) -> bool:
        return not self.redacted

    @strawberry.field(description="Where this actor comes from (the detail only when shown).")
    def source(self) -> Source:
        node = self._node
        return Source.of(node.provenance, node.source if self._show() else "")

    @strawberry.field(description="Name, or '<kind> in <wijk>' when redacted.")
    async def name(self, info: Ctx) -> str:
        if self._show():
            return self._node.name
        place = await _home(info, self._node.id, coarse=True)
        return policy.redacted_name(self._node, place.name if place else None, info.context.lang)

    @strawberry.field
    def description(self) -> str | None:
        return self._node.description if self._show() else None

    @strawberry.field
    def email(self) -> str | None:
        return (self._node.email or None) if self._show() else None

    @strawberry.field
    def website(self) -> str | None:
        return (self._node.website or None) if self._show() else None

    @strawberry.field(description="Where the actor lives or is located (wijk only when redacted).")
    async def place(self, info: Ctx) -> Place | None:
        node = await _home(info, self._node.id, coarse=self.redacted)
        return Place.of(node) if node else None

    @strawberry.field(description="Skills (HAS_SKILL).")
    async def skills(self, info: Ctx) -> list[Skill]:
        return [] if self.redacted else await _targets(info, self._node.id, R.HAS_SKILL, Skill)

    @strawberry.field(description="Skills or resources on offer (OFFERS).")
    async def offers(self, info: Ctx) -> list[Skill]:
        return [] if self.redacted else await _targets(info, self._node.id, R.OFFERS, Skill)

    @strawberry.field(description="Themes of interest (INTERESTED_IN).")
    async def interests(self, info: Ctx) -> list[Theme]:
        return [] if self.redacted else await _targets(info, self._node.id, R.INTERESTED_IN, Theme)

    @strawberry.field(description="Initiatives and enterprises this actor is a member of.")
    async def memberships(self, info: Ctx) -> list[Membership]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.MEMBER_OF])
        return [
            Membership(
                group=_group(n.node, info),
                role=_role(n.rel),
                since=n.rel.props.get("since"),
                source=Source.of_rel(n.rel, self._node, n.node),
            )
            for n in found
        ]

    @strawberry.field(description="People and bodies this actor knows (KNOWS, both ways).")
    async def knows(self, info: Ctx) -> list[Actor]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.KNOWS])
        return [wrap(n.node, info) for n in found]  # type: ignore[misc]

    @strawberry.field(description="Partners (PARTNERS_WITH, both ways).")
    async def partners(self, info: Ctx) -> list[Node]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.PARTNERS_WITH])
        return [wrap(n.node, info) for n in found]

    @strawberry.field(description="Initiatives and enterprises this actor supports, and how.")
    async def supports(self, info: Ctx) -> list[Support]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.SUPPORTS])
        return [
            Support(
                group=_group(n.node, info),
                how=_how(n.rel),
                since=n.rel.props.get("since"),
                source=Source.of_rel(n.rel, self._node, n.node),
            )
            for n in found
        ]


@strawberry.type(description="Bewoner.")
class Resident(Actor):
    pass


@strawberry.type(description="ZZP'er: a self-employed professional.")
class Freelancer(Actor):
    @strawberry.field
    def profession(self) -> str | None:
        return (self._node.profession or None) if not self.redacted else None


@strawberry.type(description="Neighbourhood professional (opbouwwerker, wijkprofessional, ...).")
class Professional(Actor):
    @strawberry.field
    def profession(self) -> str | None:
        return (self._node.profession or None) if not self.redacted else None

    @strawberry.field(description="Employers (WORKS_FOR).")
    async def works_for(self, info: Ctx) -> list[Actor]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.WORKS_FOR])
        return [wrap(n.node, info) for n in found]  # type: ignore[misc]


@strawberry.interface(description="An enterprise, organisation or gemeente: a body with staff.")
class Body(Actor):
    @strawberry.field(description="e.g. bewonersbedrijf, housing_corporation, fund.")
    def subtype(self) -> str | None:
        return self._node.subtype or None

    @strawberry.field(description="Professionals who work here (WORKS_FOR).")
    async def staff(self, info: Ctx) -> list[Actor]:
        found = await info.context.neighbours(self._node.id, [R.WORKS_FOR], Direction.IN)
        return [wrap(n.node, info) for n in found]  # type: ignore[misc]


@strawberry.type(description="Wijkonderneming, bewonersbedrijf, cooperative or local business.")
class Enterprise(Body):
    @strawberry.field
    def legal_form(self) -> m.LegalForm | None:
        return self._node.legal_form

    @strawberry.field
    def revenue_models(self) -> list[m.RevenueModel]:
        return list(self._node.revenue_models)

    @strawberry.field(description="Members and their roles.")
    async def members(self, info: Ctx) -> list[Member]:
        return await _members(info, self._node)

    @strawberry.field(description="Who supports this enterprise, and how.")
    async def supporters(self, info: Ctx) -> list[Supporter]:
        return await _supporters(info, self._node)


@strawberry.type(description="Woningcorporatie, welzijnsorganisatie, fund, network organisation.")
class Organisation(Body):
    @strawberry.field
    def legal_form(self) -> m.LegalForm | None:
        return self._node.legal_form


@strawberry.type(description="A gemeente as an actor (its place is a Place of level MUNICIPALITY).")
class Municipality(Body):
    pass


@strawberry.type(description="Something people start together.")
class Initiative(Node):
    _node: strawberry.Private[m.Initiative]
    stage: m.InitiativeStage
    redacted: bool

    @strawberry.field
    async def name(self, info: Ctx) -> str:
        if not self.redacted:
            return self._node.name
        place = await _home(info, self._node.id, coarse=True)
        return policy.redacted_initiative_name(place.name if place else None)

    @strawberry.field
    def description(self) -> str | None:
        return None if self.redacted else (self._node.description or None)

    @strawberry.field(description="Year or date it started.")
    def started(self) -> str | None:
        return self._node.started or None

    @strawberry.field(description="Where this initiative comes from.")
    def source(self) -> Source:
        node = self._node
        return Source.of(node.provenance, "" if self.redacted else node.source)

    @strawberry.field
    async def place(self, info: Ctx) -> Place | None:
        node = await _home(info, self._node.id, coarse=False)
        return Place.of(node) if node else None

    @strawberry.field(description="Themes (ABOUT).")
    async def themes(self, info: Ctx) -> list[Theme]:
        return await _targets(info, self._node.id, R.ABOUT, Theme)

    @strawberry.field(
        description="Initiatives like yours: wijkondernemingen from the report 'De "
        "wijkonderneming als sociaal empower instrument' that work on the same themes, "
        "most shared themes first, each with its sourced profile."
    )
    async def similar_examples(
        self, info: Ctx, lang: Lang | None = None
    ) -> list[Annotated[SimilarExample, strawberry.lazy("api.examples")]]:
        if self.redacted:  # its themes are not shown either
            return []
        from api.examples import similar_for

        return await similar_for(info, self._node, _lang(info, lang))

    @strawberry.field(description="Members and their roles.")
    async def members(self, info: Ctx) -> list[Member]:
        return await _members(info, self._node)

    @strawberry.field(description="Skills this initiative looks for (NEEDS).")
    async def needs(self, info: Ctx) -> list[Need]:
        found = await info.context.neighbours(self._node.id, [R.NEEDS])
        return [
            Need(
                skill=Skill.of(n.node),
                urgency=m.Urgency(n.rel.props.get("urgency", "medium")),
                note=n.rel.props.get("note"),
                source=Source.of_rel(n.rel, self._node, n.node),
            )
            for n in found
        ]

    @strawberry.field(description="Who supports it, and how (funding, space, advice, contract).")
    async def supporters(self, info: Ctx) -> list[Supporter]:
        return await _supporters(info, self._node)

    @strawberry.field(description="Partners (PARTNERS_WITH, both ways).")
    async def partners(self, info: Ctx) -> list[Node]:
        found = await info.context.neighbours(self._node.id, [R.PARTNERS_WITH])
        return [wrap(n.node, info) for n in found]

    @strawberry.field(description="Instruments it uses: Right to Challenge, wijkbudget, ...")
    async def instruments(self, info: Ctx) -> list[Instrument]:
        return await _targets(info, self._node.id, R.USES, Instrument)


@strawberry.type(description="How many people live in a place, as published, with year and source.")
class Inhabitants:
    count: int
    year: int = strawberry.field(description="The year the figure describes (1 January).")
    source: str


def inhabitants_of(node: m.Place) -> Inhabitants | None:
    """The place's published inhabitants, if it has a figure."""
    if node.inhabitants is None or node.inhabitants_year is None:
        return None
    return Inhabitants(
        count=node.inhabitants, year=node.inhabitants_year, source=node.inhabitants_source
    )


@strawberry.type(description="A province, gemeente, stadsdeel, wijk or buurt. `id` is its code.")
class Place(Node):
    _node: strawberry.Private[m.Place]
    code: str
    name: str
    level: m.PlaceLevel
    verified: bool

    @staticmethod
    def of(node: m.Node) -> Place:
        assert isinstance(node, m.Place)
        return Place(
            _node=node,
            id=strawberry.ID(node.id),
            code=node.id,
            name=node.name,
            level=node.level,
            verified=node.verified,
        )

    @strawberry.field(description="CBS code, where checked against a CBS source.")
    def cbs_code(self) -> str | None:
        return self._node.cbs_code or None

    @strawberry.field(
        description="The name people use: 'Den Haag' for the CBS name 's-Gravenhage; "
        "otherwise the same as `name` (the official CBS name)."
    )
    def display_name(self) -> str:
        return self._node.shown_name

    @strawberry.field(
        description="Published number of inhabitants (CBS Kerncijfers wijken en buurten) "
        "with its year and source; null where no published figure was found."
    )
    def inhabitants(self) -> Inhabitants | None:
        return inhabitants_of(self._node)

    @strawberry.field(description="Where the name and code come from.")
    def source(self) -> Source:
        return Source.of_node(self._node)

    @strawberry.field
    async def parent(self, info: Ctx) -> Place | None:
        found = await info.context.neighbours(self._node.id, [R.PART_OF])
        return Place.of(found[0].node) if found else None

    @strawberry.field
    async def children(self, info: Ctx) -> list[Place]:
        found = await info.context.neighbours(self._node.id, [R.PART_OF], Direction.IN)
        return [Place.of(n.node) for n in found]

    @strawberry.field(description="Neighbouring places (ADJACENT_TO), where sourced.")
    async def adjacent(self, info: Ctx) -> list[Place]:
        found = await info.context.neighbours(self._node.id, [R.ADJACENT_TO])
        return [Place.of(n.node) for n in found]

    @strawberry.field(description="Actors in this place or any place inside it.")
    async def actors(
        self,
        info: Ctx,
        kind: list[m.ActorKind] | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[Actor]:
        flt = NodeFilter(kinds=actor_kinds(kind), place=self._node.id)
        page = await info.context.store.list_nodes(flt, first=first, after=after)
        return connection(page, [wrap(n, info) for n in page.items], after=after)  # type: ignore[misc]

    @strawberry.field(description="Initiatives in this place or any place inside it.")
    async def initiatives(
        self,
        info: Ctx,
        theme: strawberry.ID | None = None,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[Initiative]:
        flt = NodeFilter(
            kinds=frozenset({m.NodeKind.INITIATIVE}),
            place=self._node.id,
            theme=m.NodeId(theme) if theme else None,
        )
        page = await info.context.store.list_nodes(flt, first=first, after=after)
        return connection(page, [wrap(n, info) for n in page.items], after=after)  # type: ignore[misc]


@strawberry.type(description="Something an actor can do and an initiative can need.")
class Skill(Node):
    _node: strawberry.Private[m.Skill]
    name_nl: str
    name_en: str

    @staticmethod
    def of(node: m.Node) -> Skill:
        assert isinstance(node, m.Skill)
        return Skill(
            _node=node, id=strawberry.ID(node.id), name_nl=node.name_nl, name_en=node.name_en
        )

    @strawberry.field(description="Label in the request's language, or `lang`.")
    def name(self, info: Ctx, lang: Lang | None = None) -> str:
        return self._node.name_en if _lang(info, lang) == "en" else self._node.name_nl

    @strawberry.field
    def category(self) -> str | None:
        return self._node.category or None

    @strawberry.field(description="Where this skill comes from.")
    def source(self) -> Source:
        return Source.of_node(self._node)


@strawberry.type(description="What an initiative is about: energy, care, green, food, ...")
class Theme(Node):
    _node: strawberry.Private[m.Theme]
    name_nl: str
    name_en: str

    @staticmethod
    def of(node: m.Node) -> Theme:
        assert isinstance(node, m.Theme)
        return Theme(
            _node=node, id=strawberry.ID(node.id), name_nl=node.name_nl, name_en=node.name_en
        )

    @strawberry.field
    def name(self, info: Ctx, lang: Lang | None = None) -> str:
        return self._node.name_en if _lang(info, lang) == "en" else self._node.name_nl

    @strawberry.field(description="Where this theme comes from.")
    def source(self) -> Source:
        return Source.of_node(self._node)


@strawberry.type(description="Right to Challenge, maatschappelijk aanbesteden, wijkbudget, ...")
class Instrument(Node):
    _node: strawberry.Private[m.Instrument]
    name_nl: str
    name_en: str

    @staticmethod
    def of(node: m.Node) -> Instrument:
        assert isinstance(node, m.Instrument)
        return Instrument(
            _node=node, id=strawberry.ID(node.id), name_nl=node.name_nl, name_en=node.name_en
        )

    @strawberry.field
    def name(self, info: Ctx, lang: Lang | None = None) -> str:
        return self._node.name_en if _lang(info, lang) == "en" else self._node.name_nl

    @strawberry.field
    def description(self, info: Ctx, lang: Lang | None = None) -> str | None:
        text = self._node.description_en if _lang(info, lang) == "en" else self._node.description_nl
        return text or None

    @strawberry.field(description="Where this description comes from.")
    def source(self) -> Source:
        return Source.of_node(self._node)


MemberGroup = Annotated[Initiative | Enterprise, strawberry.union("MemberGroup")]


@strawberry.type
class Membership:
    group: MemberGroup
    role: m.MemberRole | None
    since: str | None
    source: Source


@strawberry.type
class Member:
    actor: Actor
    role: m.MemberRole | None
    since: str | None
    source: Source


@strawberry.type
class Support:
    group: MemberGroup
    how: m.SupportHow | None
    since: str | None
    source: Source


@strawberry.type
class Supporter:
    actor: Actor
    how: m.SupportHow | None
    since: str | None
    source: Source


@strawberry.type
class Need:
    skill: Skill
    urgency: m.Urgency
    note: str | None
    source: Source


# --- conversion -----------------------------------------------------------------

_ACTOR_TYPES: dict[m.ActorKind, type[Actor]] = {
    m.ActorKind.RESIDENT: Resident,
    m.ActorKind.FREELANCER: Freelancer,
    m.ActorKind.PROFESSIONAL: Professional,
    m.ActorKind.ENTERPRISE: Enterprise,
    m.ActorKind.ORGANISATION: Organisation,
    m.ActorKind.MUNICIPALITY: Municipality,
}


def wrap(node: m.Node, info: Ctx) -> Node:
    """The GraphQL object for a domain node, as the viewer may see it."""
    if isinstance(node, m.Actor):
        full = policy.sees_in_full(info.context.viewer, node)
        return _ACTOR_TYPES[node.kind](
            _node=node,
            id=strawberry.ID(node.id),
            kind=node.kind,
            redacted=not full,
            visibility=node.visibility,
            matchable=node.matchable,
        )
    if isinstance(node, m.Initiative):
        full = policy.sees_in_full(info.context.viewer, node)
        return Initiative(
            _node=node, id=strawberry.ID(node.id), stage=node.stage, redacted=not full
        )
    if isinstance(node, m.Place):
        return Place.of(node)
    if isinstance(node, m.Skill):
        return Skill.of(node)
    if isinstance(node, m.Theme):
        return Theme.of(node)
    return Instrument.of(node)


def _group(node: m.Node, info: Ctx) -> Initiative | Enterprise:
    group = wrap(node, info)
    assert isinstance(group, Initiative | Enterprise)
    return group


async def _home(info: Ctx, node_id: str, *, coarse: bool) -> m.Place | None:
    """The place a node is in; with ``coarse`` a buurt is widened to its wijk."""
    found = await info.context.neighbours(node_id, [R.LIVES_IN, R.LOCATED_IN])
    if not found:
        return None
    place = found[0].node
    assert isinstance(place, m.Place)
    if coarse and place.level is m.PlaceLevel.BUURT:
        up = await info.context.neighbours(place.id, [R.PART_OF])
        if up and isinstance(up[0].node, m.Place):
            return up[0].node
    return place


async def _targets(
    info: Ctx, node_id: str, rtype: m.RelType, cls: type[Skill] | type[Theme] | type[Instrument]
) -> list[Any]:
    found = await info.context.neighbours(node_id, [rtype])
    return [cls.of(n.node) for n in found]


async def _members(info: Ctx, group: m.Node) -> list[Member]:
    found = await info.context.neighbours(group.id, [R.MEMBER_OF], Direction.IN)
    return [
        Member(
            actor=wrap(n.node, info),  # type: ignore[arg-type]
            role=_role(n.rel),
            since=n.rel.props.get("since"),
            source=Source.of_rel(n.rel, n.node, group),
        )
        for n in found
    ]


async def _supporters(info: Ctx, group: m.Node) -> list[Supporter]:
    found = await info.context.neighbours(group.id, [R.SUPPORTS], Direction.IN)
    return [
        Supporter(
            actor=wrap(n.node, info),  # type: ignore[arg-type]
            how=_how(n.rel),
            since=n.rel.props.get("since"),
            source=Source.of_rel(n.rel, n.node, group),
        )
        for n in found
    ]


def _role(rel: m.Relationship) -> m.MemberRole | None:
    role = rel.props.get("role")
    return m.MemberRole(role) if role else None


def _how(rel: m.Relationship) -> m.SupportHow | None:
    how = rel.props.get("how")
    return m.SupportHow(how) if how else None
