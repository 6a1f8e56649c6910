"""Meetings: events in GraphQL, ``suggestInvitees``, and the iCalendar download.

An event (expert meeting, workshop, presentation, network meeting) has organisers
(ORGANISES), a place (LOCATED_IN), themes (ABOUT) and invitations with answers
(INVITED_TO ``{rsvp, reason}``). Invitations respect consent: only matchable
actors can be invited, as only they can be suggested.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo

import icalendar
import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from api import policy
from api import types as t
from api.matching import _index
from api.mutations import Error, Refused, by_user, expect_nodes, refusing, require
from api.relay import Connection, connection
from graph import model as m
from graph.errors import InvalidInput
from graph.store import Direction, GraphStore, NodeFilter
from matching.invitees import SEAT_LABEL, suggest_invitees

R = m.RelType
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_EVENT = frozenset({m.NodeKind.EVENT})


@strawberry.enum(description="The seats of a varied room (see suggestInvitees).")
class Seat(Enum):
    RESIDENT_LEAD = "resident_lead"
    PROFESSIONAL = "professional"
    MUNICIPAL = "municipal"
    ENTREPRENEUR = "entrepreneur"
    FUNDER = "funder"
    WIJKONDERNEMING = "wijkonderneming"


@strawberry.type(description="Someone to invite, the seat they fill and why.")
class SuggestedInvitee:
    actor: t.Actor
    seat: Seat
    seat_label: str
    seats: list[Seat] = strawberry.field(description="Every seat they could fill.")
    score: float
    reasons: list[str]


@strawberry.type(description="A varied room for a meeting, and the seats nobody could fill.")
class InviteeRoom:
    invitees: list[SuggestedInvitee]
    missing: list[Seat]


@strawberry.input
class CreateEventInput:
    name: str
    starts: str = strawberry.field(description="ISO date and time, e.g. 2026-03-12T19:30.")
    kind: m.EventKind = m.EventKind.NETWORK_MEETING
    ends: str | None = None
    description: str | None = None
    organisers: list[strawberry.ID] | None = None
    place_code: str | None = None
    themes: list[strawberry.ID] | None = None
    id: strawberry.ID | None = None


@strawberry.type
class EventSuccess:
    event: t.Event


EventResult = Annotated[EventSuccess | Error, strawberry.union("EventResult")]


@strawberry.type(description="An event the signed-in person is invited to, and their answer.")
class MyInvitation:
    event: t.Event
    rsvp: m.Rsvp
    reason: str | None = strawberry.field(description="Why they were invited.")


@strawberry.type
class EventQuery:
    @strawberry.field(description="An event by id.")
    async def event(self, info: t.Ctx, id: strawberry.ID) -> t.Event | None:
        found = await info.context.nodes.load(str(id))
        return t.Event.of(found) if isinstance(found, m.Event) else None

    @strawberry.field(description="Events, in id order; `place` includes everything inside it.")
    async def events(
        self,
        info: t.Ctx,
        place: str | None = None,
        first: int = t.DEFAULT_PAGE,
        after: str | None = None,
    ) -> Connection[t.Event]:
        flt = NodeFilter(kinds=_EVENT, place=m.NodeId(place) if place else None)
        page = await info.context.store.list_nodes(flt, first=first, after=after)
        return connection(page, [t.Event.of(n) for n in page.items], after=after)

    @strawberry.field(
        description="The events the signed-in person is invited to, soonest first, with "
        "their answer (answer with `answerInvitation`). Empty when signed out or without "
        "a profile."
    )
    async def my_invitations(self, info: t.Ctx) -> list[MyInvitation]:
        actor = info.context.circle.viewer.actor_id
        if not actor:
            return []
        found = await info.context.store.neighbours(
            [m.NodeId(actor)], types=[R.INVITED_TO], direction=Direction.OUT
        )
        mine = [
            MyInvitation(
                event=t.Event.of(n.node),
                rsvp=m.Rsvp(n.rel.props.get("rsvp", "invited")),
                reason=n.rel.props.get("reason") or None,
            )
            for n in found.get(m.NodeId(actor), [])
            if isinstance(n.node, m.Event)
        ]
        return sorted(mine, key=lambda x: (x.event.starts, str(x.event.id)))

    @strawberry.field(
        description="Who should be in the room for a meeting on `theme` in `place`: a varied "
        "set (residents at the helm of initiatives on the theme, a wijkprofessional, a "
        "gemeente officer (a person working for the gemeente, the gemeente itself only when "
        "no officer may be suggested), local entrepreneurs and ZZP'ers, a funder (a funding "
        "body first), a wijkonderneming that has done it before), local and experienced "
        "people first. Only matchable actors."
    )
    async def suggest_invitees(
        self,
        info: t.Ctx,
        theme: strawberry.ID,
        place: str,
        size: int = 8,
        lang: t.Lang | None = None,
    ) -> InviteeRoom:
        room = suggest_invitees(_index(info), str(theme), place, size=size)
        language = lang.value if lang is not None else info.context.lang
        found = await info.context.store.get_nodes([m.NodeId(x.actor) for x in room.invitees])
        pick = 1 if language == "en" else 0
        return InviteeRoom(
            invitees=[
                SuggestedInvitee(
                    actor=await t.wrap(found[m.NodeId(x.actor)], info),  # type: ignore[arg-type]
                    seat=Seat(x.seat.value),
                    seat_label=SEAT_LABEL[x.seat][pick],
                    seats=[Seat(s.value) for s in x.seats],
                    score=x.score,
                    reasons=[r[pick] for r in x.reasons],
                )
                for x in room.invitees
                # only people the viewer may see in full (api.policy)
                if m.NodeId(x.actor) in found and info.context.circle.sees(found[m.NodeId(x.actor)])
            ],
            missing=[Seat(s.value) for s in room.missing],
        )


@strawberry.type
class EventMutation:
    @strawberry.mutation(description="Plan an event: organisers, place, themes, date and time.")
    async def create_event(self, info: t.Ctx, input: CreateEventInput) -> EventResult:
        store = info.context.store
        circle = info.context.circle
        try:
            with refusing():
                policy.require_signed_in(circle, "plan an event")
                eid = m.check_id(input.id) if input.id else m.NodeId(f"evt-{uuid.uuid4().hex[:12]}")
                event = m.Event(
                    id=eid,
                    name=input.name.strip(),
                    event_type=input.kind,
                    starts=input.starts,
                    ends=input.ends or "",
                    description=input.description or "",
                )
                rels: list[m.Relationship] = []
                organisers = list(dict.fromkeys(input.organisers or ()))
                if not organisers and circle.viewer.actor_id is not None:
                    organisers = [strawberry.ID(circle.viewer.actor_id)]
                hosts = await expect_nodes(store, organisers, m.ACTOR_KINDS, "organisers", "actor")
                for host in organisers:
                    # you plan as yourself, or for a body you may act for
                    policy.require_acts_for(
                        circle, hosts[m.NodeId(host)], "plan an event", "organisers"
                    )
                rels += [m.Relationship(R.ORGANISES, m.NodeId(o), eid) for o in organisers]
                if input.place_code:
                    await expect_nodes(
                        store,
                        [input.place_code],
                        frozenset({m.NodeKind.PLACE}),
                        "placeCode",
                        "place",
                    )
                    rels.append(m.Relationship(R.LOCATED_IN, eid, m.NodeId(input.place_code)))
                themes = list(dict.fromkeys(input.themes or ()))
                await expect_nodes(store, themes, frozenset({m.NodeKind.THEME}), "themes", "theme")
                rels += [m.Relationship(R.ABOUT, eid, m.NodeId(x)) for x in themes]
                rels = by_user(rels)
                await store.upsert([event], rels, create_only=True)
                info.context.wrote([event], rels)
        except Refused as refused:
            return refused.error
        return EventSuccess(event=t.Event.of(event))

    @strawberry.mutation(
        description="Invite actors to an event, each with a reason. Only matchable actors "
        "(who said they may be suggested) can be invited."
    )
    async def invite_to_event(
        self,
        info: t.Ctx,
        event: strawberry.ID,
        actors: list[strawberry.ID],
        reason: str | None = None,
    ) -> EventResult:
        store = info.context.store
        circle = info.context.circle
        try:
            with refusing():
                policy.require_signed_in(circle, "invite people to an event")
                found = await expect_nodes(store, [str(event)], _EVENT, "event", "event")
                await _require_organiser(store, circle, str(event), "invite people to this event")
                people = await expect_nodes(
                    store, [str(a) for a in actors], m.ACTOR_KINDS, "actors", "actor"
                )
                for node in people.values():
                    # one answer for "hidden from you" and "did not agree": it confirms nothing
                    if not (isinstance(node, m.Actor) and node.matchable and circle.sees(node)):
                        raise InvalidInput(
                            f"{node.id!r} cannot be invited: only people who agreed to be "
                            "suggested and whom you may see",
                            field="actors",
                        )
                rels = by_user(
                    [
                        m.Relationship(
                            R.INVITED_TO,
                            m.NodeId(str(a)),
                            m.NodeId(str(event)),
                            {"rsvp": "invited", "reason": reason},
                        )
                        for a in dict.fromkeys(actors)
                    ]
                )
                await store.upsert(rels=rels)
                info.context.wrote(rels=rels)
        except Refused as refused:
            return refused.error
        return EventSuccess(event=t.Event.of(found[m.NodeId(str(event))]))

    @strawberry.mutation(description="An invitee answers: yes, no or maybe.")
    async def answer_invitation(
        self, info: t.Ctx, event: strawberry.ID, actor: strawberry.ID, rsvp: m.Rsvp
    ) -> EventResult:
        store = info.context.store
        circle = info.context.circle
        try:
            with refusing():
                require(rsvp, "rsvp")
                policy.require_signed_in(circle, "answer an invitation")
                who = await expect_nodes(store, [str(actor)], m.ACTOR_KINDS, "actor", "actor")
                policy.require_acts_for(
                    circle, who[m.NodeId(str(actor))], "answer an invitation", "actor"
                )
                found = await expect_nodes(store, [str(event)], _EVENT, "event", "event")
                invited = await store.neighbours(
                    [m.NodeId(str(event))], types=[R.INVITED_TO], direction=Direction.IN
                )
                old = next(
                    (
                        n.rel
                        for n in invited.get(m.NodeId(str(event)), [])
                        if n.node.id == str(actor)
                    ),
                    None,
                )
                if old is None:
                    raise InvalidInput(f"{str(actor)!r} is not invited", field="actor")
                rel = m.Relationship(
                    R.INVITED_TO, old.source, old.target, {**old.props, "rsvp": rsvp.value}
                )
                await store.upsert(rels=[rel])
                info.context.wrote(rels=[rel])
        except Refused as refused:
            return refused.error
        return EventSuccess(event=t.Event.of(found[m.NodeId(str(event))]))


async def _require_organiser(
    store: GraphStore, circle: policy.Circle, event_id: str, what: str
) -> None:
    """Refuse unless the viewer may act for one of the event's organisers (admins may)."""
    hosts = await store.neighbours(
        [m.NodeId(event_id)], types=[R.ORGANISES], direction=Direction.IN
    )
    if policy.organises(circle, [n.node for n in hosts.get(m.NodeId(event_id), [])]):
        return
    raise policy.Forbidden(f"only an organiser of this event may {what}", field="event")


# --- iCalendar --------------------------------------------------------------------------


def _when(value: str) -> datetime:
    when = datetime.fromisoformat(value)
    return when if when.tzinfo is not None else when.replace(tzinfo=AMSTERDAM)


def event_ics(
    event: m.Event, *, organisers: list[str], place: str | None, themes: list[str], host: str
) -> bytes:
    """One event as an iCalendar file (RFC 5545) with a stable UID."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//wijknet//events//NL")
    cal.add("version", "2.0")
    vevent = icalendar.Event()
    vevent.add("uid", f"{event.id}@{host}")
    vevent.add("summary", event.name)
    vevent.add("dtstart", _when(event.starts))
    if event.ends:
        vevent.add("dtend", _when(event.ends))
    vevent.add("dtstamp", datetime.now(tz=AMSTERDAM))
    lines = [event.description] if event.description else []
    if organisers:
        lines.append("Organisatie: " + ", ".join(organisers))
    if themes:
        lines.append("Thema's: " + ", ".join(themes))
    if lines:
        vevent.add("description", "\n".join(lines))
    if place:
        vevent.add("location", place)
    vevent.add("categories", [event.event_type.value, *themes])
    cal.add_component(vevent)
    return bytes(cal.to_ical())


async def ics_for(store: GraphStore, event_id: str, host: str) -> bytes | None:
    found = await store.get_nodes([m.NodeId(event_id)])
    event = found.get(m.NodeId(event_id))
    if not isinstance(event, m.Event):
        return None
    out = await store.neighbours([event.id], types=[R.LOCATED_IN, R.ABOUT])
    into = await store.neighbours([event.id], types=[R.ORGANISES], direction=Direction.IN)
    place = next((n.node for n in out.get(event.id, []) if isinstance(n.node, m.Place)), None)
    themes = [n.node.label for n in out.get(event.id, []) if isinstance(n.node, m.Theme)]
    organisers = [
        n.node.name
        for n in into.get(event.id, [])
        if isinstance(n.node, m.Actor) and n.node.visibility is m.Visibility.PUBLIC
    ]
    where = (place.display_name or place.name) if place is not None else None
    return event_ics(event, organisers=organisers, place=where, themes=themes, host=host)


async def download(request: Request) -> Response:
    """``/events/{id}.ics``."""
    store = request.app.state.store
    body = await ics_for(store, request.path_params["id"], request.url.hostname or "wijknet")
    if body is None:
        return Response("no such event\n", status_code=404, media_type="text/plain")
    name = request.path_params["id"]
    return Response(
        body,
        media_type="text/calendar",
        headers={"content-disposition": f'attachment; filename="{name}.ics"'},
    )


def routes() -> list[BaseRoute]:
    return [Route("/events/{id}.ics", download)]
