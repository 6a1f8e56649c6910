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
    # the invitee reads their own invitation only; the organiser reads every answer
    assert [i["actor"]["id"] for i in answered["event"]["invitations"]] == [ids[0]]
    async with gql_session(server, staff.token) as lsa:
        q = "query($e: ID!) { event(id: $e) { invitations { actor { id } rsvp } } }"
        listed = (await run(lsa, q, e=eid))["event"]["invitations"]
    rsvps = {i["actor"]["id"]: i["rsvp"] for i in listed}
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


REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on RegisterActorSuccess { actor { id } } ... on Error { message } } }"""
READ = """query($e: ID!) { event(id: $e) { invitations { actor { id } rsvp reason }
  answerCounts { invited yes maybe no waiting } } }"""


async def test_who_reads_an_events_invitations(server: Server) -> None:
    """Who is invited and what they answered: the organisers and admins read every
    invitation, the invitee their own, anyone else none; counts cover only invitees the
    viewer may see, so they say nothing about a hidden invitee. The same through
    ``node(id)`` and ``events``."""
    tag = uuid.uuid4().hex[:8]
    admin = await make_account(server, admin=True)
    hidden, public = await make_account(server), await make_account(server)
    people = {
        "vera": (hidden, "RESIDENT", f"Verborgen Vera {tag}", "PRIVATE"),
        "olga": (public, "FREELANCER", f"Open Olga {tag}", "PUBLIC"),
    }
    ids = {}
    for who, (creds, kind, name, visibility) in people.items():
        async with gql_session(server, creds.token) as own:
            got = (
                await run(
                    own,
                    REGISTER,
                    input={
                        "id": f"{who}-{tag}",
                        "kind": kind,
                        "name": name,
                        "visibility": visibility,
                        "matchable": True,
                        "placeCode": "GM0518",
                    },
                )
            )["registerActor"]
        assert got["__typename"] == "RegisterActorSuccess", got
        ids[who] = f"{who}-{tag}"
    staff = await make_account(server, staff_of=["org-lsa-bewoners"])
    other = await make_account(server)
    eid = f"evt-{tag}"
    plan = {
        "id": eid,
        "name": f"Workshop {tag}",
        "starts": "2026-04-01T10:00",
        "organisers": ["org-lsa-bewoners"],
        "placeCode": "GM0518",
    }
    async with gql_session(server, admin.token) as session:
        assert (await run(session, CREATE, input=plan))["createEvent"]["__typename"] == (
            "EventSuccess"
        )
        invite = """mutation($e: ID!, $a: [ID!]!, $r: String) {
          inviteToEvent(event: $e, actors: $a, reason: $r) { __typename } }"""
        await run(session, invite, e=eid, a=[ids["vera"]], r=f"waarom vera {tag}")
        await run(session, invite, e=eid, a=[ids["olga"]], r=f"waarom olga {tag}")
    answer = """mutation($e: ID!, $a: ID!, $r: Rsvp!) {
      answerInvitation(event: $e, actor: $a, rsvp: $r) { __typename } }"""
    for creds, who, rsvp in ((hidden, "vera", "YES"), (public, "olga", "NO")):
        async with gql_session(server, creds.token) as own:
            got = (await run(own, answer, e=eid, a=ids[who], r=rsvp))["answerInvitation"]
            assert got["__typename"] == "EventSuccess"

    both = {ids["vera"]: "YES", ids["olga"]: "NO"}
    only_olga = {"invited": 1, "yes": 0, "maybe": 0, "no": 1, "waiting": 0}
    all_counts = {"invited": 2, "yes": 1, "maybe": 0, "no": 1, "waiting": 0}
    expect = {  # viewer: (invitations it reads, counts it gets)
        "anonymous": (None, {}, only_olga),
        "other": (other.token, {}, only_olga),
        "invitee": (hidden.token, {ids["vera"]: "YES"}, all_counts),
        "organiser": (staff.token, both, all_counts),
        "admin": (admin.token, both, all_counts),
    }
    node_q = READ.replace("event(id: $e) {", "node(id: $e) { ... on Event {") + " }"
    list_q = (
        '{ events(place: "GM0518", first: 500) { edges { node { id invitations { actor '
        "{ id } rsvp } answerCounts { invited yes maybe no waiting } } } } }"
    )
    for viewer, (token, invitations, counts) in expect.items():
        async with gql_session(server, token) as session:
            read = await run(session, READ, e=eid)
            by_node = await run(session, node_q, e=eid)
            listed = await run(session, list_q)
        event = read["event"]
        assert by_node["node"] == event, viewer
        (in_list,) = [e["node"] for e in listed["events"]["edges"] if e["node"]["id"] == eid]
        assert in_list["invitations"] == [
            {"actor": i["actor"], "rsvp": i["rsvp"]} for i in event["invitations"]
        ], viewer
        assert in_list["answerCounts"] == counts, viewer
        got = {i["actor"]["id"]: i["rsvp"] for i in event["invitations"]}
        assert got == invitations, viewer
        assert event["answerCounts"] == counts, viewer
        text = str(read)
        if viewer in ("anonymous", "other"):
            # nothing about vera, nor about why anyone was invited
            assert ids["vera"] not in text and "waarom" not in text, viewer
        if viewer == "invitee":
            assert event["invitations"][0]["reason"] == f"waarom vera {tag}"
            assert ids["olga"] not in text and f"waarom olga {tag}" not in text
