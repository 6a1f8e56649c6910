"""Queries and mutations over real HTTP, against a running uvicorn, with the gql client."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from gql.client import AsyncClientSession

from tests.api.conftest import run
from tests.api.server import Server
from tests.identity_helpers import make_account

pytestmark = pytest.mark.slow


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def data(server: Server, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
    """The data of a query, sent with ``token`` as a bearer token (anonymous if None)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = httpx.post(
        server.url, json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


def post(server: Server, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
    """The one payload of a one-field mutation."""
    (payload,) = data(server, query, token, **variables).values()
    return payload  # type: ignore[no-any-return]


async def test_the_readme_curl_returns_five_actors(server: Server) -> None:
    body = {"query": "{ actors(first: 5) { edges { node { id name } } } }"}
    response = httpx.post(server.url, json=body, timeout=60)
    assert response.status_code == 200
    edges = response.json()["data"]["actors"]["edges"]
    assert len(edges) == 5
    assert all(e["node"]["id"] and e["node"]["name"] for e in edges)


async def test_actors_connection_pages_and_filters(client: AsyncClientSession) -> None:
    q = """query($after: String, $place: String) {
      actors(first: 7, after: $after, place: $place) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } } }"""
    first = (await run(client, q))["actors"]
    second = (await run(client, q, after=first["pageInfo"]["endCursor"]))["actors"]
    ids = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert len(ids) == 14 and ids == sorted(ids) and len(set(ids)) == 14
    # 300 seeded actors, of whom the public (the anonymous viewer sees those only)
    assert 100 < first["totalCount"] < 300
    den_haag = (await run(client, q, place="GM0518"))["actors"]
    assert 0 < den_haag["totalCount"] < first["totalCount"]


async def test_place_walks_up_and_down(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ place(code: "GM0518") { name level cbsCode parent { code level }
             children { code level } actors(first: 3) { totalCount }
             initiatives(first: 3) { totalCount edges { node { name } } } } }""",
    )
    place = data["place"]
    assert place["level"] == "MUNICIPALITY" and place["cbsCode"] == "GM0518"
    assert place["parent"]["level"] == "PROVINCE"
    assert {c["level"] for c in place["children"]} <= {"DISTRICT", "NEIGHBOURHOOD"}
    assert len(place["children"]) >= 8
    assert place["actors"]["totalCount"] > 0
    assert place["initiatives"]["totalCount"] > 0


async def test_initiatives_expose_their_relationships(client: AsyncClientSession) -> None:
    data = await run(
        client,
        """{ initiatives(first: 10, stage: RUNNING) { edges { node { id name stage
             place { name } themes { name } needs { skill { name } urgency }
             members { role actor { id name kind } } supporters { how actor { name } }
             instruments { name } } } } }""",
    )
    nodes = [e["node"] for e in data["initiatives"]["edges"]]
    assert nodes and all(n["stage"] == "RUNNING" for n in nodes)
    assert all(n["themes"] and n["members"] and n["place"] for n in nodes)
    assert any(m["role"] == "INITIATOR" for n in nodes for m in n["members"])


async def test_register_yourself_then_read_back_with_privacy(server: Server) -> None:
    me = await make_account(server)
    aid = uid("res")
    payload = post(
        server,
        """mutation($id: ID!) { registerActor(input: { id: $id, kind: RESIDENT,
             name: "Fatima El Amrani", placeCode: "GM0518", skills: ["skill-grant-writing"],
             interests: ["theme-energy"] }) {
           __typename ... on RegisterActorSuccess { actor { id kind name redacted matchable } }
           ... on Error { field message } } }""",
        me.token,
        id=aid,
    )
    assert payload["__typename"] == "RegisterActorSuccess", payload
    actor = payload["actor"]
    # a resident is private and not matchable until they say otherwise; she sees herself
    assert actor["redacted"] is False and actor["matchable"] is False
    assert actor["name"] == "Fatima El Amrani"
    query = "query($id: ID!) { actor(id: $id) { name skills { id } knows { id } } }"
    found = data(server, query, None, id=aid)
    assert found["actor"] == {"name": "Bewoner in 's-Gravenhage", "skills": [], "knows": []}
    own = data(server, query, me.token, id=aid)
    assert own["actor"]["skills"] == [{"id": "skill-grant-writing"}]
    hidden = data(server, '{ actors(text: "Fatima El Amrani") { totalCount } }', None)
    assert hidden["actors"]["totalCount"] == 0
    again = post(server, REGISTER, me.token, input={"kind": "RESIDENT", "name": "Tweede"})
    assert (again["code"], again["field"]) == ("FORBIDDEN", "kind"), again


async def test_a_public_actor_is_shown_in_full(server: Server) -> None:
    me = await make_account(server)
    aid = uid("zzp")
    post(
        server,
        """mutation($id: ID!) { registerActor(input: { id: $id, kind: FREELANCER,
             name: "Joost Installatie", profession: "installateur", placeCode: "GM0518",
             skills: ["skill-solar-installation"] }) { __typename } }""",
        me.token,
        id=aid,
    )
    found = data(
        server,
        "query($id: ID!) { actor(id: $id) { name redacted ... on Freelancer { profession } "
        "skills { id } } }",
        None,
        id=aid,
    )
    assert found["actor"]["name"] == "Joost Installatie"
    assert found["actor"]["profession"] == "installateur"
    assert found["actor"]["skills"] == [{"id": "skill-solar-installation"}]
    text = data(server, '{ actors(text: "joost installatie") { edges { node { id } } } }', None)
    assert [e["node"]["id"] for e in text["actors"]["edges"]] == [aid]


async def test_start_initiative_need_join_and_link(server: Server) -> None:
    zzp, pro, ini = uid("zzp"), uid("pro"), uid("ini")
    tokens = {}
    for aid, kind in ((zzp, "FREELANCER"), (pro, "PROFESSIONAL")):
        tokens[aid] = (await make_account(server)).token
        r = post(
            server,
            "mutation($id: ID!, $kind: ActorKind!) { registerActor(input: {id: $id, kind: $kind, "
            'name: "Test Persoon", placeCode: "GM0518"}) { __typename } }',
            tokens[aid],
            id=aid,
            kind=kind,
        )
        assert r["__typename"] == "RegisterActorSuccess"
    started = post(
        server,
        """mutation($id: ID!) { startInitiative(input: { id: $id,
             name: "Zon op Moerwijk", placeCode: "GM0518", themes: ["theme-energy"],
             needs: [{ skill: "skill-solar-installation", urgency: HIGH }],
             instruments: ["inst-wijkbudget"] }) {
           __typename ... on StartInitiativeSuccess { initiative { id name
             members { role actor { id } } needs { urgency skill { id } } } } } }""",
        tokens[zzp],
        id=ini,
    )
    initiative = started["initiative"]
    assert initiative["members"] == [{"role": "INITIATOR", "actor": {"id": zzp}}]
    assert initiative["needs"] == [{"urgency": "HIGH", "skill": {"id": "skill-solar-installation"}}]
    need = post(
        server,
        'mutation($i: ID!) { addNeed(initiative: $i, skill: "skill-grant-writing") '
        "{ __typename ... on AddNeedSuccess { need { urgency skill { id } } } } }",
        tokens[zzp],
        i=ini,
    )
    assert need["need"] == {"urgency": "MEDIUM", "skill": {"id": "skill-grant-writing"}}
    joined = post(
        server,
        "mutation($i: ID!) { joinInitiative(initiative: $i, role: ADVISOR) "
        "{ __typename ... on JoinInitiativeSuccess { status member { role } } } }",
        tokens[pro],
        i=ini,
    )
    assert joined == {"__typename": "JoinInitiativeSuccess", "status": "REQUESTED", "member": None}
    accepted = post(
        server,
        "mutation($i: ID!, $a: ID!) { acceptJoinRequest(initiative: $i, actor: $a) "
        "{ __typename ... on MembershipSuccess { status } } }",
        tokens[zzp],
        i=ini,
        a=pro,
    )
    assert accepted["status"] == "MEMBER"
    linked = post(
        server,
        "mutation($a: ID!, $b: ID!) { link(type: KNOWS, from: $a, to: $b) "
        "{ __typename ... on LinkSuccess { type status from { id } to { id } } } }",
        tokens[pro],
        a=pro,
        b=zzp,
    )
    assert (linked["type"], linked["status"]) == ("KNOWS", "REQUESTED")
    agreed = post(
        server,
        "mutation($a: ID!) { acceptKnows(from: $a) { __typename ... on LinkSuccess { status } } }",
        tokens[zzp],
        a=pro,
    )
    assert agreed["status"] == "LINKED"
    path = data(
        server,
        "query($a: ID!, $b: ID!) { path(from: $a, to: $b, via: [KNOWS]) { length nodes { id } "
        "steps { type from to } } }",
        tokens[pro],
        a=pro,
        b=zzp,
    )
    assert path["path"]["length"] == 1
    assert [n["id"] for n in path["path"]["nodes"]] == [pro, zzp]


REGISTER = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
  __typename ... on Error { code field message } } }"""
START = """mutation($input: StartInitiativeInput!) { startInitiative(input: $input) {
  __typename ... on Error { code field message } } }"""
NEED = """mutation($i: ID, $s: ID) { addNeed(initiative: $i, skill: $s) {
  __typename ... on Error { code field message } } }"""
JOIN = """mutation($a: ID, $i: ID, $since: String) { joinInitiative(actor: $a, initiative: $i,
  since: $since) { __typename ... on Error { code field message } } }"""
LINK = """mutation($t: LinkType, $a: ID, $b: ID, $how: SupportHow) {
  link(type: $t, from: $a, to: $b, how: $how) {
    __typename ... on Error { code field message } } }"""

P = {"name": "X", "placeCode": "GM0518", "themes": ["theme-energy"]}

# who asks: "fresh" (an account without a profile), "me" (acting as res-0000001), "admin"
BAD_INPUTS: list[tuple[str, str, str, dict[str, Any], str, str]] = [
    # (mutation, who, query, variables, expected code, expected field)
    ("register", "fresh", REGISTER, {"input": {"kind": "RESIDENT"}}, "INVALID_INPUT", "name"),
    ("register", "fresh", REGISTER, {"input": {"name": "Ans"}}, "INVALID_INPUT", "kind"),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "   "}},
        "INVALID_INPUT",
        "name",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "email": "nope"}},
        "INVALID_INPUT",
        "email",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "id": "has space"}},
        "INVALID_INPUT",
        "id",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "legalForm": "BV"}},
        "INVALID_INPUT",
        "legalForm",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "placeCode": "GM9999"}},
        "NOT_FOUND",
        "placeCode",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "skills": ["juggling"]}},
        "NOT_FOUND",
        "skills",
    ),
    (
        "register",
        "fresh",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A", "interests": ["skill-cooking"]}},
        "NOT_FOUND",
        "interests",
    ),
    ("start", "me", START, {"input": {**P, "name": None}}, "INVALID_INPUT", "name"),
    ("start", "me", START, {"input": {**P, "placeCode": None}}, "INVALID_INPUT", "placeCode"),
    ("start", "me", START, {"input": {**P, "themes": []}}, "INVALID_INPUT", "themes"),
    ("start", "me", START, {"input": {**P, "themes": ["theme-nope"]}}, "NOT_FOUND", "themes"),
    ("start", "me", START, {"input": {**P, "founders": ["res-nobody"]}}, "NOT_FOUND", "founders"),
    ("start", "me", START, {"input": {**P, "started": "last year"}}, "INVALID_INPUT", "started"),
    (
        "start",
        "me",
        START,
        {"input": {**P, "needs": [{"skill": "x-y"}]}},
        "NOT_FOUND",
        "needs.skill",
    ),
    ("start", "me", START, {"input": {**P, "name": "x" * 500}}, "INVALID_INPUT", "name"),
    ("need", "admin", NEED, {"s": "skill-cooking"}, "INVALID_INPUT", "initiative"),
    ("need", "admin", NEED, {"i": "ini-0000001"}, "INVALID_INPUT", "skill"),
    ("need", "admin", NEED, {"i": "ini-nope", "s": "skill-cooking"}, "NOT_FOUND", "initiative"),
    ("need", "admin", NEED, {"i": "ini-0000001", "s": "theme-energy"}, "NOT_FOUND", "skill"),
    ("join", "fresh", JOIN, {"i": "ini-0000001"}, "FORBIDDEN", "actor"),
    ("join", "me", JOIN, {"a": "res-0000001", "i": "nope"}, "NOT_FOUND", "initiative"),
    ("join", "me", JOIN, {"a": "GM0518", "i": "ini-0000001"}, "NOT_FOUND", "actor"),
    (
        "join",
        "me",
        JOIN,
        {"a": "res-0000001", "i": "ini-0000001", "since": "soon"},
        "INVALID_INPUT",
        "since",
    ),
    ("link", "me", LINK, {"a": "res-0000001", "b": "res-0000002"}, "INVALID_INPUT", "type"),
    ("link", "me", LINK, {"t": "KNOWS", "a": "res-0000001"}, "INVALID_INPUT", "to"),
    ("link", "me", LINK, {"t": "KNOWS", "a": "res-0000001", "b": "res-nope"}, "NOT_FOUND", "to"),
    (
        "link",
        "me",
        LINK,
        {"t": "KNOWS", "a": "res-0000001", "b": "res-0000001"},
        "INVALID_INPUT",
        "to",
    ),
    (
        "link",
        "me",
        LINK,
        {"t": "SUPPORTS", "a": "res-0000001", "b": "ini-0000001"},
        "INVALID_INPUT",
        "how",
    ),
    (
        "link",
        "me",
        LINK,
        {"t": "SUPPORTS", "a": "res-0000001", "b": "res-0000002", "how": "ADVICE"},
        "INVALID_INPUT",
        "to",
    ),
    (
        "link",
        "me",
        LINK,
        {"t": "KNOWS", "a": "GM0518", "b": "res-0000002"},
        "INVALID_INPUT",
        "from",
    ),
    (
        "register",
        "anonymous",
        REGISTER,
        {"input": {"kind": "RESIDENT", "name": "A"}},
        "UNAUTHENTICATED",
        None,
    ),
]


@pytest.mark.parametrize(
    ("who", "query", "variables", "code", "field"),
    [
        pytest.param(w, q, v, c, f, id=f"{name}-{f}-{i}")
        for i, (name, w, q, v, c, f) in enumerate(BAD_INPUTS)
    ],
)
async def test_bad_input_is_an_error_naming_the_field(
    server: Server,
    who: str,
    query: str,
    variables: dict[str, Any],
    code: str,
    field: str | None,
) -> None:
    token = None
    if who == "fresh":
        token = (await make_account(server)).token
    elif who == "me":
        token = (await make_account(server, actor="res-0000001")).token
    elif who == "admin":
        token = (await make_account(server, admin=True)).token
    payload = post(server, query, token, **variables)
    assert payload["__typename"] == "Error", payload
    assert (payload["code"], payload["field"]) == (code, field), payload
    assert payload["message"]


async def test_duplicates_are_errors_naming_the_field(server: Server) -> None:
    me = (await make_account(server)).token
    aid, ini = uid("res"), uid("ini")
    actor = {"input": {"id": aid, "kind": "RESIDENT", "name": "Ans"}}
    assert post(server, REGISTER, me, **actor)["__typename"] == "RegisterActorSuccess"
    other = (await make_account(server)).token
    again = post(server, REGISTER, other, **actor)
    assert (again["code"], again["field"]) == ("CONFLICT", "id")
    start = {"input": {**P, "id": ini}}
    assert post(server, START, me, **start)["__typename"] == "StartInitiativeSuccess"
    again = post(server, START, me, **start)
    assert (again["code"], again["field"]) == ("CONFLICT", "id")
    assert post(server, NEED, me, i=ini, s="skill-cooking")["__typename"] == "AddNeedSuccess"
    again = post(server, NEED, me, i=ini, s="skill-cooking")
    assert (again["code"], again["field"]) == ("CONFLICT", "skill")
    again = post(server, JOIN, me, a=aid, i=ini)
    assert (again["code"], again["field"]) == ("CONFLICT", "actor")  # she started it
    assert post(server, LINK, me, t="KNOWS", a=aid, b="res-0000001")["__typename"] == "LinkSuccess"
    again = post(server, LINK, me, t="KNOWS", a=aid, b="res-0000001")
    assert (again["code"], again["field"]) == ("CONFLICT", "to")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ actors(after: "garbage") { totalCount } }', "INVALID_INPUT"),
        ("{ actors(first: 100000) { totalCount } }", "INVALID_INPUT"),
        ('{ actors(place: "GM9999") { totalCount } }', "NOT_FOUND"),
        ('{ path(from: "nobody", to: "res-0000001") { length } }', "NOT_FOUND"),
        (
            '{ path(from: "res-0000001", to: "res-0000002", maxHops: 99) { length } }',
            "INVALID_INPUT",
        ),
    ],
)
async def test_bad_query_arguments_are_clear_errors(server: Server, query: str, code: str) -> None:
    response = httpx.post(server.url, json={"query": query}, timeout=60)
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == code
    assert "Unexpected" not in error["message"]


async def test_unknown_ids_are_null_not_errors(client: AsyncClientSession) -> None:
    data = await run(
        client,
        '{ actor(id: "nobody") { id } initiative(id: "x") { id } '
        'place(code: "GM9999") { name } node(id: "zz") { id } }',
    )
    assert data == {"actor": None, "initiative": None, "place": None, "node": None}


async def test_graphiql_is_served_offline(server: Server) -> None:
    page = httpx.get(server.url, headers={"accept": "text/html"}, timeout=60)
    assert page.status_code == 200
    assert "wijknet GraphQL" in page.text
    assert "https://" not in page.text.replace("http://www.w3.org", "")
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js"):
        r = httpx.get(f"http://127.0.0.1:{server.port}/static/graphiql/{asset}", timeout=60)
        assert r.status_code == 200 and len(r.content) > 1000


async def test_query_limits_refuse_abuse(server: Server) -> None:
    deep = "{ actors { edges { node { " + "knows { " * 14 + "id" + " }" * 14 + " } } } }"
    r = httpx.post(server.url, json={"query": deep}, timeout=60)
    assert r.status_code == 200
    assert "depth" in r.json()["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: stats {{ nodeCount }}" for i in range(40)) + " }"
    r = httpx.post(server.url, json={"query": aliases}, timeout=60)
    assert "aliases" in r.json()["errors"][0]["message"].lower()
