"""GraphQL types. Each wraps a domain node and converts from it; graph/ never sees these."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from api import policy
from api.context import Context
from api.relay import NODES, Connection, asks_total, connection, selects
from graph import model as m
from graph.store import Direction, Neighbour, NodeFilter

if TYPE_CHECKING:
    from api.examples import SimilarExample
    from api.ties import MembershipStatus

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


def _source_of_node(self: Any) -> Source:
    """A place's, skill's or theme's source."""
    return Source.of_node(self._node)


def _source_of_shown(self: Any) -> Source:
    """An actor's or initiative's source; the detail only when shown in full."""
    node = self._node
    return Source.of(node.provenance, "" if self.redacted else node.source)


@strawberry.interface(description="Anything with a global id.")
class Node:
    id: strawberry.ID

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, type_: Any) -> str:
        """The GraphQL type of an object we made: read from its class, no search."""
        return str(obj.__strawberry_definition__.name)


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

    # Plain data is set by `wrap`; what takes work to make (the source, whether contact
    # details show) is made only when asked, by a resolver called directly (api.resolvers)
    source: Source = strawberry.field(
        resolver=_source_of_shown,
        description="Where this actor comes from (the detail only when shown).",
    )
    name: str = strawberry.field(description="Name, or '<kind> in <wijk>' when redacted.")
    description: str | None

    @strawberry.field(
        description="How to reach them. A person's only for themselves, whom they are tied "
        "to, the coordinators of their groups and the other side of an introduction they "
        "accepted; a body's for everyone who sees it in full."
    )
    def email(self, info: Ctx) -> str | None:
        # contact only as far as the person agreed (api.policy.Circle.shows_contact)
        if self.redacted or not info.context.circle.shows_contact(self._node):
            return None
        return self._node.email or None

    @strawberry.field(description="Shown as `email` is.")
    def website(self, info: Ctx) -> str | None:
        if self.redacted or not info.context.circle.shows_contact(self._node):
            return None
        return self._node.website or None

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        """The plain fields of this type beyond the shared ones (see `wrap`)."""
        return {}

    @strawberry.field(description="Where the actor lives or is located (wijk only when redacted).")
    async def place(self, info: Ctx) -> Place | None:
        place, wijk = await info.context.homes.load(self._node.id)
        node = wijk if self.redacted else place
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

    @strawberry.field(
        description="Initiatives and enterprises this actor is a member of (those you may see)."
    )
    async def memberships(self, info: Ctx) -> list[Membership]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.MEMBER_OF)
        groups = await _groups(found, info)
        return [
            Membership(
                group=group,
                role=_role(n.rel),
                since=n.rel.props.get("since"),
                source=Source.of_rel(n.rel, self._node, n.node),
            )
            for n, group in zip(found, groups, strict=True)
        ]

    @strawberry.field(
        description="People and bodies this actor knows (KNOWS, both ways; those you may see)."
    )
    async def knows(self, info: Ctx) -> list[Actor]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.KNOWS)
        return await wrap_all([n.node for n in found], info)  # type: ignore[return-value]

    @strawberry.field(description="Partners (PARTNERS_WITH, both ways; those you may see).")
    async def partners(self, info: Ctx) -> list[Node]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.PARTNERS_WITH)
        return await wrap_all([n.node for n in found], info)

    @strawberry.field(description="Initiatives and enterprises this actor supports, and how.")
    async def supports(self, info: Ctx) -> list[Support]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.SUPPORTS)
        groups = await _groups(found, info)
        return [
            Support(
                group=group,
                how=_how(n.rel),
                since=n.rel.props.get("since"),
                source=Source.of_rel(n.rel, self._node, n.node),
            )
            for n, group in zip(found, groups, strict=True)
        ]


@strawberry.type(description="Bewoner.")
class Resident(Actor):
    pass


@strawberry.type(description="ZZP'er: a self-employed professional.")
class Freelancer(Actor):
    profession: str | None

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        return {"profession": (node.profession or None) if show else None}


@strawberry.type(description="Neighbourhood professional (opbouwwerker, wijkprofessional, ...).")
class Professional(Actor):
    profession: str | None

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        return {"profession": (node.profession or None) if show else None}

    @strawberry.field(description="Employers (WORKS_FOR).")
    async def works_for(self, info: Ctx) -> list[Actor]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.WORKS_FOR)
        return await wrap_all([n.node for n in found], info)  # type: ignore[return-value]


@strawberry.interface(
    description="An enterprise, organisation or gemeente: a body with staff. A body that is "
    "not public shows only its kind and place."
)
class Body(Actor):
    subtype: str | None = strawberry.field(
        description="e.g. bewonersbedrijf, housing_corporation, fund."
    )

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        return {"subtype": (node.subtype or None) if show else None}

    @strawberry.field(description="Professionals who work here (WORKS_FOR).")
    async def staff(self, info: Ctx) -> list[Actor]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.WORKS_FOR, Direction.IN)
        return await wrap_all([n.node for n in found], info)  # type: ignore[return-value]


@strawberry.type(description="Wijkonderneming, bewonersbedrijf, cooperative or local business.")
class Enterprise(Body):
    legal_form: m.LegalForm | None
    revenue_models: list[m.RevenueModel]

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        return {
            "subtype": (node.subtype or None) if show else None,
            "legal_form": node.legal_form if show else None,
            "revenue_models": list(node.revenue_models) if show else [],
        }

    @strawberry.field(description="Members and their roles.")
    async def members(self, info: Ctx) -> list[Member]:
        return [] if self.redacted else await _members(info, self._node)

    @strawberry.field(description="Who supports this enterprise, and how.")
    async def supporters(self, info: Ctx) -> list[Supporter]:
        return [] if self.redacted else await _supporters(info, self._node)


@strawberry.type(description="Woningcorporatie, welzijnsorganisatie, fund, network organisation.")
class Organisation(Body):
    legal_form: m.LegalForm | None

    @staticmethod
    def _plain(node: m.Actor, show: bool) -> dict[str, Any]:
        if not show:
            return {"subtype": None, "legal_form": None}
        return {"subtype": node.subtype or None, "legal_form": node.legal_form}


@strawberry.type(description="A gemeente as an actor (its place is a Place of level MUNICIPALITY).")
class Municipality(Body):
    pass


@strawberry.type(
    description="Something people start together. One that is not public shows only its "
    "place (wijk) and stage to those outside it."
)
class Initiative(Node):
    _node: strawberry.Private[m.Initiative]
    stage: m.InitiativeStage
    redacted: bool
    # plain data, set by `wrap`
    name: str
    description: str | None
    started: str | None = strawberry.field(description="Year or date it started.")
    source: Source = strawberry.field(
        resolver=_source_of_shown, description="Where this initiative comes from."
    )
    visibility: m.Visibility

    @strawberry.field
    async def place(self, info: Ctx) -> Place | None:
        place, wijk = await info.context.homes.load(self._node.id)
        node = wijk if self.redacted else place
        return Place.of(node) if node else None

    @strawberry.field(description="Themes (ABOUT).")
    async def themes(self, info: Ctx) -> list[Theme]:
        return [] if self.redacted else await _targets(info, self._node.id, R.ABOUT, Theme)

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

    @strawberry.field(
        description="Members and their roles: those you may see; its coordinators see every "
        "member (those not visible to them as '<kind> in <wijk>')."
    )
    async def members(self, info: Ctx) -> list[Member]:
        return [] if self.redacted else await _members(info, self._node)

    @strawberry.field(description="Skills this initiative looks for (NEEDS).")
    async def needs(self, info: Ctx) -> list[Need]:
        if self.redacted:
            return []
        found = await info.context.neighbours(self._node.id, [R.NEEDS])
        return [
            Need(
                skill=Skill.of(n.node),
                urgency=m.Urgency(n.rel.props.get("urgency", "medium")),
                note=n.rel.props.get("note"),
                source=Source.of_rel(n.rel, self._node, n.node),
                _group=self._node.id,
            )
            for n in found
        ]

    @strawberry.field(
        description="Who asked to join and waits for a coordinator: shown to its "
        "coordinators (and to each asker, their own request); empty for anyone else."
    )
    async def join_requests(self, info: Ctx) -> list[Member]:
        from api.initiative_view import join_requests

        return [] if self.redacted else await join_requests(info, self._node)

    @strawberry.field(
        description="Whom it invited and who has not answered yet: shown to its "
        "coordinators (and to each invitee, their own invitation)."
    )
    async def open_invitations(self, info: Ctx) -> list[Member]:
        from api.initiative_view import open_invitations

        return await open_invitations(info, self._node)

    @strawberry.field(
        description="Where you (the signed-in person) stand with it: MEMBER, REQUESTED "
        "(you asked to join), INVITED or NONE."
    )
    async def viewer_status(
        self, info: Ctx
    ) -> Annotated[MembershipStatus, strawberry.lazy("api.ties")]:
        from api.initiative_view import viewer_status

        return await viewer_status(info, self._node)

    @strawberry.field(
        description="True when you may change it, decide who joins and end or delete it."
    )
    def viewer_coordinates(self, info: Ctx) -> bool:
        return info.context.circle.coordinator_of(self._node.id)

    @strawberry.field(description="Who supports it, and how (funding, space, advice, contract).")
    async def supporters(self, info: Ctx) -> list[Supporter]:
        return [] if self.redacted else await _supporters(info, self._node)

    @strawberry.field(description="Partners (PARTNERS_WITH, both ways).")
    async def partners(self, info: Ctx) -> list[Node]:
        if self.redacted:
            return []
        found = await _seen(info, self._node.id, R.PARTNERS_WITH)
        return await wrap_all([n.node for n in found], info)

    @strawberry.field(
        description="Instruments that initiatives like this one (on a theme it shares) use "
        "and it does not: '2 initiatives like yours in Zaanstad used Right to Challenge'."
    )
    def instruments_like_yours(self, info: Ctx, lang: Lang | None = None) -> list[str]:
        from api.instruments import hints

        return list(hints(info, self._node.id, _lang(info, lang)))

    @strawberry.field(description="Instruments it uses: Right to Challenge, wijkbudget, ...")
    async def instruments(self, info: Ctx) -> list[Instrument]:
        return [] if self.redacted else await _targets(info, self._node.id, R.USES, Instrument)


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


def _inhabitants(self: Any) -> Inhabitants | None:
    return inhabitants_of(self._node)


@strawberry.type(description="A province, gemeente, stadsdeel, wijk or buurt. `id` is its code.")
class Place(Node):
    _node: strawberry.Private[m.Place]
    code: str
    name: str
    level: m.PlaceLevel
    verified: bool
    cbs_code: str | None = strawberry.field(
        description="CBS code, where checked against a CBS source."
    )
    display_name: str = strawberry.field(
        description="The name people use: 'Den Haag' for the CBS name 's-Gravenhage; "
        "otherwise the same as `name` (the official CBS name)."
    )
    inhabitants: Inhabitants | None = strawberry.field(
        resolver=_inhabitants,
        description="Published number of inhabitants (CBS Kerncijfers wijken en buurten) "
        "with its year and source; null where no published figure was found.",
    )
    source: Source = strawberry.field(
        resolver=_source_of_node, description="Where the name and code come from."
    )

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
            cbs_code=node.cbs_code or None,
            display_name=node.shown_name,
        )

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
        flt = NodeFilter(
            kinds=actor_kinds(kind), place=self._node.id, sight=info.context.circle.sight
        )
        page = await info.context.store.list_nodes(
            flt, first=first, after=after, count=asks_total(info)
        )
        return connection(page, await wrap_all(page.items, info, NODES), after=after)  # type: ignore[arg-type]

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
            sight=info.context.circle.sight,
        )
        page = await info.context.store.list_nodes(
            flt, first=first, after=after, count=asks_total(info)
        )
        return connection(page, await wrap_all(page.items, info, NODES), after=after)  # type: ignore[arg-type]


@strawberry.type(description="Something an actor can do and an initiative can need.")
class Skill(Node):
    _node: strawberry.Private[m.Skill]
    name_nl: str
    name_en: str
    category: str | None
    source: Source = strawberry.field(
        resolver=_source_of_node, description="Where this skill comes from."
    )

    @staticmethod
    def of(node: m.Node) -> Skill:
        assert isinstance(node, m.Skill)
        return Skill(
            _node=node,
            id=strawberry.ID(node.id),
            name_nl=node.name_nl,
            name_en=node.name_en,
            category=node.category or None,
        )

    @strawberry.field(description="Label in the request's language, or `lang`.")
    def name(self, info: Ctx, lang: Lang | None = None) -> str:
        return self._node.name_en if _lang(info, lang) == "en" else self._node.name_nl


@strawberry.type(description="What an initiative is about: energy, care, green, food, ...")
class Theme(Node):
    _node: strawberry.Private[m.Theme]
    name_nl: str
    name_en: str
    source: Source = strawberry.field(
        resolver=_source_of_node, description="Where this theme comes from."
    )

    @staticmethod
    def of(node: m.Node) -> Theme:
        assert isinstance(node, m.Theme)
        return Theme(
            _node=node,
            id=strawberry.ID(node.id),
            name_nl=node.name_nl,
            name_en=node.name_en,
        )

    @strawberry.field
    def name(self, info: Ctx, lang: Lang | None = None) -> str:
        return self._node.name_en if _lang(info, lang) == "en" else self._node.name_nl


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

    @strawberry.field(description="Who offers it: the gemeente, the Rijk, a fund, ...")
    def offered_by(self) -> str | None:
        return self._node.offered_by or None

    @strawberry.field(description="What it asks of an initiative.")
    def conditions(self, info: Ctx, lang: Lang | None = None) -> str | None:
        en = _lang(info, lang) == "en"
        return (self._node.conditions_en if en else self._node.conditions_nl) or None

    @strawberry.field(description="The steps to use it, in order.")
    def steps(self, info: Ctx, lang: Lang | None = None) -> list[str]:
        text = self._node.steps_en if _lang(info, lang) == "en" else self._node.steps_nl
        return [step.strip() for step in text.split(";") if step.strip()]

    @strawberry.field(description="Where to read more.")
    def url(self) -> str | None:
        return self._node.url or None

    @strawberry.field(description="Initiatives that use it (USES), in id order.")
    async def initiatives(
        self, info: Ctx, first: int = DEFAULT_PAGE, after: str | None = None
    ) -> Connection[Initiative]:
        from api.instruments import users

        page = await users(info, self._node.id, first=first, after=after)
        return connection(page, [wrap(n, info) for n in page.items], after=after)  # type: ignore[misc]


EventKind = strawberry.enum(
    m.EventKind, description="Expert meeting, workshop, presentation or network meeting."
)
Rsvp = strawberry.enum(m.Rsvp, description="An invitee's answer.")


@strawberry.type(description="An invitation to an event and its answer.")
class Invitation:
    actor: Actor
    rsvp: m.Rsvp
    reason: str | None = strawberry.field(description="Why they were invited.")
    source: Source


@strawberry.type(
    description="Invitations to an event counted by answer, over the invitees the viewer "
    "may count (see `Event.answerCounts`)."
)
class AnswerCounts:
    invited: int = strawberry.field(description="Invitations counted.")
    yes: int
    maybe: int
    no: int
    waiting: int = strawberry.field(description="Not answered yet.")


@strawberry.type(
    description="An expert meeting, workshop, presentation or network meeting. "
    "Download it as iCalendar at `/events/{id}.ics`."
)
class Event(Node):
    _node: strawberry.Private[m.Event]
    name: str
    kind: m.EventKind
    starts: str = strawberry.field(description="Start, ISO date and time (Dutch local time).")

    @staticmethod
    def of(node: m.Node) -> Event:
        assert isinstance(node, m.Event)
        return Event(
            _node=node,
            id=strawberry.ID(node.id),
            name=node.name,
            kind=node.event_type,
            starts=node.starts,
        )

    @strawberry.field
    def ends(self) -> str | None:
        return self._node.ends or None

    @strawberry.field
    def description(self) -> str | None:
        return self._node.description or None

    @strawberry.field(description="Where this event comes from.")
    def source(self) -> Source:
        return Source.of_node(self._node)

    @strawberry.field(description="The iCalendar download.")
    def ics_url(self) -> str:
        return f"/events/{self._node.id}.ics"

    @strawberry.field(description="Who organises it (ORGANISES).")
    async def organisers(self, info: Ctx) -> list[Actor]:
        found = await info.context.neighbours(self._node.id, [R.ORGANISES], Direction.IN)
        return await wrap_all([n.node for n in found], info)  # type: ignore[return-value]

    @strawberry.field
    async def place(self, info: Ctx) -> Place | None:
        place, _ = await info.context.homes.load(self._node.id)
        return Place.of(place) if place else None

    @strawberry.field(description="Themes (ABOUT).")
    async def themes(self, info: Ctx) -> list[Theme]:
        return await _targets(info, self._node.id, R.ABOUT, Theme)

    async def _invitations(self, info: Ctx) -> tuple[list[m.Node], list[Neighbour]]:
        ctx = info.context
        hosts = await ctx.neighbours(self._node.id, [R.ORGANISES], Direction.IN)
        found = await ctx.neighbours(self._node.id, [R.INVITED_TO], Direction.IN)
        return [n.node for n in hosts], found

    @strawberry.field(
        description="Invitations and their answers (INVITED_TO): all of them for the "
        "event's organisers (whoever acts for an organising actor) and admins, an invitee's "
        "own invitation for the invitee, none for anyone else (see `answerCounts`)."
    )
    async def invitations(self, info: Ctx) -> list[Invitation]:
        hosts, found = await self._invitations(info)
        found = policy.shown_invitations(info.context.circle, hosts, found)
        actors = await wrap_all([n.node for n in found], info, ("actor",))
        return [
            Invitation(
                actor=actor,  # type: ignore[arg-type]
                rsvp=m.Rsvp(n.rel.props.get("rsvp", "invited")),
                reason=n.rel.props.get("reason"),
                source=Source.of_rel(n.rel, n.node, self._node),
            )
            for n, actor in zip(found, actors, strict=True)
        ]

    @strawberry.field(
        description="How many are invited and what they answered, counted over the "
        "invitees you may see in full (organisers and admins: everyone), so a count tells "
        "nothing about anyone hidden from you."
    )
    async def answer_counts(self, info: Ctx) -> AnswerCounts:
        hosts, found = await self._invitations(info)
        counted = policy.counted_invitations(info.context.circle, hosts, found)
        rsvps = [m.Rsvp(n.rel.props.get("rsvp", "invited")) for n in counted]
        return AnswerCounts(
            invited=len(rsvps),
            yes=rsvps.count(m.Rsvp.YES),
            maybe=rsvps.count(m.Rsvp.MAYBE),
            no=rsvps.count(m.Rsvp.NO),
            waiting=rsvps.count(m.Rsvp.INVITED),
        )


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
    _group: strawberry.Private[str] = ""

    @strawberry.field(
        description="Members who have or offer this skill, among those you see in full "
        "(a need covered only by someone hidden from you shows as open)."
    )
    async def covered_by(self, info: Ctx) -> list[Actor]:
        if not self._group:
            return []
        from api.initiative_view import covered_by

        return await covered_by(info, self._group, self.skill.id)


# --- conversion -----------------------------------------------------------------

_ACTOR_TYPES: dict[m.ActorKind, type[Actor]] = {
    m.ActorKind.RESIDENT: Resident,
    m.ActorKind.FREELANCER: Freelancer,
    m.ActorKind.PROFESSIONAL: Professional,
    m.ActorKind.ENTERPRISE: Enterprise,
    m.ActorKind.ORGANISATION: Organisation,
    m.ActorKind.MUNICIPALITY: Municipality,
}


async def wrap_all(
    nodes: Sequence[m.Node], info: Ctx, at: tuple[str, ...] | None = ()
) -> list[Node]:
    """The GraphQL objects for domain nodes, as the viewer may see them.

    Redacted actors and initiatives are named after their wijk: their homes are looked up
    in one batch (through the request's DataLoader), so that `name`, like every other
    field that is plain data, is an attribute rather than a resolver. ``at`` says where
    the objects sit below the field being resolved (``("edges", "node")`` in a
    connection): the homes are looked up only when the query asks for `name` there.
    With None they are looked up always.
    """
    circle = info.context.circle
    shown = [circle.sees(n) for n in nodes]
    hidden = [n.id for n, show in zip(nodes, shown, strict=True) if not show]
    wijken: dict[str, m.Place | None] = {}
    if at is None or selects(info, *at, "name"):
        # wait for the batch even with nothing to ask, to keep step with the others
        homes = await info.context.homes.load_many(hidden or [""])
        wijken = {i: wijk for i, (_, wijk) in zip(hidden, homes, strict=False)}
    lang = info.context.lang
    return [_wrap(n, show, wijken.get(n.id), lang) for n, show in zip(nodes, shown, strict=True)]


async def wrap(node: m.Node, info: Ctx, at: tuple[str, ...] | None = None) -> Node:
    """The GraphQL object for one domain node (see `wrap_all`)."""
    return (await wrap_all([node], info, at))[0]


def _wrap(node: m.Node, show: bool, wijk: m.Place | None, lang: str) -> Node:
    if isinstance(node, m.Actor):
        cls = _ACTOR_TYPES[node.kind]
        return cls(
            _node=node,
            id=strawberry.ID(node.id),
            kind=node.kind,
            redacted=not show,
            visibility=node.visibility,
            matchable=node.matchable,
            name=node.name if show else policy.redacted_name(node, _name(wijk), lang),
            description=node.description if show else None,
            **cls._plain(node, show),
        )
    if isinstance(node, m.Initiative):
        return Initiative(
            _node=node,
            id=strawberry.ID(node.id),
            stage=node.stage,
            redacted=not show,
            name=node.name if show else policy.redacted_initiative_name(_name(wijk)),
            description=(node.description or None) if show else None,
            started=(node.started or None) if show else None,
            visibility=node.visibility,
        )
    if isinstance(node, m.Place):
        return Place.of(node)
    if isinstance(node, m.Skill):
        return Skill.of(node)
    if isinstance(node, m.Theme):
        return Theme.of(node)
    if isinstance(node, m.Event):
        return Event.of(node)
    return Instrument.of(node)


def _name(place: m.Place | None) -> str | None:
    return place.name if place else None


async def _groups(found: list[Neighbour], info: Ctx) -> list[Initiative | Enterprise]:
    groups = await wrap_all([n.node for n in found], info, ("group",))
    assert all(isinstance(g, Initiative | Enterprise) for g in groups)
    return groups  # type: ignore[return-value]


async def _targets(
    info: Ctx, node_id: str, rtype: m.RelType, cls: type[Skill] | type[Theme] | type[Instrument]
) -> list[Any]:
    found = await info.context.neighbours(node_id, [rtype])
    return [cls.of(n.node) for n in found]


async def _seen(
    info: Ctx, node_id: str, rtype: m.RelType, direction: Direction = Direction.OUT
) -> list[Neighbour]:
    """The ties of a node the viewer may see: those whose other end it sees in full."""
    found = await info.context.neighbours(node_id, [rtype], direction)
    circle = info.context.circle
    return [n for n in found if circle.sees(n.node)]


async def _members(info: Ctx, group: m.Node) -> list[Member]:
    found = await info.context.neighbours(group.id, [R.MEMBER_OF], Direction.IN)
    circle = info.context.circle
    if not circle.coordinator_of(group.id):
        found = [n for n in found if circle.sees(n.node)]
    actors = await wrap_all([n.node for n in found], info, ("actor",))
    return [
        Member(
            actor=actor,  # type: ignore[arg-type]
            role=_role(n.rel),
            since=n.rel.props.get("since"),
            source=Source.of_rel(n.rel, n.node, group),
        )
        for n, actor in zip(found, actors, strict=True)
    ]


async def _supporters(info: Ctx, group: m.Node) -> list[Supporter]:
    found = await _seen(info, group.id, R.SUPPORTS, Direction.IN)
    actors = await wrap_all([n.node for n in found], info, ("actor",))
    return [
        Supporter(
            actor=actor,  # type: ignore[arg-type]
            how=_how(n.rel),
            since=n.rel.props.get("since"),
            source=Source.of_rel(n.rel, n.node, group),
        )
        for n, actor in zip(found, actors, strict=True)
    ]


_ROLES = {r.value: r for r in m.MemberRole}
_HOWS = {h.value: h for h in m.SupportHow}


def _role(rel: m.Relationship) -> m.MemberRole | None:
    role = rel.props.get("role")
    return (_ROLES.get(role) or m.MemberRole(role)) if role else None


def _how(rel: m.Relationship) -> m.SupportHow | None:
    how = rel.props.get("how")
    return (_HOWS.get(how) or m.SupportHow(how)) if how else None
