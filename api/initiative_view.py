"""What one viewer sees of the people around an initiative, beyond its members:
pending requests to join and open invitations (for its coordinators), where the
viewer stands with it, and which members cover each need.

The fields live on ``Initiative`` and ``Need`` (:mod:`api.types`); what they may
show is asked of :mod:`api.policy`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from api import policy
from api import types as t
from graph import model as m
from graph.store import Direction, Neighbour

if TYPE_CHECKING:
    from api.ties import MembershipStatus

R = m.RelType


async def _pending(info: t.Ctx, group: m.Node, found: list[Neighbour]) -> list[t.Member]:
    circle = info.context.circle
    found = [n for n in found if policy.sees_pending(circle, group.id, n.node.id)]
    actors = await t.wrap_all([n.node for n in found], info, ("actor",))
    return [
        t.Member(
            actor=actor,  # type: ignore[arg-type]
            role=_role(n.rel),
            since=n.rel.props.get("since"),
            source=t.Source.of_rel(n.rel, n.node, group),
        )
        for n, actor in zip(found, actors, strict=True)
    ]


def _role(rel: m.Relationship) -> m.MemberRole | None:
    role = rel.props.get("role")
    return m.MemberRole(role) if role else None


async def join_requests(info: t.Ctx, group: m.Node) -> list[t.Member]:
    """Who asked to join ``group`` and waits for a coordinator (REQUESTS)."""
    found = await info.context.neighbours(group.id, [R.REQUESTS], Direction.IN)
    return await _pending(info, group, found)


async def open_invitations(info: t.Ctx, group: m.Node) -> list[t.Member]:
    """Whom ``group`` invited and who has not answered yet (INVITES)."""
    found = await info.context.neighbours(group.id, [R.INVITES])
    return await _pending(info, group, found)


async def viewer_status(info: t.Ctx, group: m.Node) -> MembershipStatus:
    """Where the viewer's own actor stands with ``group``."""
    from api.ties import MembershipStatus

    me = info.context.circle.viewer.actor_id
    if me is None:
        return MembershipStatus.NONE
    ctx = info.context
    if any(n.node.id == me for n in await ctx.neighbours(group.id, [R.MEMBER_OF], Direction.IN)):
        return MembershipStatus.MEMBER
    if any(n.node.id == me for n in await ctx.neighbours(group.id, [R.INVITES])):
        return MembershipStatus.INVITED
    if any(n.node.id == me for n in await ctx.neighbours(group.id, [R.REQUESTS], Direction.IN)):
        return MembershipStatus.REQUESTED
    return MembershipStatus.NONE


async def covered_by(info: t.Ctx, group_id: str, skill_id: str) -> list[t.Actor]:
    """Members of the group whom the viewer sees in full and who have or offer the skill.

    Only members seen in full count: the skills of anyone else are not the viewer's to
    know, so a need covered only by a hidden member shows as open.
    """
    ctx = info.context
    members = await ctx.neighbours(group_id, [R.MEMBER_OF], Direction.IN)
    shown = [n.node for n in members if policy.reveals_skills(ctx.circle, n.node)]
    having = await asyncio.gather(*(ctx.neighbours(a.id, [R.HAS_SKILL, R.OFFERS]) for a in shown))
    found = [
        actor
        for actor, skills in zip(shown, having, strict=True)
        if any(s.node.id == skill_id for s in skills)
    ]
    return await t.wrap_all(found, info, ())  # type: ignore[return-value]
