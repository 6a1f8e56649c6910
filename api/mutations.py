"""Mutations. Each validates everything before writing anything, writes in one
transaction, and answers ``Success | Error`` where the error names the field.

Input fields a user must fill are nullable in the schema on purpose: a missing
value then reaches the resolver and comes back as an ``Error`` naming the field
(which a form can show beside it), not as a GraphQL validation failure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import strawberry

from api import types as t
from graph import model as m
from graph.errors import Conflict, GraphError, InvalidInput, NotFound
from graph.store import GraphStore

R = m.RelType


@strawberry.enum(description="What kind of problem an Error reports.")
class ErrorCode(Enum):
    INVALID_INPUT = "INVALID_INPUT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"


@strawberry.type(description="Why a mutation did not happen. `field` names the input at fault.")
class Error:
    code: ErrorCode
    field: str | None
    message: str


class _Refused(Exception):
    def __init__(self, error: Error) -> None:
        self.error = error


def _error(exc: GraphError, fields: Mapping[str, str] | None = None) -> Error:
    field = exc.field
    if field is not None and fields:
        field = fields.get(field, field)
    code = ErrorCode(exc.code) if exc.code in ErrorCode.__members__ else ErrorCode.INVALID_INPUT
    return Error(code=code, field=field, message=exc.message)


def _require(value: object, field: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("is required", field=field)


@contextmanager
def _refusing(fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn any GraphError inside into an Error naming the (mutation's) field."""
    try:
        yield
    except GraphError as exc:
        raise _Refused(_error(exc, fields)) from exc


async def _expect(
    store: GraphStore, ids: Sequence[str], kinds: frozenset[m.NodeKind], field: str, what: str
) -> dict[m.NodeId, m.Node]:
    """The nodes for ``ids``, or NotFound naming ``field`` for the first missing one."""
    checked = [m.check_id(i, field) for i in ids]
    found = await store.get_nodes(checked)
    for i in checked:
        node = found.get(i)
        if node is None or node.node_kind not in kinds:
            raise NotFound(f"there is no {what} with id {i!r}", field=field)
    return found


def _by_user(rels: list[m.Relationship]) -> list[m.Relationship]:
    """Mark relationships made through the API as the user's (see ``m.rel_provenance``)."""
    return [
        m.Relationship.trusted(r.type, r.source, r.target, {**r.props, "provenance": "user"})
        for r in rels
    ]


def _new_id(prefix: str) -> m.NodeId:
    return m.NodeId(f"{prefix}-{uuid.uuid4().hex[:12]}")


_PREFIX = {
    m.ActorKind.RESIDENT: "res",
    m.ActorKind.FREELANCER: "zzp",
    m.ActorKind.PROFESSIONAL: "pro",
    m.ActorKind.ENTERPRISE: "ent",
    m.ActorKind.ORGANISATION: "org",
    m.ActorKind.MUNICIPALITY: "mun",
}
_SKILL = frozenset({m.NodeKind.SKILL})
_THEME = frozenset({m.NodeKind.THEME})
_PLACE = frozenset({m.NodeKind.PLACE})
_INSTRUMENT = frozenset({m.NodeKind.INSTRUMENT})
_INITIATIVE = frozenset({m.NodeKind.INITIATIVE})


# --- inputs -----------------------------------------------------------------------


@strawberry.input(description="A new actor. `kind` and `name` are required.")
class RegisterActorInput:
    kind: m.ActorKind | None = None
    name: str | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="Your own id (letters, digits, . _ : -); made up if left out."
    )
    place_code: str | None = strawberry.field(
        default=None, description="Code of the place where the actor lives or is located."
    )
    description: str | None = None
    email: str | None = None
    website: str | None = None
    visibility: m.Visibility | None = strawberry.field(
        default=None, description="Residents are PRIVATE unless they choose otherwise."
    )
    matchable: bool | None = strawberry.field(
        default=None, description="May wijknet suggest this actor? Residents: no by default."
    )
    profession: str | None = None
    subtype: str | None = None
    legal_form: m.LegalForm | None = None
    revenue_models: list[m.RevenueModel] | None = None
    skills: list[strawberry.ID] | None = None
    offers: list[strawberry.ID] | None = None
    interests: list[strawberry.ID] | None = strawberry.field(default=None, description="Theme ids.")


@strawberry.input
class NeedInput:
    skill: strawberry.ID | None = None
    urgency: m.Urgency = m.Urgency.MEDIUM


@strawberry.input(description="A new initiative. `name`, `placeCode` and `themes` are required.")
class StartInitiativeInput:
    name: str | None = None
    place_code: str | None = None
    themes: list[strawberry.ID] | None = None
    id: strawberry.ID | None = None
    description: str | None = None
    stage: m.InitiativeStage = m.InitiativeStage.IDEA
    started: str | None = None
    founders: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Actors who start it; they join as INITIATOR."
    )
    needs: list[NeedInput] | None = None
    instruments: list[strawberry.ID] | None = None


@strawberry.enum(description="Ties that `link` can make.")
class LinkType(Enum):
    KNOWS = "KNOWS"
    PARTNERS_WITH = "PARTNERS_WITH"
    SUPPORTS = "SUPPORTS"


# --- payloads ---------------------------------------------------------------------


@strawberry.type
class RegisterActorSuccess:
    actor: t.Actor


@strawberry.type
class StartInitiativeSuccess:
    initiative: t.Initiative


@strawberry.type
class AddNeedSuccess:
    initiative: t.Initiative
    need: t.Need


@strawberry.type
class JoinInitiativeSuccess:
    initiative: t.Initiative
    member: t.Member


@strawberry.type
class LinkSuccess:
    type: LinkType
    source: t.Node = strawberry.field(name="from")
    target: t.Node = strawberry.field(name="to")
    how: m.SupportHow | None


RegisterActorResult = Annotated[
    RegisterActorSuccess | Error, strawberry.union("RegisterActorResult")
]
StartInitiativeResult = Annotated[
    StartInitiativeSuccess | Error, strawberry.union("StartInitiativeResult")
]
AddNeedResult = Annotated[AddNeedSuccess | Error, strawberry.union("AddNeedResult")]
JoinInitiativeResult = Annotated[
    JoinInitiativeSuccess | Error, strawberry.union("JoinInitiativeResult")
]
LinkResult = Annotated[LinkSuccess | Error, strawberry.union("LinkResult")]


# --- resolvers ----------------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Register a resident, ZZP'er, professional or body.")
    async def register_actor(self, info: t.Ctx, input: RegisterActorInput) -> RegisterActorResult:
        store = info.context.store
        try:
            with _refusing():
                _require(input.kind, "kind")
                _require(input.name, "name")
                assert input.kind is not None and input.name is not None
                aid = m.check_id(input.id) if input.id is not None else _new_id(_PREFIX[input.kind])
                actor = m.Actor(
                    id=aid,
                    kind=input.kind,
                    name=input.name.strip(),
                    description=input.description or "",
                    email=(input.email or "").strip(),
                    website=input.website or "",
                    visibility=input.visibility,  # type: ignore[arg-type]
                    matchable=input.matchable,  # type: ignore[arg-type]
                    profession=input.profession or "",
                    subtype=input.subtype or "",
                    legal_form=input.legal_form,
                    revenue_models=tuple(input.revenue_models or ()),
                )
                rels: list[m.Relationship] = []
                if input.place_code is not None:
                    await _expect(store, [input.place_code], _PLACE, "placeCode", "place")
                    located = R.LIVES_IN if actor.node_kind in m.PERSON_KINDS else R.LOCATED_IN
                    rels.append(m.Relationship(located, aid, m.NodeId(input.place_code)))
                for ids, rtype, kinds, field, what in (
                    (input.skills, R.HAS_SKILL, _SKILL, "skills", "skill"),
                    (input.offers, R.OFFERS, _SKILL, "offers", "skill"),
                    (input.interests, R.INTERESTED_IN, _THEME, "interests", "theme"),
                ):
                    unique = list(dict.fromkeys(ids or ()))
                    await _expect(store, unique, kinds, field, what)
                    rels += [m.Relationship(rtype, aid, m.NodeId(i)) for i in unique]
                rels = _by_user(rels)
                await store.upsert([actor], rels, create_only=True)
                info.context.wrote([actor], rels)
        except _Refused as refused:
            return refused.error
        return RegisterActorSuccess(actor=await t.wrap(actor, info))  # type: ignore[arg-type]

    @strawberry.mutation(description="Start an initiative in a place, about one or more themes.")
    async def start_initiative(
        self, info: t.Ctx, input: StartInitiativeInput
    ) -> StartInitiativeResult:
        store = info.context.store
        try:
            with _refusing():
                _require(input.name, "name")
                _require(input.place_code, "placeCode")
                if not input.themes:
                    raise InvalidInput("name at least one theme", field="themes")
                assert input.name is not None and input.place_code is not None
                iid = m.check_id(input.id) if input.id is not None else _new_id("ini")
                initiative = m.Initiative(
                    id=iid,
                    name=input.name.strip(),
                    description=input.description or "",
                    stage=input.stage,
                    started=input.started or "",
                )
                await _expect(store, [input.place_code], _PLACE, "placeCode", "place")
                rels = [m.Relationship(R.LOCATED_IN, iid, m.NodeId(input.place_code))]
                themes = list(dict.fromkeys(input.themes))
                await _expect(store, themes, _THEME, "themes", "theme")
                rels += [m.Relationship(R.ABOUT, iid, m.NodeId(x)) for x in themes]
                founders = list(dict.fromkeys(input.founders or ()))
                await _expect(store, founders, m.ACTOR_KINDS, "founders", "actor")
                rels += [
                    m.Relationship(R.MEMBER_OF, m.NodeId(f), iid, {"role": "initiator"})
                    for f in founders
                ]
                needs = input.needs or []
                for need in needs:
                    _require(need.skill, "needs.skill")
                await _expect(store, [n.skill for n in needs], _SKILL, "needs.skill", "skill")  # type: ignore[misc]
                seen: set[str] = set()
                for need in needs:
                    if need.skill in seen:
                        raise InvalidInput(f"lists skill {need.skill!r} twice", field="needs")
                    seen.add(str(need.skill))
                    rels.append(
                        m.Relationship(
                            R.NEEDS, iid, m.NodeId(str(need.skill)), {"urgency": need.urgency.value}
                        )
                    )
                instruments = list(dict.fromkeys(input.instruments or ()))
                await _expect(store, instruments, _INSTRUMENT, "instruments", "instrument")
                rels += [m.Relationship(R.USES, iid, m.NodeId(x)) for x in instruments]
                rels = _by_user(rels)
                await store.upsert([initiative], rels, create_only=True)
                info.context.wrote([initiative], rels)
        except _Refused as refused:
            return refused.error
        return StartInitiativeSuccess(initiative=await t.wrap(initiative, info))  # type: ignore[arg-type]

    @strawberry.mutation(description="Say that an initiative looks for a skill.")
    async def add_need(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        skill: strawberry.ID | None = None,
        urgency: m.Urgency = m.Urgency.MEDIUM,
        note: str | None = None,
    ) -> AddNeedResult:
        store = info.context.store
        try:
            with _refusing({"source": "initiative", "target": "skill"}):
                _require(initiative, "initiative")
                _require(skill, "skill")
                found = await _expect(
                    store, [str(initiative)], _INITIATIVE, "initiative", "initiative"
                )
                skills = await _expect(store, [str(skill)], _SKILL, "skill", "skill")
                props: dict[str, object] = {"urgency": urgency.value}
                if note:
                    props["note"] = note
                rel = m.Relationship(
                    R.NEEDS, m.NodeId(str(initiative)), m.NodeId(str(skill)), props
                )
                try:
                    (rel,) = _by_user([rel])
                    await store.upsert(rels=[rel], create_only=True)
                    info.context.wrote(rels=[rel])
                except Conflict:
                    raise Conflict(
                        "this initiative already looks for that skill", field="skill"
                    ) from None
        except _Refused as refused:
            return refused.error
        node = found[m.NodeId(str(initiative))]
        return AddNeedSuccess(
            initiative=await t.wrap(node, info),  # type: ignore[arg-type]
            need=t.Need(
                skill=t.Skill.of(skills[m.NodeId(str(skill))]),
                urgency=urgency,
                note=note,
                source=t.Source.of(m.Provenance.USER, ""),
            ),
        )

    @strawberry.mutation(description="An actor joins an initiative (or an enterprise).")
    async def join_initiative(
        self,
        info: t.Ctx,
        actor: strawberry.ID | None = None,
        initiative: strawberry.ID | None = None,
        role: m.MemberRole = m.MemberRole.MEMBER,
        since: str | None = None,
    ) -> JoinInitiativeResult:
        store = info.context.store
        try:
            with _refusing({"source": "actor", "target": "initiative", "since": "since"}):
                _require(actor, "actor")
                _require(initiative, "initiative")
                actors = await _expect(store, [str(actor)], m.ACTOR_KINDS, "actor", "actor")
                groups = await _expect(
                    store,
                    [str(initiative)],
                    frozenset({m.NodeKind.INITIATIVE, m.NodeKind.ENTERPRISE}),
                    "initiative",
                    "initiative or enterprise",
                )
                props = {"role": role.value, "since": since}
                rel = m.Relationship(
                    R.MEMBER_OF, m.NodeId(str(actor)), m.NodeId(str(initiative)), props
                )
                try:
                    (rel,) = _by_user([rel])
                    await store.upsert(rels=[rel], create_only=True)
                    info.context.wrote(rels=[rel])
                except Conflict:
                    raise Conflict("is already a member", field="actor") from None
        except _Refused as refused:
            return refused.error
        return JoinInitiativeSuccess(
            initiative=await t.wrap(groups[m.NodeId(str(initiative))], info),  # type: ignore[arg-type]
            member=t.Member(
                actor=await t.wrap(actors[m.NodeId(str(actor))], info),  # type: ignore[arg-type]
                role=role,
                since=since,
                source=t.Source.of(m.Provenance.USER, ""),
            ),
        )

    @strawberry.mutation(
        description="Tie two actors (KNOWS), two partners (PARTNERS_WITH) or a supporter to "
        "an initiative or enterprise (SUPPORTS, with `how`)."
    )
    async def link(
        self,
        info: t.Ctx,
        type: LinkType | None = None,
        source: Annotated[strawberry.ID | None, strawberry.argument(name="from")] = None,
        target: Annotated[strawberry.ID | None, strawberry.argument(name="to")] = None,
        how: m.SupportHow | None = None,
        since: str | None = None,
    ) -> LinkResult:
        store = info.context.store
        try:
            with _refusing({"source": "from", "target": "to"}):
                _require(type, "type")
                _require(source, "from")
                _require(target, "to")
                assert type is not None
                if type is LinkType.SUPPORTS and how is None:
                    raise InvalidInput("say how: FUNDING, SPACE, ADVICE or CONTRACT", field="how")
                if type is not LinkType.SUPPORTS and how is not None:
                    raise InvalidInput("only SUPPORTS has a `how`", field="how")
                found = await store.get_nodes(
                    [m.check_id(source, "from"), m.check_id(target, "to")]
                )
                for value, field in ((source, "from"), (target, "to")):
                    if m.NodeId(str(value)) not in found:
                        raise NotFound(f"there is no node with id {value!r}", field=field)
                props: dict[str, object] = {"since": since}
                if how is not None:
                    props["how"] = how.value
                rel = m.Relationship(
                    R(type.value), m.NodeId(str(source)), m.NodeId(str(target)), props
                )
                try:
                    (rel,) = _by_user([rel])
                    await store.upsert(rels=[rel], create_only=True)
                    info.context.wrote(rels=[rel])
                except Conflict:
                    raise Conflict("these two are already linked this way", field="to") from None
        except _Refused as refused:
            return refused.error
        return LinkSuccess(
            type=type,
            source=await t.wrap(found[m.NodeId(str(source))], info),
            target=await t.wrap(found[m.NodeId(str(target))], info),
            how=how,
        )
