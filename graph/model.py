"""The domain model of wijknet: plain frozen dataclasses, no I/O.

Everything a store keeps is a node (:data:`Node`) or a typed, directed
:class:`Relationship`. The six kinds of actor share one :class:`Actor` class
told apart by ``kind``; their kind-specific fields are validated per kind.
Every rule raises :class:`~graph.errors.InvalidInput` naming the field.

>>> a = Actor(id=NodeId("res-1"), kind=ActorKind.RESIDENT, name="Fatima")
>>> (a.visibility, a.matchable)
(<Visibility.PRIVATE: 'private'>, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NewType, TypeVar

from graph.errors import InvalidInput
from graph.text import check_text

NodeId = NewType("NodeId", str)
E = TypeVar("E", bound=StrEnum)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,99}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_NAME = 200
MAX_TEXT = 4000


class ActorKind(StrEnum):
    RESIDENT = "Resident"
    FREELANCER = "Freelancer"
    PROFESSIONAL = "Professional"
    ENTERPRISE = "Enterprise"
    ORGANISATION = "Organisation"
    MUNICIPALITY = "Municipality"


class NodeKind(StrEnum):
    RESIDENT = "Resident"
    FREELANCER = "Freelancer"
    PROFESSIONAL = "Professional"
    ENTERPRISE = "Enterprise"
    ORGANISATION = "Organisation"
    MUNICIPALITY = "Municipality"
    INITIATIVE = "Initiative"
    PLACE = "Place"
    SKILL = "Skill"
    THEME = "Theme"
    INSTRUMENT = "Instrument"
    EVENT = "Event"


ACTOR_KINDS: frozenset[NodeKind] = frozenset(NodeKind(k.value) for k in ActorKind)
PERSON_KINDS: frozenset[NodeKind] = frozenset(
    {NodeKind.RESIDENT, NodeKind.FREELANCER, NodeKind.PROFESSIONAL}
)
BODY_KINDS: frozenset[NodeKind] = ACTOR_KINDS - PERSON_KINDS


class Visibility(StrEnum):
    PUBLIC = "public"
    NETWORK = "network"
    PRIVATE = "private"


class Provenance(StrEnum):
    """Where a node or relationship comes from.

    ``reference``: curated public data (``source`` cites it); ``import``: a file
    someone imported (``source`` names it); ``user``: made through the API
    (``source`` names the account, where known); ``demo``: invented by the
    demo generator, never a real person or body.
    """

    REFERENCE = "reference"
    IMPORT = "import"
    USER = "user"
    DEMO = "demo"


#: The ``source`` of demo data: the generator that made it up.
DEMO_SOURCE = "seed_data.generate"
#: Before provenance had a field of its own, generated nodes said ``source="synthetic"``.
LEGACY_DEMO_SOURCE = "synthetic"


class PlaceLevel(StrEnum):
    PROVINCE = "province"
    MUNICIPALITY = "municipality"
    DISTRICT = "district"
    NEIGHBOURHOOD = "neighbourhood"
    BUURT = "buurt"


PLACE_DEPTH = {level: depth for depth, level in enumerate(PlaceLevel)}


class LegalForm(StrEnum):
    STICHTING = "stichting"
    COOPERATIE = "cooperatie"
    VERENIGING = "vereniging"
    BV = "bv"
    NONE = "none"
    UNKNOWN = "unknown"


class RevenueModel(StrEnum):
    ROOM_RENTAL = "room_rental"
    PAID_ASSIGNMENTS = "paid_assignments"
    SUBSIDIES = "subsidies"
    FUNDS = "funds"
    MEMBER_CONTRIBUTIONS = "member_contributions"
    ENERGY_REVENUE = "energy_revenue"
    SALES = "sales"
    DONATIONS = "donations"


class EventKind(StrEnum):
    EXPERT_MEETING = "expert_meeting"
    WORKSHOP = "workshop"
    PRESENTATION = "presentation"
    NETWORK_MEETING = "network_meeting"


class Rsvp(StrEnum):
    """An invitee's answer: none yet, coming, not coming, maybe."""

    INVITED = "invited"
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class InitiativeStage(StrEnum):
    IDEA = "idea"
    STARTING = "starting"
    RUNNING = "running"
    ENDED = "ended"


class RelType(StrEnum):
    LIVES_IN = "LIVES_IN"
    LOCATED_IN = "LOCATED_IN"
    PART_OF = "PART_OF"
    ADJACENT_TO = "ADJACENT_TO"
    HAS_SKILL = "HAS_SKILL"
    OFFERS = "OFFERS"
    INTERESTED_IN = "INTERESTED_IN"
    MEMBER_OF = "MEMBER_OF"
    WORKS_FOR = "WORKS_FOR"
    KNOWS = "KNOWS"
    PARTNERS_WITH = "PARTNERS_WITH"
    SUPPORTS = "SUPPORTS"
    NEEDS = "NEEDS"
    ABOUT = "ABOUT"
    USES = "USES"
    ORGANISES = "ORGANISES"
    INVITED_TO = "INVITED_TO"
    REQUESTS = "REQUESTS"
    INVITES = "INVITES"


class MemberRole(StrEnum):
    INITIATOR = "initiator"
    BOARD = "board"
    COORDINATOR = "coordinator"
    MEMBER = "member"
    VOLUNTEER = "volunteer"
    ADVISOR = "advisor"
    EMPLOYEE = "employee"


class SupportHow(StrEnum):
    FUNDING = "funding"
    SPACE = "space"
    ADVICE = "advice"
    CONTRACT = "contract"


class Urgency(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# --- validation helpers -------------------------------------------------------


def check_id(value: object, field_name: str = "id") -> NodeId:
    """Return ``value`` as a :data:`NodeId` or raise naming ``field_name``."""
    if not isinstance(value, str) or not value:
        raise InvalidInput("is required", field=field_name)
    if not _ID_RE.match(value):
        raise InvalidInput(
            "may only contain letters, digits and . _ : - (at most 100 characters), "
            f"got {value[:40]!r}",
            field=field_name,
        )
    return NodeId(value)


def _text(value: object, field_name: str, *, required: bool, limit: int) -> None:
    if not isinstance(value, str):
        raise InvalidInput("must be text", field=field_name)
    if required and not value.strip():
        raise InvalidInput("is required and may not be blank", field=field_name)
    check_text(value, field_name, limit=limit)


def _enum(enum: type[E], value: object, field_name: str) -> E:
    try:
        return enum(value)  # type: ignore[arg-type]  # anything else is a ValueError
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidInput(f"must be one of {allowed}; got {value!r}", field=field_name) from None


def _iso_date(value: object, field_name: str) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise InvalidInput("must be a date like 2024-05-01 or a year like 2024", field=field_name)
    try:
        if len(value) == 4 and value.isdigit():
            return
        date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"must be a date like 2024-05-01 or a year like 2024; got {value!r}", field=field_name
        ) from None


def _provenance(node: Any) -> None:
    object.__setattr__(node, "provenance", _enum(Provenance, node.provenance, "provenance"))
    _text(node.source, "source", required=False, limit=1000)


# --- nodes ---------------------------------------------------------------------

_PROFESSION_KINDS = {ActorKind.FREELANCER, ActorKind.PROFESSIONAL}
_SUBTYPE_KINDS = {ActorKind.ENTERPRISE, ActorKind.ORGANISATION, ActorKind.MUNICIPALITY}
_LEGAL_KINDS = {ActorKind.ENTERPRISE, ActorKind.ORGANISATION}


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """Anyone who can take part: a person, an enterprise, an organisation, a gemeente.

    ``visibility`` and ``matchable`` default per kind: a resident is private and
    not matchable until they say otherwise; everyone else is public and matchable.
    """

    id: NodeId
    kind: ActorKind
    name: str
    description: str = ""
    email: str = ""
    website: str = ""
    visibility: Visibility = None  # type: ignore[assignment]  # set per kind below
    matchable: bool = None  # type: ignore[assignment]
    profession: str = ""
    subtype: str = ""
    legal_form: LegalForm | None = None
    revenue_models: tuple[RevenueModel, ...] = ()
    source: str = ""
    provenance: Provenance = Provenance.USER

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        kind = _enum(ActorKind, self.kind, "kind")
        object.__setattr__(self, "kind", kind)
        _text(self.name, "name", required=True, limit=MAX_NAME)
        _text(self.description, "description", required=False, limit=MAX_TEXT)
        _text(self.website, "website", required=False, limit=300)
        _text(self.source, "source", required=False, limit=1000)
        if self.email and not (isinstance(self.email, str) and _EMAIL_RE.match(self.email)):
            raise InvalidInput(f"is not an e-mail address: {self.email!r}", field="email")
        private_by_default = kind is ActorKind.RESIDENT
        vis = self.visibility
        if vis is None:
            vis = Visibility.PRIVATE if private_by_default else Visibility.PUBLIC
        object.__setattr__(self, "visibility", _enum(Visibility, vis, "visibility"))
        if self.matchable is None:
            object.__setattr__(self, "matchable", not private_by_default)
        elif not isinstance(self.matchable, bool):
            raise InvalidInput("must be true or false", field="matchable")
        _text(self.profession, "profession", required=False, limit=MAX_NAME)
        if self.profession and kind not in _PROFESSION_KINDS:
            raise InvalidInput(
                f"only a ZZP'er or a professional has a profession, not a {kind}",
                field="profession",
            )
        _text(self.subtype, "subtype", required=False, limit=60)
        if self.subtype and kind not in _SUBTYPE_KINDS:
            raise InvalidInput(f"a {kind} has no subtype", field="subtype")
        if self.legal_form is not None:
            if kind not in _LEGAL_KINDS:
                raise InvalidInput(f"a {kind} has no legal form", field="legalForm")
            object.__setattr__(self, "legal_form", _enum(LegalForm, self.legal_form, "legalForm"))
        models = tuple(_enum(RevenueModel, m, "revenueModels") for m in self.revenue_models)
        if models and kind is not ActorKind.ENTERPRISE:
            raise InvalidInput("only an enterprise has revenue models", field="revenueModels")
        if len(set(models)) != len(models):
            raise InvalidInput("lists a revenue model twice", field="revenueModels")
        object.__setattr__(self, "revenue_models", models)

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind(self.kind.value)

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Initiative:
    """Something people start together: an energy coop, a buurthuis, a food coop."""

    id: NodeId
    name: str
    description: str = ""
    stage: InitiativeStage = InitiativeStage.IDEA
    started: str = ""
    visibility: Visibility = Visibility.PUBLIC
    source: str = ""
    provenance: Provenance = Provenance.USER

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        _text(self.name, "name", required=True, limit=MAX_NAME)
        _text(self.description, "description", required=False, limit=MAX_TEXT)
        _text(self.source, "source", required=False, limit=1000)
        object.__setattr__(self, "stage", _enum(InitiativeStage, self.stage, "stage"))
        object.__setattr__(self, "visibility", _enum(Visibility, self.visibility, "visibility"))
        _iso_date(self.started, "started")

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.INITIATIVE

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Place:
    """A province, gemeente, stadsdeel, wijk or buurt; ``id`` is its code.

    ``cbs_code`` is set only where the code was checked against a CBS source.
    ``display_name`` is the name people use where the official CBS name differs
    ("Den Haag" for 's-Gravenhage). ``inhabitants`` is a published count (CBS
    Kerncijfers wijken en buurten), never an estimate, with the year it describes
    and where it comes from.
    """

    id: NodeId
    name: str
    level: PlaceLevel
    cbs_code: str = ""
    verified: bool = False
    source: str = ""
    provenance: Provenance = Provenance.USER
    display_name: str = ""
    inhabitants: int | None = None
    inhabitants_year: int | None = None
    inhabitants_source: str = ""

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id, "code")
        _text(self.name, "name", required=True, limit=MAX_NAME)
        object.__setattr__(self, "level", _enum(PlaceLevel, self.level, "level"))
        _text(self.cbs_code, "cbsCode", required=False, limit=20)
        _text(self.source, "source", required=False, limit=1000)
        _text(self.display_name, "displayName", required=False, limit=MAX_NAME)
        _text(self.inhabitants_source, "inhabitantsSource", required=False, limit=1000)
        count, year = self.inhabitants, self.inhabitants_year
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise InvalidInput("must be a whole number of at least 0", field="inhabitants")
        if year is not None and (
            isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2200
        ):
            raise InvalidInput("must be a year such as 2024", field="inhabitantsYear")
        if count is not None and (year is None or not self.inhabitants_source.strip()):
            raise InvalidInput(
                "a count of inhabitants needs its year and its source", field="inhabitants"
            )

    @property
    def shown_name(self) -> str:
        """The name to show people: the display name where there is one."""
        return self.display_name or self.name

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.PLACE

    @property
    def label(self) -> str:
        return self.shown_name


@dataclass(frozen=True, slots=True, kw_only=True)
class Skill:
    """Something an actor can do or offer and an initiative can need."""

    id: NodeId
    name_nl: str
    name_en: str
    category: str = ""
    source: str = ""
    provenance: Provenance = Provenance.USER

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        _text(self.name_nl, "nameNl", required=True, limit=MAX_NAME)
        _text(self.name_en, "nameEn", required=True, limit=MAX_NAME)

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.SKILL

    @property
    def label(self) -> str:
        return self.name_nl


@dataclass(frozen=True, slots=True, kw_only=True)
class Theme:
    """What an initiative is about: energy, care, green, food, mobility, ..."""

    id: NodeId
    name_nl: str
    name_en: str
    description_nl: str = ""
    description_en: str = ""
    source: str = ""
    provenance: Provenance = Provenance.USER

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        _text(self.name_nl, "nameNl", required=True, limit=MAX_NAME)
        _text(self.name_en, "nameEn", required=True, limit=MAX_NAME)

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.THEME

    @property
    def label(self) -> str:
        return self.name_nl


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    """A legal or financial instrument: Right to Challenge, wijkbudget, subsidie, ..."""

    id: NodeId
    name_nl: str
    name_en: str
    description_nl: str = ""
    description_en: str = ""
    source: str = ""
    provenance: Provenance = Provenance.USER
    offered_by: str = ""  # who offers it: "gemeente", "Rijk", ...
    conditions_nl: str = ""
    conditions_en: str = ""
    steps_nl: str = ""  # the steps to use it, separated by ";"
    steps_en: str = ""
    url: str = ""

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        _text(self.name_nl, "nameNl", required=True, limit=MAX_NAME)
        _text(self.name_en, "nameEn", required=True, limit=MAX_NAME)
        _text(self.offered_by, "offeredBy", required=False, limit=MAX_NAME)
        for name in ("conditions_nl", "conditions_en", "steps_nl", "steps_en"):
            _text(getattr(self, name), name, required=False, limit=MAX_TEXT)
        _text(self.url, "url", required=False, limit=300)

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.INSTRUMENT

    @property
    def label(self) -> str:
        return self.name_nl


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """An expert meeting, workshop, presentation or network meeting.

    ``starts`` and ``ends`` are ISO date-times (``2026-03-12T19:30``, local time in
    the Netherlands unless they carry an offset). Organiser (ORGANISES), place
    (LOCATED_IN), themes (ABOUT) and invitations with RSVPs (INVITED_TO) are
    relationships.
    """

    id: NodeId
    name: str
    event_type: EventKind = EventKind.NETWORK_MEETING  # not `kind`: that is the node kind
    starts: str = ""
    ends: str = ""
    description: str = ""
    visibility: Visibility = Visibility.PUBLIC
    source: str = ""
    provenance: Provenance = Provenance.USER

    def __post_init__(self) -> None:
        _provenance(self)
        check_id(self.id)
        _text(self.name, "name", required=True, limit=MAX_NAME)
        _text(self.description, "description", required=False, limit=MAX_TEXT)
        object.__setattr__(self, "event_type", _enum(EventKind, self.event_type, "eventType"))
        object.__setattr__(self, "visibility", _enum(Visibility, self.visibility, "visibility"))
        start = _datetime(self.starts, "starts", required=True)
        end = _datetime(self.ends, "ends", required=False)
        if start is not None and end is not None and end <= start:
            raise InvalidInput("must be after the start", field="ends")

    @property
    def node_kind(self) -> NodeKind:
        return NodeKind.EVENT

    @property
    def label(self) -> str:
        return self.name


def _datetime(value: object, field_name: str, *, required: bool) -> datetime | None:
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidInput("is required: a date and time like 2026-03-12T19:30", field=field_name)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"must be a date and time like 2026-03-12T19:30; got {value!r}", field=field_name
        ) from None
    return when.replace(tzinfo=None)


Node = Actor | Initiative | Place | Skill | Theme | Instrument | Event

_CLASS_OF: dict[NodeKind, type[Actor | Initiative | Place | Skill | Theme | Instrument | Event]] = {
    **{k: Actor for k in ACTOR_KINDS},
    NodeKind.INITIATIVE: Initiative,
    NodeKind.PLACE: Place,
    NodeKind.SKILL: Skill,
    NodeKind.THEME: Theme,
    NodeKind.INSTRUMENT: Instrument,
    NodeKind.EVENT: Event,
}
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f for f in cls.__dataclass_fields__ if f not in ("id", "kind"))
    for cls in set(_CLASS_OF.values())
}


def node_props(node: Node) -> dict[str, Any]:
    """The node's fields as plain JSON-able values, without ``id`` and ``kind``.

    Empty values are left out so stored records stay small.
    """
    out: dict[str, Any] = {}
    for name in _FIELDS[type(node)]:
        value = getattr(node, name)
        if value is None or value == "" or value == ():
            continue
        if isinstance(value, tuple):
            out[name] = [str(v) for v in value]
        else:
            out[name] = str(value) if isinstance(value, StrEnum) else value
    return out


def node_from_record(kind: str, node_id: str, props: Mapping[str, Any]) -> Node:
    """Rebuild a node from what :func:`node_props` stored."""
    nkind = _enum(NodeKind, kind, "kind")
    cls = _CLASS_OF[nkind]
    known = _FIELDS[cls]
    kwargs: dict[str, Any] = {k: v for k, v in props.items() if k in known}
    if "provenance" not in kwargs:  # stored before provenance had a field of its own
        kwargs["provenance"] = legacy_provenance(str(kwargs.get("source", "")))
    if "revenue_models" in kwargs:
        kwargs["revenue_models"] = tuple(kwargs["revenue_models"])
    if cls is Actor:
        kwargs["kind"] = ActorKind(nkind.value)
    return cls(id=NodeId(node_id), **kwargs)


def legacy_provenance(source: str) -> Provenance:
    """The provenance of a record stored without one: generated, sourced or made by a user."""
    if source == LEGACY_DEMO_SOURCE:
        return Provenance.DEMO
    return Provenance.REFERENCE if source else Provenance.USER


def search_text(node: Node) -> str:
    """Lower-cased text the ``text`` filter matches against."""
    if isinstance(node, Actor | Initiative | Event):
        return f"{node.name}\n{node.description}".casefold()
    if isinstance(node, Place):
        return f"{node.name}\n{node.display_name}".casefold()
    return f"{node.name_nl}\n{node.name_en}".casefold()


def text_matches(haystack: str, query: str) -> bool:
    """True when every word of ``query`` occurs in ``haystack`` (already case-folded)."""
    return all(word in haystack for word in query.casefold().split())


# --- relationships -------------------------------------------------------------


def _check_role(v: object) -> object:
    return _enum(MemberRole, v, "role").value


def _check_how(v: object) -> object:
    return _enum(SupportHow, v, "how").value


def _check_urgency(v: object) -> object:
    return _enum(Urgency, v, "urgency").value


def _check_rsvp(v: object) -> object:
    return _enum(Rsvp, v, "rsvp").value


def _check_weight(v: object) -> object:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < float(v) <= 1:
        raise InvalidInput("must be a number above 0 and at most 1", field="weight")
    return float(v)


def _check_since(v: object) -> object:
    _iso_date(v, "since")
    return v


def _check_provenance(v: object) -> object:
    return _enum(Provenance, v, "provenance").value


def _check_source(v: object) -> object:
    _text(v, "source", required=False, limit=1000)
    return v


#: Properties every relationship type may carry: where it comes from. A relationship
#: without them takes its provenance from its ends (:func:`rel_provenance`).
COMMON_REL_PROPS: Mapping[str, Callable[[object], object]] = {
    "provenance": _check_provenance,
    "source": _check_source,
}


def _check_note(v: object) -> object:
    _text(v, "note", required=False, limit=500)
    return v


@dataclass(frozen=True, slots=True)
class RelRule:
    """Which node kinds a relationship type may join, and which properties it has."""

    sources: frozenset[NodeKind]
    targets: frozenset[NodeKind]
    props: Mapping[str, Callable[[object], object]] = field(default_factory=dict)
    symmetric: bool = False


_ACTORS_AND_INITIATIVES = ACTOR_KINDS | {NodeKind.INITIATIVE}
_PLACE = frozenset({NodeKind.PLACE})

REL_RULES: Mapping[RelType, RelRule] = {
    RelType.LIVES_IN: RelRule(PERSON_KINDS, _PLACE),
    RelType.LOCATED_IN: RelRule(BODY_KINDS | {NodeKind.INITIATIVE, NodeKind.EVENT}, _PLACE),
    RelType.PART_OF: RelRule(_PLACE, _PLACE),
    RelType.ADJACENT_TO: RelRule(_PLACE, _PLACE, symmetric=True),
    RelType.HAS_SKILL: RelRule(ACTOR_KINDS, frozenset({NodeKind.SKILL})),
    RelType.OFFERS: RelRule(ACTOR_KINDS, frozenset({NodeKind.SKILL}), {"note": _check_note}),
    RelType.INTERESTED_IN: RelRule(ACTOR_KINDS, frozenset({NodeKind.THEME})),
    RelType.MEMBER_OF: RelRule(
        ACTOR_KINDS,
        frozenset({NodeKind.INITIATIVE, NodeKind.ENTERPRISE}),
        {"role": _check_role, "since": _check_since},
    ),
    RelType.WORKS_FOR: RelRule(
        frozenset({NodeKind.PROFESSIONAL}),
        BODY_KINDS,
        {"role": _check_note, "since": _check_since},
    ),
    RelType.KNOWS: RelRule(
        ACTOR_KINDS, ACTOR_KINDS, {"since": _check_since, "weight": _check_weight}, symmetric=True
    ),
    RelType.PARTNERS_WITH: RelRule(
        _ACTORS_AND_INITIATIVES, _ACTORS_AND_INITIATIVES, {"since": _check_since}, symmetric=True
    ),
    RelType.SUPPORTS: RelRule(
        ACTOR_KINDS,
        frozenset({NodeKind.INITIATIVE, NodeKind.ENTERPRISE}),
        {"how": _check_how, "since": _check_since},
    ),
    RelType.NEEDS: RelRule(
        frozenset({NodeKind.INITIATIVE}),
        frozenset({NodeKind.SKILL}),
        {"urgency": _check_urgency, "note": _check_note},
    ),
    RelType.ABOUT: RelRule(
        frozenset({NodeKind.INITIATIVE, NodeKind.EVENT}), frozenset({NodeKind.THEME})
    ),
    RelType.USES: RelRule(frozenset({NodeKind.INITIATIVE}), frozenset({NodeKind.INSTRUMENT})),
    RelType.ORGANISES: RelRule(ACTOR_KINDS, frozenset({NodeKind.EVENT})),
    RelType.INVITED_TO: RelRule(
        ACTOR_KINDS,
        frozenset({NodeKind.EVENT}),
        {"rsvp": _check_rsvp, "reason": _check_note, "since": _check_since},
    ),
    # pending requests: to join a group (MEMBER_OF with `role`) or to know an actor
    # (KNOWS); both sides' ids are the ones of the tie that accepting makes
    RelType.REQUESTS: RelRule(
        ACTOR_KINDS,
        ACTOR_KINDS | {NodeKind.INITIATIVE, NodeKind.ENTERPRISE},
        {"role": _check_role, "since": _check_since},
    ),
    # a pending invitation from a group to an actor, to join it as `role`
    RelType.INVITES: RelRule(
        frozenset({NodeKind.INITIATIVE, NodeKind.ENTERPRISE}),
        ACTOR_KINDS,
        {"role": _check_role, "since": _check_since},
    ),
}
#: Relationships that are pending requests, not ties: private to their two sides.
REQUEST_TYPES: frozenset[RelType] = frozenset({RelType.REQUESTS, RelType.INVITES})


@dataclass(frozen=True, slots=True)
class Relationship:
    """A typed, directed edge. ``(type, source, target)`` identifies it.

    >>> Relationship(RelType.NEEDS, NodeId("i1"), NodeId("s1"), {"urgency": "high"}).props
    {'urgency': 'high'}
    """

    type: RelType
    source: NodeId
    target: NodeId
    props: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rtype = _enum(RelType, self.type, "type")
        object.__setattr__(self, "type", rtype)
        check_id(self.source, "source")
        check_id(self.target, "target")
        if self.source == self.target:
            raise InvalidInput("a node cannot be linked to itself", field="target")
        rule = REL_RULES[rtype]
        if rule.symmetric and self.source > self.target:
            # one stored direction per symmetric pair, so a-KNOWS-b and b-KNOWS-a are one tie
            src = self.source
            object.__setattr__(self, "source", self.target)
            object.__setattr__(self, "target", src)
        clean: dict[str, Any] = {}
        for key, value in self.props.items():
            if value is None:
                continue
            check = rule.props.get(key) or COMMON_REL_PROPS.get(key)
            if check is None:
                allowed = ", ".join(rule.props) or "none"
                raise InvalidInput(
                    f"{rtype} has no property {key!r} (allowed: {allowed})", field=key
                )
            clean[key] = check(value)
        object.__setattr__(self, "props", clean)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.type.value, self.source, self.target)

    @property
    def own_props(self) -> dict[str, Any]:
        """The type's own properties, without ``provenance`` and ``source``."""
        return {k: v for k, v in self.props.items() if k not in COMMON_REL_PROPS}

    @classmethod
    def trusted(
        cls, rtype: RelType, source: str, target: str, props: Mapping[str, Any]
    ) -> Relationship:
        """Build without validation, for generators and stores whose parts are known good.

        Symmetric types are still put in their one stored direction. Stores still
        check that both ends exist and are of allowed kinds.
        """
        rel = object.__new__(cls)
        if REL_RULES[rtype].symmetric and source > target:
            source, target = target, source
        object.__setattr__(rel, "type", rtype)
        object.__setattr__(rel, "source", source)
        object.__setattr__(rel, "target", target)
        object.__setattr__(rel, "props", props)
        return rel


def check_endpoints(rel: Relationship, source_kind: NodeKind, target_kind: NodeKind) -> None:
    """Raise :class:`InvalidInput` when ``rel`` may not join nodes of these kinds."""
    rule = REL_RULES[rel.type]
    if source_kind not in rule.sources:
        allowed = ", ".join(sorted(rule.sources))
        raise InvalidInput(
            f"{rel.type} cannot start at a {source_kind} ({rel.source}); it starts at: {allowed}",
            field="source",
        )
    if target_kind not in rule.targets:
        allowed = ", ".join(sorted(rule.targets))
        raise InvalidInput(
            f"{rel.type} cannot point to a {target_kind} ({rel.target}); it points to: {allowed}",
            field="target",
        )


def rel_provenance(
    rel: Relationship, start: Node | None, end: Node | None
) -> tuple[Provenance, str]:
    """Where a relationship comes from: its own ``provenance`` (and ``source``) if it
    has them; else ``demo`` when either end is demo data; else its start node's.

    The demo generator and the reference loader leave relationships bare (a country
    of demo ties would otherwise carry the same words millions of times); imports and
    API writes stamp their own.

    >>> a = Actor(id=NodeId("a"), kind=ActorKind.RESIDENT, name="A", provenance="demo")
    >>> p = Place(id=NodeId("W"), name="W", level="neighbourhood", provenance="reference")
    >>> rel_provenance(Relationship(RelType.LIVES_IN, a.id, p.id), a, p)
    (<Provenance.DEMO: 'demo'>, '')
    """
    own = rel.props.get("provenance")
    if own:
        return Provenance(own), str(rel.props.get("source", ""))
    for node in (start, end):
        if node is not None and node.provenance is Provenance.DEMO:
            return Provenance.DEMO, node.source
    if start is not None:
        return start.provenance, start.source
    return Provenance.USER, ""


def without_inherited_provenance(
    rel: Relationship, start: Node | None, end: Node | None
) -> Relationship:
    """``rel`` without ``provenance`` and ``source`` when its ends would give it the same:
    the one stored form of a relationship, whichever way it was written."""
    if "provenance" not in rel.props or start is None or end is None:
        return rel
    bare = Relationship.trusted(rel.type, rel.source, rel.target, rel.own_props)
    if rel_provenance(bare, start, end) != rel_provenance(rel, start, end):
        return rel
    return bare
