"""Meetings over real HTTP: plan one, ask who should be in the room, invite them, answer,
and download it as iCalendar that the ``icalendar`` package reads back."""

from __future__ import annotations

import uuid
from datetime import datetime

import httpx
import icalendar
import pytest
from gql.client import AsyncClientSession

from tests.api.conftest import run
from tests.api.server import Server
from tests.identity_helpers import gql_session, make_account

pytestmark = pytest.mark.slow

CREATE = """mutation($input: CreateEventInput!) { createEvent(input: $input) {
  __typename ... on EventSuccess { event { id name kind starts icsUrl source { kind }
    organisers { id } place { code } themes { id } } }
  ... on Error { code field message } } }"""
SUGGEST = """query($theme: ID!, $place: String!, $size: Int!) {
  suggestInvitees(theme: $theme, place: $place, size: $size, lang: EN) {
    invitees { actor { id matchable } seat seatLabel seats score reasons } missing } }"""
INVITE = """mutation($event: ID!, $actors: [ID!]!) {
  inviteToEvent(event: $event, actors: $actors, reason: "expertmeeting energie") {
    __typename ... on Error { code field message } } }"""
ANSWER = """mutation($event: ID!, $actor: ID!) {
  answerInvitation(event: $event, actor: $actor, rsvp: YES) {
    __typename ... on EventSuccess { event { invitations { actor { id } rsvp reason
      source { kind } } } } ... on Error { message } } }"""


async def test_plan_invite_answer_and_download_an_event(
    server: Server, client: AsyncClientSession
) -> None:
    eid = f"evt-{uuid.uuid4().hex[:8]}"
    plan = {
        "id": eid,
        "name": "Expertmeeting buurtenergie",
        "kind": "EXPERT_MEETING",
        "starts": "2026-03-12T19:30",
        "ends": "2026-03-12T21:30",
        "organisers": ["org-lsa-bewoners"],
        "placeCode": "GM0518",
        "themes": ["theme-energy"],
    }
    # nobody plans for a body anonymously, nor for a body they are not staff of
    anonymous = (await run(client, CREATE, input=plan))["createEvent"]
    assert anonymous["__typename"] == "Error" and anonymous["code"] == "UNAUTHENTICATED"
    outsider = await make_account(server)
    async with gql_session(server, outsider.token) as session:
        refused = (await run(session, CREATE, input=plan))["createEvent"]
    assert refused["__typename"] == "Error" and refused["code"] == "FORBIDDEN"
    assert refused["field"] == "organisers"

    staff = await make_account(server, staff_of=["org-lsa-bewoners"])
    async with gql_session(server, staff.token) as lsa:
        made = await run(lsa, CREATE, input=plan)
        event = made["createEvent"]["event"]
        assert event["kind"] == "EXPERT_MEETING" and event["source"]["kind"] == "USER"
        assert event["organisers"] == [{"id": "org-lsa-bewoners"}]
        assert event["place"]["code"] == "GM0518" and event["themes"] == [{"id": "theme-energy"}]

        room = await run(lsa, SUGGEST, theme="theme-energy", place="GM0518", size=8)
        invitees = room["suggestInvitees"]["invitees"]
        assert invitees and all(x["actor"]["matchable"] for x in invitees)
        assert len({x["seat"] for x in invitees}) >= 3  # a varied room
        assert all(x["reasons"][0].startswith("as ") for x in invitees)
        ids = [x["actor"]["id"] for x in invitees]
        async with gql_session(server, outsider.token) as other:
            # only an organiser invites
            refused = (await run(other, INVITE, event=eid, actors=ids))["inviteToEvent"]
            assert refused["__typename"] == "Error" and refused["code"] == "FORBIDDEN"
        invited = await run(lsa, INVITE, event=eid, actors=ids)
        assert invited["inviteToEvent"]["__typename"] == "EventSuccess"
        # the organiser cannot answer for an invitee
        for_them = (await run(lsa, ANSWER, event=eid, actor=ids[0]))["answerInvitation"]
        assert for_them["__typename"] == "Error"

    invitee = await make_account(server, actor=ids[0])
    async with gql_session(server, invitee.token) as own:
        mine = "{ myInvitations { event { id name } rsvp reason } }"
        before = [i for i in (await run(own, mine))["myInvitations"] if i["event"]["id"] == eid]
        assert before == [
            {
                "event": {"id": eid, "name": "Expertmeeting buurtenergie"},
                "rsvp": "INVITED",
                "reason": "expertmeeting energie",
            }
        ]
        answered = (await run(own, ANSWER, event=eid, actor=ids[0]))["answerInvitation"]
        after = [i for i in (await run(own, mine))["myInvitations"] if i["event"]["id"] == eid]
        assert after[0]["rsvp"] == "YES"
    assert (await run(client, "{ myInvitations { rsvp } }"))["myInvitations"] == []
    rsvps = {i["actor"]["id"]: i["rsvp"] for i in answered["event"]["invitations"]}
    assert rsvps[ids[0]] == "YES" and all(rsvps[i] == "INVITED" for i in ids[1:])

    response = httpx.get(server.base + event["icsUrl"], timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["summary"]) == "Expertmeeting buurtenergie"
    start = vevent.decoded("dtstart")
    assert isinstance(start, datetime) and (start.hour, start.minute) == (19, 30)
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert vevent.decoded("dtend") > start
    assert "Den Haag" in str(vevent["location"]) or "Gravenhage" in str(vevent["location"])
    assert str(vevent["uid"]).startswith(eid)
    assert httpx.get(f"{server.base}/events/nope.ics", timeout=10).status_code == 404


async def test_only_matchable_actors_can_be_invited(server: Server) -> None:
    admin = await make_account(server, admin=True)
    async with gql_session(server, admin.token) as client:
        q = """{ actors(kind: [RESIDENT], first: 200) { edges { node { id matchable } } } }"""
        residents = [e["node"] for e in (await run(client, q))["actors"]["edges"]]
        hidden = next(r["id"] for r in residents if not r["matchable"])
        eid = f"evt-{uuid.uuid4().hex[:8]}"
        plan = {"id": eid, "name": "Workshop", "starts": "2026-04-01T10:00"}
        await run(client, CREATE, input={**plan, "organisers": ["org-lsa-bewoners"]})
        refused = (await run(client, INVITE, event=eid, actors=[hidden]))["inviteToEvent"]
        assert refused["__typename"] == "Error" and refused["field"] == "actors"
