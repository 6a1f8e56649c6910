"""Introductions with consent: ask, forward (the person in between), answer, list.

Every step asks :mod:`api.policy`. The sender must be in the initiative; the
candidate (and the person in between) must be someone the sender could be suggested:
matchable and seen in full; anything else is refused with the same words as an id
that does not exist, so a refusal confirms nothing hidden. Contact details flow only
when the candidate accepts (:meth:`api.policy.Circle.shows_contact`); declining is
quiet: the sender keeps seeing "waiting", after 30 days "no answer", never "declined".
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from limits import RateLimitItem, parse_many

from api import policy
from api.introductions import mails
from api.introductions.model import Introduction, IntroState, Role
from api.introductions.store import IntroductionStore
from graph import model as m
from graph.errors import GraphError, InvalidInput, NotFound
from graph.store import Direction
from graph.text import check_text
from matching.suggest import MAX_K, suggest_partners

if TYPE_CHECKING:
    from api.context import Context
    from api.identity import Identity

log = logging.getLogger("wijknet.introductions")

#: Requests one sender may make: per hour and per day (``limits`` notation).
DEFAULT_LIMIT = "5/hour;20/day"
MAX_MESSAGE = 1000


class RateLimited(GraphError):
    """The sender asked for too many introductions lately."""

    code = "RATE_LIMITED"


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _missing(field: str, value: str) -> NotFound:
    # one answer for "does not exist", "hidden from you" and "did not agree to be suggested"
    return NotFound(
        f"there is no one with id {value!r} you can ask for an introduction", field=field
    )


def _store(ctx: Context) -> tuple[Identity, IntroductionStore]:
    identity = ctx.identity
    if identity is None or identity.introductions is None:
        raise policy.Unauthenticated("sign in to ask for introductions")
    return identity, identity.introductions


def _me(ctx: Context, what: str) -> str:
    circle = ctx.circle
    policy.require_signed_in(circle, what)
    if circle.viewer.actor_id is None:
        raise policy.Forbidden("register yourself first", field="actor")
    return circle.viewer.actor_id


@dataclass(frozen=True, slots=True)
class Consent:
    """What a viewer's introductions open up (see :func:`api.policy.circle_of`)."""

    asking: frozenset[str] = frozenset()
    introduced: frozenset[str] = frozenset()


async def consent_of(store: IntroductionStore | None, actor_id: str | None) -> Consent:
    """Who asks ``actor_id`` for an introduction (sender, initiative, and for the
    candidate the person in between), and whom it was introduced to (accepted)."""
    if store is None or actor_id is None:
        return Consent()
    asking: set[str] = set()
    introduced: set[str] = set()
    for intro in await store.of_actor(actor_id):
        role = intro.role_of(actor_id)
        if intro.state is IntroState.ACCEPTED and role in (Role.SENDER, Role.CANDIDATE):
            introduced.add(intro.candidate_id if role is Role.SENDER else intro.sender_id)
        if role in (Role.CANDIDATE, Role.VIA):
            asking.update((intro.sender_id, intro.initiative_id))
            if role is Role.CANDIDATE and intro.via_id:
                asking.add(intro.via_id)
    return Consent(frozenset(asking), frozenset(introduced))


async def _reasons(
    ctx: Context, initiative: str, candidate: m.Actor
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The suggestion's reasons for ``candidate``, naming only what both the sender and
    the candidate may see (the candidate reads them)."""
    index = ctx.index
    if index is None:
        return (), ()
    theirs = await policy.circle_of(policy.Viewer(actor_id=candidate.id), ctx.store)
    mine, yours = ctx.circle.shown(index), theirs.shown(index)
    try:
        found = suggest_partners(index, initiative, k=MAX_K, shown=lambda i: mine(i) and yours(i))
    except GraphError:
        return (), ()
    for s in found:
        if s.actor == candidate.id:
            return tuple(r.text("nl") for r in s.reasons), tuple(r.text("en") for r in s.reasons)
    return (), ()


def _limits(identity: Identity) -> list[RateLimitItem]:
    return parse_many(getattr(identity.config, "introduction_limit", DEFAULT_LIMIT))


def _check_rate(sent: Sequence[Introduction], items: list[RateLimitItem], at: datetime) -> None:
    for item in items:
        window = timedelta(seconds=item.get_expiry())
        recent = sorted(i.created for i in sent if i.created > at - window)
        if len(recent) >= item.amount:
            free = recent[len(recent) - item.amount] + window
            raise RateLimited(
                f"you asked for {len(recent)} introductions in the last "
                f"{_per(item)}; the limit is {item.amount} per {_per(item)}. "
                f"You can ask again after {free:%Y-%m-%d %H:%M} UTC",
                field="candidate",
            )


def _per(item: RateLimitItem) -> str:
    multiples = f"{item.multiples} " if item.multiples != 1 else ""
    return f"{multiples}{item.GRANULARITY.name}"


async def request(
    ctx: Context,
    initiative_id: str | None,
    candidate_id: str | None,
    via_id: str | None = None,
    message: str | None = None,
) -> Introduction:
    """Ask ``candidate_id`` (directly, or through ``via_id``) to meet an initiative."""
    identity, store = _store(ctx)
    me = _me(ctx, "ask for an introduction")
    circle = ctx.circle
    if not initiative_id:
        raise InvalidInput("is required", field="initiative")
    if not candidate_id:
        raise InvalidInput("is required", field="candidate")
    text = (message or "").strip()
    check_text(text, "message", limit=MAX_MESSAGE)
    found = await ctx.store.get_nodes(
        [m.check_id(x, f) for x, f in ((initiative_id, "initiative"), (candidate_id, "candidate"))]
        + ([m.check_id(via_id, "via")] if via_id else [])
    )
    group = found.get(m.NodeId(initiative_id))
    if not isinstance(group, m.Initiative) or not circle.sees(group):
        raise NotFound(f"there is no initiative with id {initiative_id!r}", field="initiative")
    members = await ctx.store.neighbours(
        [group.id], types=[m.RelType.MEMBER_OF], direction=Direction.IN
    )
    in_group = {n.node.id for n in members.get(group.id, [])}
    if me not in in_group and not circle.coordinator_of(group.id):
        raise policy.Forbidden(
            "only a member of this initiative may ask for introductions for it", field="initiative"
        )
    candidate = found.get(m.NodeId(candidate_id))
    if (
        not isinstance(candidate, m.Actor)
        or not candidate.matchable
        or not circle.sees(candidate)
        or candidate.id in circle.acts_as
    ):
        raise _missing("candidate", candidate_id)
    via: m.Actor | None = None
    if via_id:
        node = found.get(m.NodeId(via_id))
        if not isinstance(node, m.Actor) or not circle.sees(node) or node.id in (me, candidate.id):
            raise _missing("via", via_id)
        via = node
        # the person in between knows the candidate (a tie the sender sees: it sees both)
        ties = await ctx.store.neighbours(
            [via.id], types=[m.RelType.KNOWS], direction=Direction.BOTH
        )
        if candidate.id not in {n.node.id for n in ties.get(via.id, [])}:
            raise InvalidInput(
                "the person in between must know the candidate (a KNOWS tie)", field="via"
            )
    sent = [i for i in await store.of_actor(me) if i.sender_id == me]
    if any(i.candidate_id == candidate.id and i.initiative_id == group.id for i in sent):
        raise InvalidInput(
            "you already asked this person for an introduction to this initiative",
            field="candidate",
        )
    at = now()
    _check_rate(sent, _limits(identity), at)
    nl, en = await _reasons(ctx, group.id, candidate)
    intro = Introduction(
        id=f"intro-{secrets.token_hex(8)}",
        initiative_id=group.id,
        sender_id=me,
        candidate_id=candidate.id,
        via_id=via.id if via else None,
        reasons_nl=nl,
        reasons_en=en,
        message=text,
        created=at,
    )
    await store.add(intro)
    sender = found.get(m.NodeId(me)) or (await ctx.store.get_nodes([m.NodeId(me)])).get(
        m.NodeId(me)
    )
    assert isinstance(sender, m.Actor)
    if via is not None:
        await mails.ask_via(
            identity, intro, sender, group, candidate, via, await mails.address(identity, via)
        )
    else:
        await mails.ask(
            identity,
            intro,
            sender,
            group,
            candidate,
            None,
            await mails.address(identity, candidate),
        )
    return intro


async def _own(ctx: Context, intro_id: str | None, role: Role, what: str) -> Introduction:
    """The introduction ``intro_id`` in which the viewer has ``role``; else NotFound."""
    _, store = _store(ctx)
    me = _me(ctx, what)
    if not intro_id:
        raise InvalidInput("is required", field="id")
    intro = await store.get(intro_id)
    if intro is None or intro.role_of(me) is not role:
        raise NotFound(f"you have no introduction with id {intro_id!r} to {what}", field="id")
    return intro


async def answer(ctx: Context, intro_id: str | None, accept: bool | None) -> Introduction:
    """The candidate says yes (contact details flow both ways) or no (quietly)."""
    identity, store = _store(ctx)
    intro = await _own(ctx, intro_id, Role.CANDIDATE, "answer")
    if accept is None:
        raise InvalidInput("is required", field="accept")
    if intro.state not in (IntroState.PENDING, IntroState.FORWARDED):
        raise InvalidInput("you already answered this introduction", field="id")
    if not accept:
        done = replace(
            intro, state=IntroState.DECLINED, answered=now(), declined_by=intro.candidate_id
        )
        await store.update(done)
        return done
    done = replace(intro, state=IntroState.ACCEPTED, answered=now())
    await store.update(done)
    nodes = await ctx.store.get_nodes(
        [m.NodeId(intro.sender_id), m.NodeId(intro.candidate_id), m.NodeId(intro.initiative_id)]
    )
    sender, candidate = (
        nodes.get(m.NodeId(intro.sender_id)),
        nodes.get(m.NodeId(intro.candidate_id)),
    )
    group = nodes.get(m.NodeId(intro.initiative_id))
    if (
        isinstance(sender, m.Actor)
        and isinstance(candidate, m.Actor)
        and isinstance(group, m.Initiative)
    ):
        await mails.accepted(identity, done, sender, candidate, group)
    return done


async def forward(ctx: Context, intro_id: str | None, go_on: bool | None) -> Introduction:
    """The person in between passes the request on to the candidate, or declines (quietly)."""
    identity, store = _store(ctx)
    intro = await _own(ctx, intro_id, Role.VIA, "forward")
    if go_on is None:
        raise InvalidInput("is required", field="forward")
    if intro.state is not IntroState.PENDING:
        raise InvalidInput("you already answered this request", field="id")
    if not go_on:
        done = replace(intro, state=IntroState.DECLINED, answered=now(), declined_by=intro.via_id)
        await store.update(done)
        return done
    done = replace(intro, state=IntroState.FORWARDED)
    await store.update(done)
    ids = [
        m.NodeId(x)
        for x in (intro.sender_id, intro.candidate_id, intro.initiative_id, intro.via_id or "")
    ]
    nodes = await ctx.store.get_nodes(ids)
    sender, candidate, group, via = (nodes.get(i) for i in ids)
    if (
        isinstance(sender, m.Actor)
        and isinstance(candidate, m.Actor)
        and isinstance(group, m.Initiative)
        and isinstance(via, m.Actor)
    ):
        await mails.ask(
            identity, done, sender, group, candidate, via, await mails.address(identity, candidate)
        )
    return done


async def mine(ctx: Context) -> list[tuple[Introduction, Role]]:
    """The viewer's introductions (as sender, candidate or person in between), newest first."""
    identity = ctx.identity
    me = ctx.circle.viewer.actor_id
    if identity is None or identity.introductions is None or me is None:
        return []
    out = []
    for intro in await identity.introductions.of_actor(me):
        role = intro.role_of(me)
        if role is not None:
            out.append((intro, role))
    return out
