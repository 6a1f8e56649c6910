"""The policy over real HTTP with the gql client, on every store: who may change what
(role x mutation, allowed and refused) and who may see what (viewer x sensitive fact,
through every way of reading), and consent taking effect on the next request.

One world per server, built through the API itself by accounts with tokens:

* ``gerda``: a private, matchable resident in buurt BU05181785, with an e-mail,
  a skill, an interest, a KNOWS tie to ``nico`` and a membership of ``INI``.
* ``nico``: a resident of ``network`` visibility, member of ``INI``, known to
  ``friend`` and to ``gerda``.
* ``coord``: a public ZZP'er who started the public initiative ``INI``.
* ``ENT``: a private enterprise (admin-made), its ``staff`` account acts for it.
* ``member``: a signed-in resident tied to no one; ``officer`` of GM0518; ``admin``.
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.conftest import run
from tests.api.server import Server
from tests.identity_helpers import gql_session, make_account

pytestmark = pytest.mark.slow

BUURT, WIJK = "BU05181785", "WK051817"
SKILL, THEME = "skill-solar-installation", "theme-energy"
ROLES = ("anonymous", "member", "coordinator", "staff", "officer", "admin")


@dataclass
class World:
    server: Server
    tag: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)

    async def ask(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        # a session per request: an idle keep-alive connection may be closed by the server
        async with gql_session(self.server, self.tokens[who]) as session:
            return await run(session, query, **variables)

    async def payload(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        (value,) = (await self.ask(who, query, **variables)).values()
        return value  # type: ignore[no-any-return]


REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on RegisterActorSuccess { actor { id } } ... on Error { code field message } } }"""
START = """mutation($input: StartInitiativeInput!) { startInitiative(input: $input) {
  __typename ... on StartInitiativeSuccess { initiative { id } }
  ... on Error { code field message } } }"""
ERR = "__typename ... on Error { code field message }"


@pytest.fixture(scope="session")
async def world(server: Server) -> World:
    tag = uuid.uuid4().hex[:8]
    w = World(server, tag)
    w.tokens["anonymous"] = None
    people = {
        "gerda": ("RESIDENT", f"Geheime Gerda {tag}", "PRIVATE", True, BUURT),
        "nico": ("RESIDENT", f"Netwerk Nico {tag}", "NETWORK", True, WIJK),
        "friend": ("RESIDENT", f"Vriend Frits {tag}", "PRIVATE", False, WIJK),
        "member": ("RESIDENT", f"Lid Lotte {tag}", "PRIVATE", False, WIJK),
        "coordinator": ("FREELANCER", f"Coordinator Cor {tag}", "PUBLIC", True, WIJK),
        "staff": ("PROFESSIONAL", f"Staf Stan {tag}", "PUBLIC", True, WIJK),
    }
    for who, (kind, name, visibility, matchable, place) in people.items():
        creds = await make_account(server, email=f"{who}-{tag}@example.org")
        w.tokens[who] = creds.token
        aid = f"{who[:3]}-{tag}"
        extra = (
            {"email": f"{who}-{tag}@example.org", "skills": [SKILL], "interests": [THEME]}
            if who in ("gerda", "nico")
            else {}
        )
        got = await w.payload(
            who,
            REGISTER,
            input={
                "id": aid,
                "kind": kind,
                "name": name,
                "visibility": visibility,
                "matchable": matchable,
                "placeCode": place,
                **extra,
            },
        )
        assert got["__typename"] == "RegisterActorSuccess", got
        w.ids[who] = aid
    admin = await make_account(server, admin=True)
    w.tokens["admin"] = admin.token
    officer = await make_account(server, officer_of=["GM0518"])
    w.tokens["officer"] = officer.token
    ent = f"ent-{tag}"
    got = await w.payload(
        "admin",
        REGISTER,
        input={
            "id": ent,
            "kind": "ENTERPRISE",
            "name": f"Verborgen Bedrijf {tag}",
            "visibility": "PRIVATE",
            "subtype": f"geheimtype{tag}",
            "legalForm": "COOPERATIE",
            "revenueModels": ["ENERGY_REVENUE"],
            "placeCode": WIJK,
            "description": f"geheime omschrijving {tag}",
        },
    )
    assert got["__typename"] == "RegisterActorSuccess", got
    w.ids["ENT"] = ent
    # staff acts for ENT (a grant, as `wijknet grant --staff-of` makes it)
    staff = await make_account(server, actor=w.ids["staff"], staff_of=[ent])
    w.tokens["staff"] = staff.token
    ini = f"ini-{tag}"
    got = await w.payload(
        "coordinator",
        START,
        input={
            "id": ini,
            "name": f"Zon op Zichtenburg {tag}",
            "placeCode": WIJK,
            "themes": [THEME],
            "needs": [{"skill": SKILL}],
        },
    )
    assert got["__typename"] == "StartInitiativeSuccess", got
    w.ids["INI"] = ini
    for who in ("gerda", "nico"):
        asked = await w.payload(
            who, "mutation($i: ID!) { joinInitiative(initiative: $i) { __typename } }", i=ini
        )
        assert asked["__typename"] == "JoinInitiativeSuccess", asked
        ok = await w.payload(
            "coordinator",
            "mutation($i: ID!, $a: ID!) { acceptJoinRequest(initiative: $i, actor: $a) "
            "{ ... on MembershipSuccess { status } } }",
            i=ini,
            a=w.ids[who],
        )
        assert ok["status"] == "MEMBER"
    for a, b in (("friend", "nico"), ("gerda", "nico")):
        await w.payload(
            a,
            "mutation($a: ID!, $b: ID!) { link(type: KNOWS, from: $a, to: $b) { __typename } }",
            a=w.ids[a],
            b=w.ids[b],
        )
        agreed = await w.payload(
            b,
            "mutation($a: ID!) { acceptKnows(from: $a) { ... on LinkSuccess { status } } }",
            a=w.ids[a],
        )
        assert agreed["status"] == "LINKED"
    # a meeting ENT organises (staff acts for it); the admin invites gerda, nico, coord
    evt = f"evt-{tag}"
    made = await w.payload(
        "admin",
        "mutation($input: CreateEventInput!) { createEvent(input: $input) { __typename } }",
        input={
            "id": evt,
            "name": f"Bijeenkomst {tag}",
            "starts": "2026-05-01T19:30",
            "organisers": [ent],
            "placeCode": WIJK,
        },
    )
    assert made["__typename"] == "EventSuccess", made
    invite = """mutation($e: ID!, $a: [ID!]!, $r: String) {
      inviteToEvent(event: $e, actors: $a, reason: $r) { __typename } }"""
    for who, reason in (
        ("gerda", f"uitnodiging gerda {tag}"),
        ("nico", None),
        ("coordinator", None),
    ):
        got = await w.payload("admin", invite, e=evt, a=[w.ids[who]], r=reason)
        assert got["__typename"] == "EventSuccess", got
    answered = await w.payload(
        "gerda",
        "mutation($e: ID!, $a: ID!) { answerInvitation(event: $e, actor: $a, rsvp: YES) "
        "{ __typename } }",
        e=evt,
        a=w.ids["gerda"],
    )
    assert answered["__typename"] == "EventSuccess", answered
    w.ids["EVT"] = evt
    return w


# --- viewer x sensitive fact --------------------------------------------------------------

#: Who may see each non-public subject in full (besides admins and the subject itself).
MAY_SEE = {
    "gerda": set(),
    "nico": {"friend", "coordinator", "gerda"},
    "ENT": {"staff"},
}
VIEWERS = ("anonymous", "member", "friend", "coordinator", "staff", "officer", "admin", "gerda")


def _secrets(w: World, subject: str) -> list[str]:
    """Strings that name a fact of ``subject`` nobody outside may read anywhere."""
    tag = w.tag
    if subject == "ENT":
        return [
            f"Verborgen Bedrijf {tag}",
            f"geheimtype{tag}",
            f"geheime omschrijving {tag}",
            "COOPERATIE",
            "ENERGY_REVENUE",
        ]
    name = {"gerda": f"Geheime Gerda {tag}", "nico": f"Netwerk Nico {tag}"}[subject]
    return [name, f"{subject}-{tag}@example.org"]


def _reads(w: World) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every way of reading, each as (query, variables)."""
    ids = w.ids
    person = (
        "id name email redacted place { code } skills { id } interests { id } "
        "knows { id name } memberships { group { ... on Initiative { id name } } } "
        "... on Enterprise { subtype legalForm revenueModels members { actor { id } } } "
    )
    event = (
        "id invitations { actor { id name } rsvp reason } "
        "answerCounts { invited yes maybe no waiting }"
    )
    return {
        "actor(gerda)": (f'{{ actor(id: "{ids["gerda"]}") {{ {person} }} }}', {}),
        "actor(nico)": (f'{{ actor(id: "{ids["nico"]}") {{ {person} }} }}', {}),
        "actor(ENT)": (f'{{ actor(id: "{ids["ENT"]}") {{ {person} }} }}', {}),
        "actors(skill)": (
            "query($s: ID!) { actors(skill: $s, first: 500) { totalCount "
            "edges { node { id name } } } }",
            {"s": SKILL},
        ),
        "actors(theme)": (
            "query($t: ID!) { actors(theme: $t, first: 500) { totalCount edges { node { id } } } }",
            {"t": THEME},
        ),
        "actors(place buurt)": (
            "query($p: String!) { actors(place: $p, first: 500) { totalCount "
            "edges { node { id } } } }",
            {"p": BUURT},
        ),
        "actors(text)": (
            "query($x: String!) { actors(text: $x, first: 500) { totalCount "
            "edges { node { id name } } } }",
            {"x": w.tag},
        ),
        "actors(kind)": (
            '{ actors(kind: [RESIDENT, ENTERPRISE], place: "' + WIJK + '", first: 500) '
            "{ totalCount edges { node { id name } } } }",
            {},
        ),
        "place.actors": (
            f'{{ place(code: "{WIJK}") {{ actors(first: 500) {{ totalCount '
            "edges { node { id } } } } }",
            {},
        ),
        "initiative members": (
            f'{{ initiative(id: "{ids["INI"]}") {{ members {{ role actor {{ id name }} }} }} }}',
            {},
        ),
        "coordinator's ties": (
            f'{{ actor(id: "{ids["coordinator"]}") {{ knows {{ id }} memberships {{ role }} }} }}',
            {},
        ),
        "path": (
            "query($a: ID!, $b: ID!) { path(from: $a, to: $b, maxHops: 4) { nodes { id } } }",
            {"a": ids["coordinator"], "b": ids["friend"]},
        ),
        "path(via KNOWS)": (
            "query($a: ID!, $b: ID!) { path(from: $a, to: $b, via: [KNOWS]) { nodes { id } } }",
            {"a": ids["gerda"], "b": ids["friend"]},
        ),
        "suggestPartners": (
            "query($i: ID!) { suggestPartners(initiative: $i, first: 100) "
            "{ actor { id name } reasons { code text } path } }",
            {"i": "ini-0000001"},
        ),
        "suggestPartners(draft)": (
            "query($p: String!) { suggestPartners(draft: {placeCode: $p, neededSkills: "
            f'["{SKILL}"], themes: ["{THEME}"]}}, first: 100) '
            "{ actor { id name } reasons { code text } path } }",
            {"p": WIJK},
        ),
        "suggestCoalition": (
            "query($p: String!) { suggestCoalition(draft: {placeCode: $p, neededSkills: "
            f'["{SKILL}"]}}) {{ members {{ actor {{ id name }} reasons {{ text }} path }} }} }}',
            {"p": WIJK},
        ),
        "network": (
            '{ network(place: "GM0518", maxNodes: 1000, maxEdges: 2000) { nodes { id label '
            "redacted place } edges { source target } brokers { id label } } }",
            {},
        ),
        "node(gerda)": (
            f'{{ node(id: "{ids["gerda"]}") {{ id ... on Actor {{ {person} }} }} }}',
            {},
        ),
        "node(nico)": (f'{{ node(id: "{ids["nico"]}") {{ id ... on Actor {{ {person} }} }} }}', {}),
        "node(ENT)": (f'{{ node(id: "{ids["ENT"]}") {{ id ... on Actor {{ {person} }} }} }}', {}),
        "event": (
            f'{{ event(id: "{ids["EVT"]}") {{ {event} }} }}',
            {},
        ),
        "node(event)": (f'{{ node(id: "{ids["EVT"]}") {{ id ... on Event {{ {event} }} }} }}', {}),
        "events": (
            f'{{ events(place: "{WIJK}", first: 500) {{ edges {{ node {{ {event} }} }} }} }}',
            {},
        ),
        "suggestInvitees": (
            "query($t: ID!, $p: String!) { suggestInvitees(theme: $t, place: $p, size: 20) "
            "{ invitees { actor { id name } reasons } } }",
            {"t": THEME, "p": WIJK},
        ),
    }


def _leaks(w: World, viewer: str, text: str, where: str) -> list[str]:
    """The secrets of subjects ``viewer`` may not see that ``text`` gives away."""
    found = []
    # who is invited and why: to the invitee and the organisers (staff acts for ENT)
    if viewer not in ("admin", "gerda", "staff") and f"uitnodiging gerda {w.tag}" in text:
        found.append(f"{viewer} reads gerda's invitation through {where}")
    for subject, allowed in MAY_SEE.items():
        if viewer == "admin" or viewer == subject or viewer in allowed:
            continue
        if subject == "ENT" and viewer == "staff":
            continue
        for secret in _secrets(w, subject):
            if secret in text:
                found.append(f"{viewer} sees {secret!r} of {subject} through {where}")
        # beyond a by-id lookup, a hidden subject's id is itself a fact (it matched a filter,
        # it is tied to someone, it is on the map); officers see kind and wijk on the map
        by_id = where in (f"actor({subject})", f"node({subject})")
        on_map = where == "network" and viewer == "officer"
        own_group = where == "initiative members" and viewer == "coordinator"
        organiser = where in ("event", "node(event)", "events") and viewer == "staff"
        if not (by_id or on_map or own_group or organiser) and f'"{w.ids[subject]}"' in text:
            found.append(f"{viewer} finds {subject} through {where}")
        if subject == "gerda" and by_id and BUURT in text:
            found.append(f"{viewer} learns gerda's buurt through {where}")
    return found


async def test_no_viewer_reads_what_it_may_not_see(world: World) -> None:
    leaks: list[str] = []
    reads = _reads(world)
    for viewer in VIEWERS:
        for where, (query, variables) in reads.items():
            data = await world.ask(viewer, query, **variables)
            leaks += _leaks(world, viewer, json.dumps(data), where)
        for path in (
            "/network/GM0518.json",
            f"/network/GM0518.json?theme={THEME}",
            "/network/GM0518.gexf",
            "/network/GM0518.graphml",
            "/network/GM0518.csv",
        ):
            token = world.tokens[viewer]
            res = httpx.get(
                f"http://127.0.0.1:{world.server.port}{path}",
                headers={"Authorization": f"Bearer {token}"} if token else {},
                timeout=120,
            )
            assert res.status_code == 200
            where = "network" if viewer == "officer" else path
            if path.endswith(".csv"):  # a zip of nodes.csv and edges.csv
                with zipfile.ZipFile(io.BytesIO(res.content)) as z:
                    text = "".join(z.read(n).decode() for n in z.namelist())
                leaks += _leaks(world, viewer, re.sub(r"[,\n]", '"', text), where)
                assert f"evt-{world.tag}" not in text and "INVITED_TO" not in text
                continue
            assert f"evt-{world.tag}" not in res.text and "INVITED_TO" not in res.text
            if not path.startswith("/network/GM0518.json"):  # GEXF, GraphML: XML text
                leaks += _leaks(world, viewer, res.text.replace("'", '"'), where)
                continue
            graph = res.json()
            leaks += _leaks(world, viewer, json.dumps(graph), where)
            hidden = {n["id"] for n in graph["nodes"] if n["redacted"]}
            ties = [e for e in graph["edges"] if e["source"] in hidden or e["target"] in hidden]
            assert not ties, f"{viewer} downloads ties of hidden people: {ties[:3]}"
    assert leaks == []


async def test_who_may_see_does_see(world: World) -> None:
    """The other side of the matrix: the rules hide what they must, not everything."""
    ids, tag = world.ids, world.tag
    query = "query($a: ID!) { actor(id: $a) { name email skills { id } place { code } } }"
    for viewer in ("gerda", "admin"):
        got = (await world.ask(viewer, query, a=ids["gerda"]))["actor"]
        assert got == {
            "name": f"Geheime Gerda {tag}",
            "email": f"gerda-{tag}@example.org",
            "skills": [{"id": SKILL}],
            "place": {"code": BUURT},
        }
    for viewer in ("friend", "coordinator", "gerda", "nico", "admin"):
        got = (await world.ask(viewer, query, a=ids["nico"]))["actor"]
        assert got["name"] == f"Netwerk Nico {tag}", viewer
    for viewer in ("anonymous", "member", "officer", "staff"):
        got = (await world.ask(viewer, query, a=ids["nico"]))["actor"]
        assert got["name"].startswith("Bewoner in "), viewer
        assert (got["email"], got["skills"], got["place"]) == (None, [], {"code": WIJK}), viewer
    ent = f'{{ actor(id: "{ids["ENT"]}") {{ name ... on Enterprise {{ legalForm }} }} }}'
    assert (await world.ask("staff", ent))["actor"]["legalForm"] == "COOPERATIE"
    hidden = (await world.ask("member", ent))["actor"]
    assert hidden["legalForm"] is None and hidden["name"].startswith("Onderneming in ")
    path = "query($a: ID!, $b: ID!) { path(from: $a, to: $b, maxHops: 4) { nodes { id } } }"
    seen = await world.ask("friend", path, a=ids["coordinator"], b=ids["friend"])
    assert [n["id"] for n in seen["path"]["nodes"]] == [
        ids["coordinator"],
        ids["INI"],
        ids["nico"],
        ids["friend"],
    ]
    # the coordinator sees every member of INI (private gerda as kind and wijk)
    members = await world.ask(
        "coordinator",
        f'{{ initiative(id: "{ids["INI"]}") {{ members {{ actor {{ id name }} }} }} }}',
    )
    got = {m["actor"]["id"]: m["actor"]["name"] for m in members["initiative"]["members"]}
    assert got[ids["nico"]] == f"Netwerk Nico {tag}"
    assert got[ids["gerda"]].startswith("Bewoner in ")
    officer = await world.ask(
        "officer", '{ network(place: "GM0518", maxNodes: 1000) { nodes { id redacted } } }'
    )
    assert any(n["redacted"] for n in officer["network"]["nodes"])
    anonymous = await world.ask(
        "anonymous", '{ network(place: "GM0518", maxNodes: 1000) { nodes { id redacted } } }'
    )
    assert not any(n["redacted"] for n in anonymous["network"]["nodes"])


# --- role x mutation ------------------------------------------------------------------------


def _mutations(w: World) -> list[tuple[str, str, dict[str, Any], set[str]]]:
    """(name, mutation, variables, roles allowed); every other role must be refused."""
    ids, tag = w.ids, w.tag
    return [
        (
            "registerActor(body)",
            REGISTER,
            {"input": {"kind": "ENTERPRISE", "name": f"Nieuw {tag}", "placeCode": WIJK}},
            {"officer", "admin"},
        ),
        (
            "startInitiative(for another)",
            START,
            {
                "input": {
                    "name": "X",
                    "placeCode": WIJK,
                    "themes": [THEME],
                    "founders": [ids["gerda"]],
                }
            },
            set(),
        ),
        (
            "addNeed",
            f'mutation($i: ID!) {{ addNeed(initiative: $i, skill: "skill-cooking", '
            f"urgency: LOW) {{ {ERR} }} }}",
            {"i": ids["INI"]},
            {"coordinator", "admin"},
        ),
        (
            "updateInitiative",
            f"mutation($i: ID!) {{ updateInitiative(initiative: $i, input: "
            f'{{description: "nieuw"}}) {{ {ERR} }} }}',
            {"i": ids["INI"]},
            {"coordinator", "admin"},
        ),
        (
            "removeNeed",
            f'mutation($i: ID!) {{ removeNeed(initiative: $i, skill: "{SKILL}") {{ {ERR} }} }}',
            {"i": ids["INI"]},
            {"coordinator", "admin"},
        ),
        (
            "joinInitiative(as gerda)",
            f"mutation($a: ID!, $i: ID!) {{ joinInitiative(actor: $a, "
            f"initiative: $i) {{ {ERR} }} }}",
            {"a": ids["gerda"], "i": "ini-0000001"},
            set(),
        ),
        (
            "leaveInitiative(as gerda)",
            f"mutation($a: ID!, $i: ID!) {{ leaveInitiative(actor: $a, "
            f"initiative: $i) {{ {ERR} }} }}",
            {"a": ids["gerda"], "i": ids["INI"]},
            set(),
        ),
        (
            "acceptJoinRequest",
            f"mutation($i: ID!, $a: ID!) {{ acceptJoinRequest(initiative: $i, "
            f"actor: $a) {{ {ERR} }} }}",
            {"i": ids["INI"], "a": ids["member"]},
            {"coordinator", "admin"},
        ),
        (
            "link KNOWS(for gerda)",
            f"mutation($a: ID!, $b: ID!) {{ link(type: KNOWS, from: $a, to: $b) {{ {ERR} }} }}",
            {"a": ids["gerda"], "b": ids["friend"]},
            set(),
        ),
        (
            "unlink KNOWS(gerda-nico)",
            f"mutation($a: ID!, $b: ID!) {{ unlink(type: KNOWS, from: $a, to: $b) {{ {ERR} }} }}",
            {"a": ids["gerda"], "b": ids["nico"]},
            set(),
        ),
        (
            "link SUPPORTS(ENT)",
            f"mutation($a: ID!, $i: ID!) {{ link(type: SUPPORTS, from: $a, "
            f"to: $i, how: FUNDING) {{ {ERR} }} }}",
            {"a": ids["ENT"], "i": "ini-0000002"},
            {"staff", "admin"},
        ),
        (
            "link PARTNERS_WITH(ENT)",
            f"mutation($a: ID!, $i: ID!) {{ link(type: PARTNERS_WITH, "
            f"from: $a, to: $i) {{ {ERR} }} }}",
            {"a": ids["ENT"], "i": "ini-0000003"},
            {"staff", "admin"},
        ),
        (
            "link WORKS_FOR(ENT)",
            f"mutation($a: ID!, $b: ID!) {{ link(type: WORKS_FOR, from: $a, to: $b) {{ {ERR} }} }}",
            {"a": ids["staff"], "b": ids["ENT"]},
            {"staff", "admin"},
        ),
        (
            "updateProfile(ENT)",
            f"mutation($a: ID!) {{ updateProfile(actor: $a, input: "
            f'{{website: "https://example.org"}}) {{ {ERR} }} }}',
            {"a": ids["ENT"]},
            {"staff", "admin"},
        ),
        (
            "setVisibility(gerda)",
            f"mutation($a: ID!) {{ setVisibility(actor: $a, visibility: PUBLIC) {{ {ERR} }} }}",
            {"a": ids["gerda"]},
            set(),
        ),
        (
            "setMatchable(gerda)",
            f"mutation($a: ID!) {{ setMatchable(actor: $a, matchable: false) {{ {ERR} }} }}",
            {"a": ids["gerda"]},
            set(),
        ),
        (
            "inviteToInitiative",
            f"mutation($i: ID!, $a: ID!) {{ inviteToInitiative(initiative: $i, "
            f"actor: $a) {{ {ERR} }} }}",
            {"i": ids["INI"], "a": ids["member"]},
            {"coordinator", "admin"},
        ),
    ]


SNAPSHOT = """query($i: ID!, $g: ID!, $e: ID!) {
  initiative(id: $i) { name description needs { skill { id } } members { role actor { id } } }
  gerda: actor(id: $g) { visibility matchable knows { id } memberships { role } }
  ent: actor(id: $e) { website supports { how } partners { id } ... on Body { staff { id } } } }"""


async def _last_audit_seq(world: World) -> int:
    last = 0
    while True:
        page = await world.ask(
            "admin", "query($a: Int!) { auditLog(after: $a, first: 500) { seq } }", a=last
        )
        if not page["auditLog"]:
            return last
        last = page["auditLog"][-1]["seq"]


async def test_role_by_mutation(world: World) -> None:
    ids = world.ids
    variables = {"i": ids["INI"], "g": ids["gerda"], "e": ids["ENT"]}
    before = await world.ask("admin", SNAPSHOT, **variables)
    start = await _last_audit_seq(world)
    outcomes: dict[tuple[str, str], str] = {}
    wrongly: list[str] = []
    for name, query, args, allowed in _mutations(world):
        for role in ROLES:
            if role in allowed:
                continue
            got = await world.payload(role, query, **args)
            want = "UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"
            outcomes[(name, role)] = got.get("code", got["__typename"])
            if got.get("code") != want:
                wrongly.append(f"{role} {name}: {got}")
            else:
                assert got["message"], got
    assert wrongly == []
    # 0 unauthorised writes: everything the refused mutations aimed at is as it was
    assert await world.ask("admin", SNAPSHOT, **variables) == before
    # and the audit log holds one refusal for each, and no write
    logged = await world.ask(
        "admin", "query($a: Int!) { auditLog(after: $a, first: 500) { action details } }", a=start
    )
    assert {e["details"]["outcome"] for e in logged["auditLog"]} == {"refused"}
    assert len(logged["auditLog"]) == len(outcomes)
    done: list[str] = []
    for name, query, args, allowed in _mutations(world):
        for role in sorted(allowed):
            got = await world.payload(role, query, **args)
            if got["__typename"] == "Error" and got["code"] in ("UNAUTHENTICATED", "FORBIDDEN"):
                done.append(f"{role} {name} refused: {got}")
    assert done == []
    # each allowed role's write landed
    after = await world.ask("admin", SNAPSHOT, **variables)
    assert after["initiative"]["description"] == "nieuw"
    assert {"id": "skill-cooking"} in [n["skill"] for n in after["initiative"]["needs"]]
    assert after["ent"]["website"] == "https://example.org"
    assert after["ent"]["staff"] == [{"id": ids["staff"]}]
    assert [s["how"] for s in after["ent"]["supports"]] == ["FUNDING"]


async def test_a_coordinator_manages_needs_members_and_deletes(world: World) -> None:
    ids = world.ids
    started = await world.payload(
        "coordinator", START, input={"name": "Tijdelijk", "placeCode": WIJK, "themes": [THEME]}
    )
    ini = started["initiative"]["id"]
    for role in ("anonymous", "member", "staff", "officer"):
        got = await world.payload(
            role, f"mutation($i: ID!) {{ deleteInitiative(initiative: $i) {{ {ERR} }} }}", i=ini
        )
        assert got["code"] == ("UNAUTHENTICATED" if role == "anonymous" else "FORBIDDEN"), got
    invited = await world.payload(
        "coordinator",
        "mutation($i: ID!, $a: ID!) { inviteToInitiative(initiative: $i, actor: $a) "
        "{ ... on MembershipSuccess { status } } }",
        i=ini,
        a=ids["member"],
    )
    assert invited["status"] == "INVITED"
    joined = await world.payload(
        "member",
        "mutation($i: ID!) { acceptInvitation(initiative: $i) "
        "{ ... on MembershipSuccess { status } } }",
        i=ini,
    )
    assert joined["status"] == "MEMBER"
    left = await world.payload(
        "member",
        "mutation($i: ID!) { leaveInitiative(initiative: $i) "
        "{ ... on MembershipSuccess { status } } }",
        i=ini,
    )
    assert left["status"] == "NONE"
    removed = await world.payload(
        "coordinator",
        'mutation($i: ID!) { removeNeed(initiative: $i, skill: "skill-cooking") { __typename '
        "... on Error { code } } }",
        i=ini,
    )
    assert removed == {"__typename": "Error", "code": "NOT_FOUND"}  # it needed nothing
    gone = await world.payload(
        "coordinator",
        "mutation($i: ID!) { deleteInitiative(initiative: $i) { __typename } }",
        i=ini,
    )
    assert gone["__typename"] == "DeleteInitiativeSuccess"
    assert (await world.ask("coordinator", f'{{ initiative(id: "{ini}") {{ id }} }}')) == {
        "initiative": None
    }


async def test_errors_never_confirm_a_hidden_tie(world: World) -> None:
    """``member`` cannot learn whether gerda and nico know each other from any answer."""
    ids = world.ids
    for query in (
        f"mutation($a: ID!, $b: ID!) {{ link(type: KNOWS, from: $a, to: $b) {{ {ERR} }} }}",
        f"mutation($a: ID!, $b: ID!) {{ unlink(type: KNOWS, from: $a, to: $b) {{ {ERR} }} }}",
    ):
        tied = await world.payload("member", query, a=ids["gerda"], b=ids["nico"])
        untied = await world.payload("member", query, a=ids["gerda"], b=ids["coordinator"])
        # the same answer, but for the ids it names
        assert (
            (tied["code"], tied["field"])
            == (untied["code"], untied["field"])
            == (
                "FORBIDDEN",
                "from",
            )
        )
    join = f"mutation($a: ID!, $i: ID!) {{ joinInitiative(actor: $a, initiative: $i) {{ {ERR} }} }}"
    inside = await world.payload("member", join, a=ids["gerda"], i=ids["INI"])
    outside = await world.payload("member", join, a=ids["gerda"], i="ini-0000001")
    assert inside == outside and (inside["code"], inside["field"]) == ("FORBIDDEN", "actor")


# --- consent takes effect on the next request ---------------------------------------------------


async def test_consent_takes_effect_on_the_next_request(world: World) -> None:
    ids, tag = world.ids, world.tag
    me = ids["nico"]
    lists = "query($x: String!) { actors(text: $x, first: 50) { edges { node { id } } } }"
    suggest = (
        "query($p: String!) { suggestPartners(draft: {placeCode: $p, neededSkills: "
        f'["{SKILL}"], themes: ["{THEME}"]}}, first: 100) {{ actor {{ id }} }} }}'
    )
    net = '{ network(place: "GM0518", maxNodes: 1000) { nodes { id redacted } } }'

    async def seen_by_member() -> tuple[bool, bool, bool]:
        found = await world.ask("member", lists, x=f"Netwerk Nico {tag}")
        suggested = await world.ask("member", suggest, p=WIJK)
        mapped = await world.ask("member", net)
        return (
            any(e["node"]["id"] == me for e in found["actors"]["edges"]),
            any(s["actor"]["id"] == me for s in suggested["suggestPartners"]),
            any(n["id"] == me for n in mapped["network"]["nodes"]),
        )

    assert await seen_by_member() == (False, False, False)
    public = await world.payload(
        "nico",
        "mutation { setVisibility(visibility: PUBLIC) { ... on ActorSuccess { actor { id } } } }",
    )
    assert public["actor"]["id"] == me
    assert await seen_by_member() == (True, True, True)
    await world.payload("nico", "mutation { setMatchable(matchable: false) { __typename } }")
    assert await seen_by_member() == (True, False, True)
    await world.payload("nico", "mutation { setVisibility(visibility: NETWORK) { __typename } }")
    await world.payload("nico", "mutation { setMatchable(matchable: true) { __typename } }")
    assert await seen_by_member() == (False, False, False)


async def test_refusals_name_what_was_refused(world: World) -> None:
    got = await world.payload(
        "anonymous", f"mutation {{ setVisibility(visibility: PUBLIC) {{ {ERR} }} }}"
    )
    assert got["code"] == "UNAUTHENTICATED" and "visibility" in got["message"]
    got = await world.payload(
        "member",
        f"mutation($a: ID!) {{ setVisibility(actor: $a, visibility: PUBLIC) {{ {ERR} }} }}",
        a=world.ids["gerda"],
    )
    assert got["code"] == "FORBIDDEN" and "visibility" in got["message"], got
