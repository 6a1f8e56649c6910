"""Mutations that tie actors to each other and to groups, each with the consent of
both sides.

Joining is a request (``REQUESTS``) that a coordinator of the group accepts, or
an invitation (``INVITES``) that the invitee accepts. ``link KNOWS`` is a
request the other side accepts; ``PARTNERS_WITH``, ``SUPPORTS`` and
``WORKS_FOR`` are made by someone who may act for the body. A pending request
is private to its two sides. Who may do what is asked of :mod:`api.policy`.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from api import policy
from api import types as t
from api.mutations import (
    Error,
    Refused,
    acting_actor,
    by_user,
    expect_one,
    refusing,
    require,
)
from graph import model as m
from graph.errors import Conflict, InvalidInput, NotFound

R = m.RelType
_GROUPS = frozenset({m.NodeKind.INITIATIVE, m.NodeKind.ENTERPRISE})
_ANY = frozenset(m.NodeKind)


@strawberry.enum(description="Where an actor stands with a group after a change.")
class MembershipStatus(Enum):
    MEMBER = "MEMBER"
    REQUESTED = "REQUESTED"
    INVITED = "INVITED"
    NONE = "NONE"


@strawberry.enum(description="Ties that `link` can make.")
class LinkType(Enum):
    KNOWS = "KNOWS"
    PARTNERS_WITH = "PARTNERS_WITH"
    SUPPORTS = "SUPPORTS"
    WORKS_FOR = "WORKS_FOR"


@strawberry.enum(description="Where a tie stands after a change.")
class TieStatus(Enum):
    LINKED = "LINKED"
    REQUESTED = "REQUESTED"
    NONE = "NONE"


@strawberry.type(description="`member` is null while the request awaits a coordinator.")
class JoinInitiativeSuccess:
    initiative: t.Initiative
    member: t.Member | None
    status: MembershipStatus


@strawberry.type
class MembershipSuccess:
    initiative: t.Initiative
    actor: t.Actor
    status: MembershipStatus


@strawberry.type(description="A KNOWS tie waits for the other side (status REQUESTED).")
class LinkSuccess:
    type: LinkType
    source: t.Node = strawberry.field(name="from")
    target: t.Node = strawberry.field(name="to")
    how: m.SupportHow | None
    status: TieStatus


JoinInitiativeResult = Annotated[
    JoinInitiativeSuccess | Error, strawberry.union("JoinInitiativeResult")
]
MembershipResult = Annotated[MembershipSuccess | Error, strawberry.union("MembershipResult")]
LinkResult = Annotated[LinkSuccess | Error, strawberry.union("LinkResult")]


# --- helpers ---------------------------------------------------------------------------


async def _rel(info: t.Ctx, rtype: m.RelType, source: str, target: str) -> m.Relationship | None:
    """The stored relationship of this key (symmetric types in either order), or None."""
    probe = m.Relationship.trusted(rtype, source, target, {})
    found = await info.context.store.neighbours([m.NodeId(probe.source)], types=[rtype])
    for n in found.get(m.NodeId(probe.source), []):
        if n.rel.target == probe.target:
            return n.rel
    return None


async def _member(
    info: t.Ctx, actor: m.Node, group: m.Node, role: str | None, since: str | None
) -> m.Relationship:
    """Make ``actor`` a member and drop what was pending between the two."""
    ctx = info.context
    (rel,) = by_user(
        [
            m.Relationship(
                R.MEMBER_OF, actor.id, group.id, {"role": role or "member", "since": since}
            )
        ]
    )
    await ctx.store.upsert(rels=[rel])
    ctx.wrote(rels=[rel])
    pending = [
        m.Relationship.trusted(R.REQUESTS, actor.id, group.id, {}),
        m.Relationship.trusted(R.INVITES, group.id, actor.id, {}),
    ]
    await ctx.store.delete(rels=pending)
    await ctx.see_as_viewer()
    return rel


async def _membership(
    info: t.Ctx, group: m.Node, actor: m.Node, status: MembershipStatus
) -> MembershipSuccess:
    return MembershipSuccess(
        initiative=await t.wrap(group, info),  # type: ignore[arg-type]
        actor=await t.wrap(actor, info),  # type: ignore[arg-type]
        status=status,
    )


async def _may_tie(info: t.Ctx, rtype: LinkType, source: m.Node, target: m.Node) -> None:
    """Who may make (or undo) a tie: the side that may act for it."""
    circle = info.context.circle
    what = f"tie {source.id!r} to {target.id!r} ({rtype.value})"
    policy.require_signed_in(circle, what)

    def acts(node: m.Node) -> bool:
        return circle.acts_for(node.id, node) or (
            node.node_kind is m.NodeKind.INITIATIVE and circle.coordinator_of(node.id)
        )

    if rtype is LinkType.WORKS_FOR:
        if not acts(target):
            raise policy.Forbidden(
                "only someone who may act for the employer may say who works there", field="to"
            )
    elif not acts(source):
        raise policy.Forbidden(f"you may not {what} for someone else", field="from")


# --- resolvers ---------------------------------------------------------------------------


@strawberry.type
class TieMutation:
    @strawberry.mutation(
        description="Ask to join an initiative or enterprise (as yourself, or a body you act "
        "for); a coordinator accepts. Accepts at once when the group invited you."
    )
    async def join_initiative(
        self,
        info: t.Ctx,
        actor: strawberry.ID | None = None,
        initiative: strawberry.ID | None = None,
        role: m.MemberRole = m.MemberRole.MEMBER,
        since: str | None = None,
    ) -> JoinInitiativeResult:
        try:
            with refusing({"source": "actor", "target": "initiative"}):
                require(initiative, "initiative")
                who = await acting_actor(info, actor, "join")
                group = await expect_one(
                    info, initiative, _GROUPS, "initiative", "initiative or enterprise"
                )
                ask = m.Relationship(
                    R.REQUESTS, who.id, group.id, {"role": role.value, "since": since}
                )
                if await _rel(info, R.MEMBER_OF, who.id, group.id):
                    raise Conflict("is already a member", field="actor")
                invited = await _rel(info, R.INVITES, group.id, who.id)
                if invited is not None:
                    rel = await _member(info, who, group, invited.props.get("role"), since)
                    member = t.Member(
                        actor=await t.wrap(who, info),  # type: ignore[arg-type]
                        role=m.MemberRole(rel.props["role"]),
                        since=since,
                        source=t.Source.of(m.Provenance.USER, ""),
                    )
                    return JoinInitiativeSuccess(
                        initiative=await t.wrap(group, info),  # type: ignore[arg-type]
                        member=member,
                        status=MembershipStatus.MEMBER,
                    )
                if await _rel(info, R.REQUESTS, who.id, group.id):
                    raise Conflict("you asked to join already", field="initiative")
                await info.context.store.upsert(rels=[ask])
        except Refused as refused:
            return refused.error
        return JoinInitiativeSuccess(
            initiative=await t.wrap(group, info),  # type: ignore[arg-type]
            member=None,
            status=MembershipStatus.REQUESTED,
        )

    @strawberry.mutation(description="Leave a group (or withdraw a request to join it).")
    async def leave_initiative(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
    ) -> MembershipResult:
        try:
            with refusing():
                require(initiative, "initiative")
                who = await acting_actor(info, actor, "leave")
                group = await expect_one(info, initiative, _GROUPS, "initiative", "initiative")
                rels = [
                    r
                    for r in (
                        await _rel(info, R.MEMBER_OF, who.id, group.id),
                        await _rel(info, R.REQUESTS, who.id, group.id),
                    )
                    if r is not None
                ]
                if not rels:
                    raise NotFound("is not a member and did not ask to join", field="actor")
                await info.context.store.delete(rels=rels)
                info.context.removed(rels)
                await info.context.see_as_viewer()
        except Refused as refused:
            return refused.error
        return await _membership(info, group, who, MembershipStatus.NONE)

    @strawberry.mutation(
        description="Invite an actor to join (coordinators); accepts at once when they asked."
    )
    async def invite_to_initiative(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
        role: m.MemberRole = m.MemberRole.MEMBER,
    ) -> MembershipResult:
        try:
            with refusing():
                group = await expect_one(info, initiative, _GROUPS, "initiative", "initiative")
                policy.require_coordinator(info.context.circle, group, "invite", "initiative")
                who = await expect_one(info, actor, m.ACTOR_KINDS, "actor", "actor")
                if await _rel(info, R.MEMBER_OF, who.id, group.id):
                    raise Conflict("is already a member", field="actor")
                asked = await _rel(info, R.REQUESTS, who.id, group.id)
                if asked is not None:
                    await _member(info, who, group, role.value, asked.props.get("since"))
                    return await _membership(info, group, who, MembershipStatus.MEMBER)
                if await _rel(info, R.INVITES, group.id, who.id):
                    raise Conflict("is invited already", field="actor")
                invite = m.Relationship(R.INVITES, group.id, who.id, {"role": role.value})
                await info.context.store.upsert(rels=[invite])
        except Refused as refused:
            return refused.error
        return await _membership(info, group, who, MembershipStatus.INVITED)

    @strawberry.mutation(description="Accept a request to join (coordinators).")
    async def accept_join_request(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
    ) -> MembershipResult:
        return await _answer_request(info, initiative, actor, accept=True)

    @strawberry.mutation(description="Decline a request to join (coordinators).")
    async def decline_join_request(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
    ) -> MembershipResult:
        return await _answer_request(info, initiative, actor, accept=False)

    @strawberry.mutation(description="Accept an invitation to join (as yourself or a body).")
    async def accept_invitation(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
    ) -> MembershipResult:
        return await _answer_invitation(info, initiative, actor, accept=True)

    @strawberry.mutation(description="Decline an invitation to join.")
    async def decline_invitation(
        self,
        info: t.Ctx,
        initiative: strawberry.ID | None = None,
        actor: strawberry.ID | None = None,
    ) -> MembershipResult:
        return await _answer_invitation(info, initiative, actor, accept=False)

    @strawberry.mutation(
        description="Tie two actors: KNOWS from yourself (the other side accepts it with "
        "acceptKnows), PARTNERS_WITH and SUPPORTS (with `how`) for a body or initiative you "
        "act for, WORKS_FOR (a professional to a body you act for)."
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
        ctx = info.context
        status = TieStatus.LINKED
        try:
            with refusing({"source": "from", "target": "to"}):
                require(type, "type")
                assert type is not None
                if type is LinkType.SUPPORTS and how is None:
                    raise InvalidInput("say how: FUNDING, SPACE, ADVICE or CONTRACT", field="how")
                if type is not LinkType.SUPPORTS and how is not None:
                    raise InvalidInput("only SUPPORTS has a `how`", field="how")
                a = await expect_one(info, source, _ANY, "from", "node")
                b = await expect_one(info, target, _ANY, "to", "node")
                props: dict[str, object] = {"since": since}
                if how is not None:
                    props["how"] = how.value
                rel = m.Relationship(R(type.value), a.id, b.id, props)
                m.check_endpoints(rel, a.node_kind, b.node_kind)
                (rel,) = by_user([rel])
                await _may_tie(info, type, a, b)
                if await _rel(info, rel.type, a.id, b.id):
                    raise Conflict("these two are already linked this way", field="to")
                if type is LinkType.KNOWS:
                    if await _rel(info, R.REQUESTS, b.id, a.id):  # they asked first: agreed
                        await ctx.store.upsert(rels=[rel])
                        await ctx.store.delete(rels=[m.Relationship(R.REQUESTS, b.id, a.id)])
                        ctx.wrote(rels=[rel])
                        await ctx.see_as_viewer()
                    else:
                        if await _rel(info, R.REQUESTS, a.id, b.id):
                            raise Conflict("you asked already", field="to")
                        ask = m.Relationship(R.REQUESTS, a.id, b.id, {"since": since})
                        await ctx.store.upsert(rels=[ask])
                        status = TieStatus.REQUESTED
                else:
                    await ctx.store.upsert(rels=[rel], create_only=True)
                    ctx.wrote(rels=[rel])
        except Refused as refused:
            return refused.error
        return LinkSuccess(
            type=type,
            source=await t.wrap(a, info),
            target=await t.wrap(b, info),
            how=how,
            status=status,
        )

    @strawberry.mutation(
        description="Undo a tie (or withdraw a KNOWS request), by whoever may make it, or "
        "either side of a KNOWS."
    )
    async def unlink(
        self,
        info: t.Ctx,
        type: LinkType | None = None,
        source: Annotated[strawberry.ID | None, strawberry.argument(name="from")] = None,
        target: Annotated[strawberry.ID | None, strawberry.argument(name="to")] = None,
    ) -> LinkResult:
        ctx = info.context
        try:
            with refusing({"source": "from", "target": "to"}):
                require(type, "type")
                assert type is not None
                a = await expect_one(info, source, _ANY, "from", "node")
                b = await expect_one(info, target, _ANY, "to", "node")
                if type is LinkType.KNOWS and ctx.circle.acts_for(b.id, b):
                    a, b = b, a  # either side may end a KNOWS
                await _may_tie(info, type, a, b)
                found = [await _rel(info, R(type.value), a.id, b.id)]
                if type is LinkType.KNOWS:
                    found.append(await _rel(info, R.REQUESTS, a.id, b.id))
                rels = [r for r in found if r is not None]
                if not rels:
                    raise NotFound("there is no such tie", field="to")
                await ctx.store.delete(rels=rels)
                ctx.removed(rels)
                await ctx.see_as_viewer()
        except Refused as refused:
            return refused.error
        return LinkSuccess(
            type=type,
            source=await t.wrap(a, info),
            target=await t.wrap(b, info),
            how=None,
            status=TieStatus.NONE,
        )

    @strawberry.mutation(description="Accept someone's request to know you (or a body).")
    async def accept_knows(
        self,
        info: t.Ctx,
        source: Annotated[strawberry.ID | None, strawberry.argument(name="from")] = None,
        actor: strawberry.ID | None = None,
    ) -> LinkResult:
        return await _answer_knows(info, source, actor, accept=True)

    @strawberry.mutation(description="Decline someone's request to know you.")
    async def decline_knows(
        self,
        info: t.Ctx,
        source: Annotated[strawberry.ID | None, strawberry.argument(name="from")] = None,
        actor: strawberry.ID | None = None,
    ) -> LinkResult:
        return await _answer_knows(info, source, actor, accept=False)


async def _answer_request(
    info: t.Ctx, initiative: strawberry.ID | None, actor: strawberry.ID | None, *, accept: bool
) -> MembershipResult:
    try:
        with refusing():
            group = await expect_one(info, initiative, _GROUPS, "initiative", "initiative")
            verb = "accept" if accept else "decline"
            policy.require_coordinator(info.context.circle, group, f"{verb} requests", "initiative")
            who = await expect_one(info, actor, m.ACTOR_KINDS, "actor", "actor")
            asked = await _rel(info, R.REQUESTS, who.id, group.id)
            if asked is None:
                raise NotFound("there is no request to join from this actor", field="actor")
            if accept:
                await _member(info, who, group, asked.props.get("role"), asked.props.get("since"))
                return await _membership(info, group, who, MembershipStatus.MEMBER)
            await info.context.store.delete(rels=[asked])
    except Refused as refused:
        return refused.error
    return await _membership(info, group, who, MembershipStatus.NONE)


async def _answer_invitation(
    info: t.Ctx, initiative: strawberry.ID | None, actor: strawberry.ID | None, *, accept: bool
) -> MembershipResult:
    try:
        with refusing():
            require(initiative, "initiative")
            who = await acting_actor(info, actor, "answer an invitation")
            group = await expect_one(info, initiative, _GROUPS, "initiative", "initiative")
            invited = await _rel(info, R.INVITES, group.id, who.id)
            if invited is None:
                raise NotFound("there is no invitation to this actor", field="initiative")
            if accept:
                await _member(info, who, group, invited.props.get("role"), None)
                return await _membership(info, group, who, MembershipStatus.MEMBER)
            await info.context.store.delete(rels=[invited])
            await info.context.see_as_viewer()
    except Refused as refused:
        return refused.error
    return await _membership(info, group, who, MembershipStatus.NONE)


async def _answer_knows(
    info: t.Ctx, source: strawberry.ID | None, actor: strawberry.ID | None, *, accept: bool
) -> LinkResult:
    ctx = info.context
    try:
        with refusing({"source": "from"}):
            require(source, "from")
            me = await acting_actor(info, actor, "answer a request")
            other = await expect_one(info, source, m.ACTOR_KINDS, "from", "actor")
            asked = await _rel(info, R.REQUESTS, other.id, me.id)
            if asked is None:
                raise NotFound("there is no request from this actor", field="from")
            if accept:
                (rel,) = by_user(
                    [m.Relationship(R.KNOWS, other.id, me.id, {"since": asked.props.get("since")})]
                )
                await ctx.store.upsert(rels=[rel])
                ctx.wrote(rels=[rel])
            await ctx.store.delete(rels=[asked])
            await ctx.see_as_viewer()
    except Refused as refused:
        return refused.error
    return LinkSuccess(
        type=LinkType.KNOWS,
        source=await t.wrap(other, info),
        target=await t.wrap(me, info),
        how=None,
        status=TieStatus.LINKED if accept else TieStatus.NONE,
    )
