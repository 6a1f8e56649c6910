"""Mutations. Each validates everything before writing anything, writes in one
transaction, and answers ``Success | Error`` where the error names the field.

Input fields a user must fill are nullable in the schema on purpose: a missing
value then reaches the resolver and comes back as an ``Error`` naming the field
(which a form can show beside it), not as a GraphQL validation failure.

Every mutation asks :mod:`api.policy` who may do it; a refusal is an ``Error``
with code ``UNAUTHENTICATED`` or ``FORBIDDEN`` naming what was refused. Joining
and ties between people live in :mod:`api.ties`, profile and consent in
:mod:`api.profile`, changing and deleting initiatives in :mod:`api.initiatives`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import Annotated

import strawberry

from api import policy
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
    RATE_LIMITED = "RATE_LIMITED"


@strawberry.type(description="Why a mutation did not happen. `field` names the input at fault.")
class Error:
    code: ErrorCode
    field: str | None
    message: str


class Refused(Exception):
    def __init__(self, error: Error) -> None:
        self.error = error


def _error(exc: GraphError, fields: Mapping[str, str] | None = None) -> Error:
    field = exc.field
    if field is not None and fields:
        field = fields.get(field, field)
    code = ErrorCode(exc.code) if exc.code in ErrorCode.__members__ else ErrorCode.INVALID_INPUT
    return Error(code=code, field=field, message=exc.message)


def require(value: object, field: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("is required", field=field)


@contextmanager
def refusing(fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn any GraphError inside into an Error naming the (mutation's) field."""
    try:
        yield
    except GraphError as exc:
        raise Refused(_error(exc, fields)) from exc


async def expect_nodes(
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


def by_user(rels: list[m.Relationship]) -> list[m.Relationship]:
    """Mark relationships made through the API as the user's (see ``m.rel_provenance``)."""
    return [
        m.Relationship.trusted(r.type, r.source, r.target, {**r.props, "provenance": "user"})
        for r in rels
    ]


async def expect_one(
    info: t.Ctx, node_id: object, kinds: frozenset[m.NodeKind], field: str, what: str
) -> m.Node:
    """The node ``node_id`` names, or an error naming ``field`` (required, must exist)."""
    require(node_id, field)
    found = await expect_nodes(info.context.store, [str(node_id)], kinds, field, what)
    return found[m.NodeId(str(node_id))]


async def acting_actor(info: t.Ctx, actor: object, what: str) -> m.Actor:
    """The actor a mutation is for: the viewer's own by default, or one it may act for
    (a body it is staff of); refused otherwise, naming ``what``."""
    circle = info.context.circle
    policy.require_signed_in(circle, what)
    if actor is None:
        if circle.viewer.actor_id is None:
            raise policy.Forbidden("register yourself first", field="actor")
        actor = circle.viewer.actor_id
    node = await expect_one(info, actor, m.ACTOR_KINDS, "actor", "actor")
    policy.require_acts_for(circle, node, what, "actor")
    assert isinstance(node, m.Actor)
    return node


async def _inside(store: GraphStore, place: str, gemeenten: frozenset[str]) -> bool:
    """True when ``place`` is one of ``gemeenten`` or lies (transitively) inside one."""
    cur, seen = place, 0
    while seen < 8:
        if cur in gemeenten:
            return True
        up = (await store.neighbours([m.NodeId(cur)], types=[R.PART_OF])).get(m.NodeId(cur))
        if not up:
            return False
        cur, seen = up[0].node.id, seen + 1
    return False


async def _may_register(info: t.Ctx, kind: m.ActorKind, place_code: str | None) -> None:
    """Register yourself; admins (and officers, in their gemeente) may register bodies."""
    circle = info.context.circle
    viewer = circle.viewer
    policy.require_signed_in(circle, "register")
    if m.NodeKind(kind.value) in m.PERSON_KINDS:
        if viewer.actor_id is not None:
            raise policy.Forbidden(
                "you have a profile already (change it with updateProfile); people "
                "register themselves",
                field="kind",
            )
        return
    if viewer.is_admin:
        return
    officer = viewer.officer_of and place_code is not None
    if officer and await _inside(info.context.store, str(place_code), viewer.officer_of):
        return
    raise policy.Forbidden(
        "only admins, and officers of the gemeente it is in, may register a body", field="kind"
    )


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
SKILL = frozenset({m.NodeKind.SKILL})
THEME = frozenset({m.NodeKind.THEME})
PLACE = frozenset({m.NodeKind.PLACE})
INSTRUMENT = frozenset({m.NodeKind.INSTRUMENT})
INITIATIVE = frozenset({m.NodeKind.INITIATIVE})


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
        default=None,
        description="Who starts it, joining as INITIATOR: you (the default) and bodies you "
        "act for; invite anyone else.",
    )
    visibility: m.Visibility = strawberry.field(
        default=m.Visibility.PUBLIC,
        description="PUBLIC; NETWORK or PRIVATE: shown in full to its members only.",
    )
    needs: list[NeedInput] | None = None
    instruments: list[strawberry.ID] | None = None


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


RegisterActorResult = Annotated[
    RegisterActorSuccess | Error, strawberry.union("RegisterActorResult")
]
StartInitiativeResult = Annotated[
    StartInitiativeSuccess | Error, strawberry.union("StartInitiativeResult")
]
AddNeedResult = Annotated[AddNeedSuccess | Error, strawberry.union("AddNeedResult")]


# --- resolvers ----------------------------------------------------------------------


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register yourself (a resident, ZZP'er or professional) when your account "
        "has no profile yet; admins, and officers in their gemeente, register bodies."
    )
    async def register_actor(self, info: t.Ctx, input: RegisterActorInput) -> RegisterActorResult:
        store = info.context.store
        try:
            with refusing():
                require(input.kind, "kind")
                require(input.name, "name")
                assert input.kind is not None and input.name is not None
                await _may_register(info, input.kind, input.place_code)
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
                    await expect_nodes(store, [input.place_code], PLACE, "placeCode", "place")
                    located = R.LIVES_IN if actor.node_kind in m.PERSON_KINDS else R.LOCATED_IN
                    rels.append(m.Relationship(located, aid, m.NodeId(input.place_code)))
                for ids, rtype, kinds, field, what in (
                    (input.skills, R.HAS_SKILL, SKILL, "skills", "skill"),
                    (input.offers, R.OFFERS, SKILL, "offers", "skill"),
                    (input.interests, R.INTERESTED_IN, THEME, "interests", "theme"),
                ):
                    unique = list(dict.fromkeys(ids or ()))
                    await expect_nodes(store, unique, kinds, field, what)
                    rels += [m.Relationship(rtype, aid, m.NodeId(i)) for i in unique]
                rels = by_user(rels)
                await store.upsert([actor], rels, create_only=True)
                info.context.wrote([actor], rels)
                await _bind(info, actor)
        except Refused as refused:
            return refused.error
        return RegisterActorSuccess(actor=await t.wrap(actor, info))  # type: ignore[arg-type]

    @strawberry.mutation(description="Start an initiative in a place, about one or more themes.")
    async def start_initiative(
        self, info: t.Ctx, input: StartInitiativeInput
    ) -> StartInitiativeResult:
        store = info.context.store
        try:
            with refusing():
                require(input.name, "name")
                require(input.place_code, "placeCode")
                if not input.themes:
                    raise InvalidInput("name at least one theme", field="themes")
                assert input.name is not None and input.place_code is not None
                founders = await _founders(info, input.founders)
                iid = m.check_id(input.id) if input.id is not None else _new_id("ini")
                initiative = m.Initiative(
                    id=iid,
                    name=input.name.strip(),
                    description=input.description or "",
                    stage=input.stage,
                    started=input.started or "",
                    visibility=input.visibility,
                )
                await expect_nodes(store, [input.place_code], PLACE, "placeCode", "place")
                rels = [m.Relationship(R.LOCATED_IN, iid, m.NodeId(input.place_code))]
                themes = list(dict.fromkeys(input.themes))
                await expect_nodes(store, themes, THEME, "themes", "theme")
                rels += [m.Relationship(R.ABOUT, iid, m.NodeId(x)) for x in themes]
                rels += [
                    m.Relationship(R.MEMBER_OF, m.NodeId(f), iid, {"role": "initiator"})
                    for f in founders
                ]
                needs = input.needs or []
                for need in needs:
                    require(need.skill, "needs.skill")
                await expect_nodes(store, [n.skill for n in needs], SKILL, "needs.skill", "skill")  # type: ignore[misc]
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
                await expect_nodes(store, instruments, INSTRUMENT, "instruments", "instrument")
                rels += [m.Relationship(R.USES, iid, m.NodeId(x)) for x in instruments]
                rels = by_user(rels)
                await store.upsert([initiative], rels, create_only=True)
                info.context.wrote([initiative], rels)
                await info.context.see_as_viewer()
        except Refused as refused:
            return refused.error
        return StartInitiativeSuccess(initiative=await t.wrap(initiative, info))  # type: ignore[arg-type]

    @strawberry.mutation(description="Say that an initiative looks for a skill (coordinators).")
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
            with refusing({"source": "initiative", "target": "skill"}):
                require(initiative, "initiative")
                require(skill, "skill")
                found = await expect_nodes(
                    store, [str(initiative)], INITIATIVE, "initiative", "initiative"
                )
                policy.require_coordinator(
                    info.context.circle,
                    found[m.NodeId(str(initiative))],
                    "add a need",
                    "initiative",
                )
                skills = await expect_nodes(store, [str(skill)], SKILL, "skill", "skill")
                props: dict[str, object] = {"urgency": urgency.value}
                if note:
                    props["note"] = note
                rel = m.Relationship(
                    R.NEEDS, m.NodeId(str(initiative)), m.NodeId(str(skill)), props
                )
                try:
                    (rel,) = by_user([rel])
                    await store.upsert(rels=[rel], create_only=True)
                    info.context.wrote(rels=[rel])
                except Conflict:
                    raise Conflict(
                        "this initiative already looks for that skill", field="skill"
                    ) from None
        except Refused as refused:
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


async def _founders(info: t.Ctx, given: list[strawberry.ID] | None) -> list[str]:
    """Who starts an initiative: the viewer and bodies it acts for, never anyone else."""
    circle = info.context.circle
    policy.require_signed_in(circle, "start an initiative")
    founders = [str(f) for f in dict.fromkeys(given or ())]
    if not founders:
        if circle.viewer.actor_id is None:
            raise policy.Forbidden(
                "register yourself first, or name a body you act for", field="founders"
            )
        founders = [circle.viewer.actor_id]
    found = await expect_nodes(info.context.store, founders, m.ACTOR_KINDS, "founders", "actor")
    for f in founders:
        if not circle.acts_for(f, found[m.NodeId(f)]):
            raise policy.Forbidden(
                f"you may not start an initiative for {f!r}; invite them instead",
                field="founders",
            )
    return founders


async def _bind(info: t.Ctx, actor: m.Actor) -> None:
    """A person registering themselves becomes the actor of their account."""
    ctx = info.context
    if actor.node_kind not in m.PERSON_KINDS or ctx.viewer.account_id is None:
        return
    if ctx.identity is not None:
        await ctx.identity.bind_actor(ctx.viewer.account_id, actor.id)
    ctx.viewer = dataclasses.replace(ctx.viewer, actor_id=actor.id)
    await ctx.see_as_viewer()
