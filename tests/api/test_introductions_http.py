"""Introductions with consent over real HTTP with the gql client, on every store:
who may ask whom, contact details only after accepting, quiet declines, the warm path
through a person both know, the per-sender rate limit, and erasure."""

from __future__ import annotations

import pytest

from tests.api.server import Server
from tests.introductions_world import (
    ANSWER,
    CONTACT,
    FORWARD,
    REQUEST,
    World,
    build_world,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
async def world(server: Server) -> World:
    return await build_world(server)


async def test_only_members_ask_only_people_they_could_be_suggested(world: World) -> None:
    w = world
    anonymous = await w.request("anonymous", "kim")
    assert anonymous["code"] == "UNAUTHENTICATED", anonymous
    outsider = await w.request("outsider", "kim")
    assert (outsider["code"], outsider["field"]) == ("FORBIDDEN", "initiative"), outsider
    # hidden from sanne, not matchable, not there at all, herself: one and the same answer
    answers = {}
    for who in ("hidden", "shy", f"nobody-{w.tag}", "sanne"):
        got = await w.request("sanne", who)
        answers[who] = (got["code"], got["field"], got["message"].replace(w.ids.get(who, who), "X"))
    assert set(answers.values()) == {
        ("NOT_FOUND", "candidate", "there is no one with id 'X' you can ask for an introduction")
    }, answers
    # nothing was stored for any of them
    assert await w.mine("sanne", "OUT") == []
    assert await w.mine("hidden") == []


async def test_contact_details_flow_only_after_accepting(world: World) -> None:
    w = world
    kim, sanne = w.ids["kim"], w.ids["sanne"]
    # a public profile, but no contact: kim agreed to be seen, not to be mailed by anyone
    seen = (await w.ask("sanne", CONTACT, a=kim))["actor"]
    assert (seen["name"], seen["email"], seen["website"]) == (f"Kim {w.tag}", None, None)
    assert (await w.ask("anonymous", CONTACT, a=kim))["actor"]["email"] is None
    asked = await w.request("sanne", "kim")
    assert asked["__typename"] == "IntroductionSuccess", asked
    intro = asked["introduction"]
    assert (intro["status"], intro["role"]) == ("PENDING", "SENDER")
    assert any("zonnepanelen" in r.lower() or "biedt" in r for r in intro["reasons"]), intro
    again = await w.request("sanne", "kim")
    assert again["code"] == "INVALID_INPUT" and "already asked" in again["message"]

    (incoming,) = await w.mine("kim", "IN")
    assert incoming["id"] == intro["id"] and incoming["role"] == "CANDIDATE"
    # the request names who asks (sanne is private: asking shows herself) and the initiative
    assert incoming["sender"]["name"] == f"Sanne {w.tag}" and not incoming["sender"]["redacted"]
    assert incoming["initiative"]["name"] == f"Energiecoöperatie {w.tag}"
    assert incoming["message"] == "Hoi! Groet van sanne" and incoming["reasons"]
    assert incoming["contact"] is None and incoming["sender"]["email"] is None
    assert (await w.ask("kim", CONTACT, a=sanne))["actor"]["email"] is None

    # only the candidate answers
    for who in ("sanne", "dirk", "anonymous"):
        refused = await w.payload(who, ANSWER, id=intro["id"], a=True)
        assert refused["__typename"] == "Error" and refused["code"] in (
            "NOT_FOUND",
            "UNAUTHENTICATED",
        ), (who, refused)
    ok = await w.payload("kim", ANSWER, id=intro["id"], a=True)
    assert ok["introduction"]["status"] == "ACCEPTED", ok

    (outgoing,) = [i for i in await w.mine("sanne", "OUT") if i["id"] == intro["id"]]
    assert outgoing["status"] == "ACCEPTED"
    assert outgoing["contact"] == {
        "name": f"Kim {w.tag}",
        "email": f"kim.profiel-{w.tag}@example.org",
        "website": "https://kim.example",
    }
    seen = (await w.ask("sanne", CONTACT, a=kim))["actor"]
    assert (seen["email"], seen["website"]) == (
        f"kim.profiel-{w.tag}@example.org",
        "https://kim.example",
    )
    (incoming,) = await w.mine("kim", "IN")
    # sanne has no e-mail on her profile: her account's address is what she shares
    assert incoming["contact"]["email"] == w.emails["sanne"]
    assert (await w.ask("kim", CONTACT, a=sanne))["actor"]["name"] == f"Sanne {w.tag}"
    # nobody else learns anything
    assert (await w.ask("outsider", CONTACT, a=kim))["actor"]["email"] is None
    assert (await w.ask("outsider", CONTACT, a=sanne))["actor"]["redacted"] is True


async def test_declining_is_quiet(world: World) -> None:
    w = world
    asked = await w.request("sanne", "dirk")
    intro = asked["introduction"]
    (incoming,) = await w.mine("dirk", "IN")
    no = await w.payload("dirk", ANSWER, id=incoming["id"], a=False)
    assert no["introduction"]["status"] == "DECLINED"
    (outgoing,) = [i for i in await w.mine("sanne", "OUT") if i["id"] == intro["id"]]
    # the sender sees what she saw before the answer: waiting, no answer time, no contact
    assert (outgoing["status"], outgoing["answered"], outgoing["contact"]) == (
        "PENDING",
        None,
        None,
    )
    assert (await w.ask("sanne", CONTACT, a=w.ids["dirk"]))["actor"]["email"] is None
    assert (await w.ask("dirk", CONTACT, a=w.ids["sanne"]))["actor"]["email"] is None
    twice = await w.payload("dirk", ANSWER, id=incoming["id"], a=True)
    assert twice["code"] == "INVALID_INPUT", twice
    data = (await w.ask("sanne", "{ myData }"))["myData"]
    mine = [i for i in data["introductions"] if i["id"] == intro["id"]]
    assert mine and mine[0]["status"] == "pending" and "declined" not in str(mine)


async def test_warm_path_through_a_person_both_know(world: World) -> None:
    w = world
    # the person in between must know the candidate
    wrong = await w.request("sanne", "kim", via="fatima")
    assert (wrong["code"], wrong["field"]) == ("INVALID_INPUT", "via"), wrong
    asked = await w.request("sanne", "vera", via="fatima")
    assert asked["__typename"] == "IntroductionSuccess", asked
    iid = asked["introduction"]["id"]
    assert await w.mine("vera") == []  # not yet: fatima passes it on first
    (at_fatima,) = await w.mine("fatima", "IN")
    assert (at_fatima["role"], at_fatima["status"]) == ("VIA", "PENDING")
    assert at_fatima["candidate"]["id"] == w.ids["vera"]
    refused = await w.payload("vera", ANSWER, id=iid, a=True)
    assert refused["code"] == "NOT_FOUND", refused
    fwd = await w.payload("fatima", FORWARD, id=iid, f=True)
    assert fwd["introduction"]["status"] == "FORWARDED", fwd
    (at_vera,) = await w.mine("vera", "IN")
    assert at_vera["via"]["name"] == f"Fatima {w.tag}" and at_vera["role"] == "CANDIDATE"
    (out,) = [i for i in await w.mine("sanne", "OUT") if i["id"] == iid]
    assert out["status"] == "FORWARDED"
    ok = await w.payload("vera", ANSWER, id=iid, a=True)
    assert ok["introduction"]["status"] == "ACCEPTED"
    (at_fatima,) = await w.mine("fatima", "IN")
    assert at_fatima["status"] == "FORWARDED" and at_fatima["contact"] is None


async def test_requests_are_rate_limited_per_sender(world: World) -> None:
    w = world
    found = (
        await w.ask(
            "rita",
            "{ actors(kind: [FREELANCER, PROFESSIONAL, ENTERPRISE], first: 60) "
            "{ edges { node { id matchable redacted } } } }",
        )
    )["actors"]["edges"]
    candidates = [
        e["node"]["id"] for e in found if e["node"]["matchable"] and not e["node"]["redacted"]
    ]
    assert len(candidates) >= 6
    for c in candidates[:5]:
        got = await w.request("rita", c)
        assert got["__typename"] == "IntroductionSuccess", got
    sixth = await w.request("rita", candidates[5])
    assert sixth["code"] == "RATE_LIMITED", sixth
    assert "the limit is 5 per hour" in sixth["message"] and "ask again after" in sixth["message"]
    # another sender has a budget of her own
    other = await w.request("ema", candidates[5])
    assert other["__typename"] == "IntroductionSuccess", other


async def test_suggestions_only_name_people_the_viewer_could_contact(world: World) -> None:
    w = world
    query = (
        "query($i: ID!) { suggestPartners(initiative: $i, first: 100) { actor { id } } "
        "suggestCoalition(initiative: $i, size: 10) { members { actor { id } } } }"
    )
    for viewer in ("sanne", "outsider", "anonymous"):
        got = await w.ask(viewer, query, i=w.ids["INI"])
        named = {s["actor"]["id"] for s in got["suggestPartners"]}
        named |= {x["actor"]["id"] for x in got["suggestCoalition"]["members"]}
        assert w.ids["hidden"] not in named, viewer  # private: no one could reach her
        assert w.ids["shy"] not in named, viewer  # did not agree to be suggested
    # the hidden one has what the initiative needs: an admin (who sees her) gets her
    got = await w.ask("admin", query, i=w.ids["INI"])
    assert w.ids["hidden"] in {s["actor"]["id"] for s in got["suggestPartners"]}
    assert w.ids["shy"] not in {s["actor"]["id"] for s in got["suggestPartners"]}
    # and what is suggested to sanne, she can ask for
    suggested = (await w.ask("sanne", query, i=w.ids["INI"]))["suggestPartners"]
    asked = await w.payload("sanne", REQUEST, i=w.ids["INI"], c=suggested[-1]["actor"]["id"])
    assert asked["__typename"] == "IntroductionSuccess" or "already asked" in asked["message"]


async def test_erasure_removes_introductions_both_sides(world: World) -> None:
    w = world
    asked = await w.request("ema", "kim")
    assert asked["__typename"] == "IntroductionSuccess", asked
    iid = asked["introduction"]["id"]
    assert iid in {i["id"] for i in await w.mine("kim", "IN")}
    data = (await w.ask("kim", "{ myData }"))["myData"]
    assert iid in {i["id"] for i in data["introductions"]}
    erased = await w.payload("ema", "mutation { eraseMe { __typename } }")
    assert erased["__typename"] == "Done", erased
    assert iid not in {i["id"] for i in await w.mine("kim", "IN")}
