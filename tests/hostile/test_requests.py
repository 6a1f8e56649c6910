"""At least 30 hostile requests over real HTTP against the seeded 3,000-actor store.

Each is answered within 2 s with a 4xx, or with GraphQL errors naming the limit, while a
pulse keeps asking ``/healthz`` (checked in the last test). They include what
graphql-cop tries: alias overloading, batching, directive overloading, circular
fragments, circular introspection, field duplication, GET and form-encoded mutations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.server import Server
from tests.hostile.conftest import (
    REFUSE_WITHIN,
    Pulse,
    healthy_bound,
    idle_median,
    refused,
    timed,
)

pytestmark = pytest.mark.slow


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the one before twice: 2**levels fields once expanded."""
    frags = ["fragment F0 on Query { __typename stats { nodeCount } }"]
    frags += [
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} __typename }}" for i in range(1, levels)
    ]
    return f"query {{ ...F{levels - 1} }}\n" + "\n".join(frags)


def nested(field: str, levels: int, leaf: str = "id") -> str:
    return f"{field} {{ " * levels + leaf + " }" * levels


def aliases(n: int, body: str) -> str:
    return "{ " + " ".join(f"a{i}: {body}" for i in range(n)) + " }"


@dataclass(frozen=True)
class Case:
    name: str
    send: Callable[[httpx.Client, str], httpx.Response]
    words: tuple[str, ...]


def post(
    query: str, variables: dict[str, Any] | None = None, **extra: Any
) -> Callable[..., httpx.Response]:
    def send(c: httpx.Client, url: str) -> httpx.Response:
        body: dict[str, Any] = {"query": query, **extra}
        if variables is not None:
            body["variables"] = variables
        return c.post(url, json=body)

    return send


def raw(
    content: bytes, content_type: str = "application/json", **headers: str
) -> Callable[..., httpx.Response]:
    def send(c: httpx.Client, url: str) -> httpx.Response:
        return c.post(url, content=content, headers={"content-type": content_type, **headers})

    return send


def get(params: dict[str, str]) -> Callable[..., httpx.Response]:
    def send(c: httpx.Client, url: str) -> httpx.Response:
        return c.get(url, params=params, headers={"accept": "application/json"})

    return send


NETWORK_BIG = 'network(place: "GM0518", maxNodes: 20000) { nodes { id label x y } }'
MEMBERSHIPS = (
    "actors(first: 500) { edges { node { memberships { group { ... on Initiative { "
    "members { actor { memberships { role } } } } } } } } }"
)
CASES = [
    Case("fragment bomb, 24 levels (1.3 KB)", post(fragment_bomb(24)), ("cost",)),
    Case("fragment bomb, 18 levels", post(fragment_bomb(18)), ("cost",)),
    Case(
        "circular fragments",
        post("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"),
        ("spreads itself", "cannot spread fragment"),
    ),
    Case(
        "circular introspection (graphql-cop)",
        post(
            "query { __schema { types { fields { type { fields { type { fields { type "
            "{ fields { type { name } } } } } } } } } } }"
        ),
        ("introspection depth",),
    ),
    Case(
        "6 levels of knows under 500 actors",
        post("{ actors(first: 500) { edges { node { " + nested("knows", 6) + " } } } }"),
        ("cost",),
    ),
    Case(
        "8 levels of knows under 500 actors",
        post("{ actors(first: 500) { edges { node { " + nested("knows", 8) + " } } } }"),
        ("cost",),
    ),
    Case("10 aliases of nested memberships", post(aliases(10, MEMBERSHIPS)), ("cost",)),
    Case("30 aliases of network(maxNodes: 20000)", post(aliases(30, NETWORK_BIG)), ("cost",)),
    Case(
        "one network(maxNodes: 20000) with four fields", post("{ " + NETWORK_BIG + " }"), ("cost",)
    ),
    Case(
        "alias overloading: 101 aliases (graphql-cop)",
        post(aliases(101, "__typename")),
        ("aliases",),
    ),
    Case("31 aliases", post(aliases(31, "stats { nodeCount }")), ("aliases",)),
    Case(
        "depth 14",
        post("{ " + nested("place", 1, "parent { " * 12 + "code" + " }" * 12) + " }"),
        ("depth",),
    ),
    Case(
        "directive overloading (graphql-cop)",
        post("query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"),
        ("directives",),
    ),
    Case(
        "field duplication: 500 x __typename (graphql-cop)",
        post("query { " + "__typename \n" * 500 + "}"),
        ("selected more than",),
    ),
    Case(
        "6 operations in one document",
        post(" ".join(f"query Q{i} {{ __typename }}" for i in range(6)), operationName="Q1"),
        ("operations",),
    ),
    Case("5,000 tokens", post("{ " + "__typename " * 5000 + "}"), ("tokens",)),
    Case(
        "several operations without operationName",
        post("query A { __typename } query B { stats { nodeCount } }"),
        ("operationname",),
    ),
    Case(
        "unknown operationName",
        post("query A { __typename }", operationName="Nope"),
        ("unknown operation",),
    ),
    Case(
        "operationName not a string",
        post("query A { __typename }", operationName=42),
        ("operationname",),
    ),
    Case(
        "variables not an object",
        raw(b'{"query": "{ __typename }", "variables": "x"}'),
        ("variables",),
    ),
    Case(
        "batching: a list of 10 operations (graphql-cop)",
        raw(json.dumps([{"query": "{ __typename }"}] * 10).encode()),
        ("batching",),
    ),
    Case("a body of 42", raw(b"42"), ("json object",)),
    Case("a JSON string body", raw(b'"{ __typename }"'), ("json object",)),
    Case("invalid UTF-8 in the body", raw(b'{"query": "{ __typename }\xff\xfe"}'), ("utf-8",)),
    Case("not JSON at all", raw(b"{ __typename }"), ("not json",)),
    Case(
        "form-encoded POST (graphql-cop CSRF)",
        raw(b"query=%7B__typename%7D", "application/x-www-form-urlencoded"),
        ("application/json",),
    ),
    Case(
        "text/plain POST (a CSRF simple request)",
        raw(b'{"query": "{ __typename }"}', "text/plain"),
        ("application/json",),
    ),
    Case(
        "Accept: application/xml only",
        raw(b'{"query": "{ __typename }"}', accept="application/xml"),
        ("accept",),
    ),
    Case(
        "GET mutation (graphql-cop)",
        get({"query": 'mutation { registerActor(input: {name: "x"}) { __typename } }'}),
        ("post",),
    ),
    Case(
        "11 MB text filter",
        post("query($t: String) { actors(text: $t) { totalCount } }", {"t": "ab " * 3_700_000}),
        ("over the limit",),
    ),
    Case(
        "900 KB text filter under the body limit",
        post("query($t: String) { actors(text: $t) { totalCount } }", {"t": "x" * 900_000}),
        ("characters",),
    ),
    Case(
        "text filter of 201 characters",
        post('{ actors(text: "' + "a" * 201 + '") { totalCount } }'),
        ("too long",),
    ),
    Case(
        "NUL in a text filter",
        post("query($t: String) { actors(text: $t) { totalCount } }", {"t": "ab\u0000c"}),
        ("control character",),
    ),
    Case(
        "a lone surrogate in a text filter",
        raw(
            b'{"query": "query($t: String) { actors(text: $t) { totalCount } }", '
            b'"variables": {"t": "ab\\ud800"}}'
        ),
        ("surrogate",),
    ),
    Case(
        "1,000 items in a list argument",
        post(
            "query($k: [ActorKind!]) { actors(kind: $k) { totalCount } }",
            {"k": ["RESIDENT"] * 1000},
        ),
        ("items",),
    ),
    Case(
        "wrong variable type",
        post("query($n: Int!) { actors(first: $n) { totalCount } }", {"n": "many"}),
        ("int cannot represent",),
    ),
    Case(
        "unknown enum value in a variable",
        post("query($k: [ActorKind!]) { actors(kind: $k) { totalCount } }", {"k": ["DRAGON"]}),
        ("does not exist in 'actorkind'",),
    ),
    Case(
        "unknown input field",
        post(
            "mutation($i: RegisterActorInput!) { registerActor(input: $i) { __typename } }",
            {"i": {"name": "x", "evil": 1}},
        ),
        ("unknown field 'evil'",),
    ),
    Case("first: 501", post("{ actors(first: 501) { totalCount } }"), ("between 0 and 500",)),
]


@pytest.fixture(scope="module")
def pulse(city: Server) -> Iterator[tuple[Pulse, float]]:
    idle = idle_median(f"{city.base}/healthz")
    with Pulse(f"{city.base}/healthz") as p:
        yield p, idle


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        yield c


def test_there_are_at_least_30_hostile_requests() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request_is_refused_quickly_naming_the_limit(
    city: Server, http: httpx.Client, pulse: tuple[Pulse, float], case: Case
) -> None:
    response, took = timed(lambda: case.send(http, city.url))
    assert took < REFUSE_WITHIN, f"{case.name}: {took:.2f} s"
    refused(response, *case.words)
    assert response.status_code != 500


def test_unexpected_errors_are_not_what_bad_input_gets(city: Server, http: httpx.Client) -> None:
    """Validation and coercion errors keep their message; nothing is masked or logged as
    a crash for them."""
    response = http.post(
        city.url,
        json={
            "query": "query($n: Int!) { actors(first: $n) { totalCount } }",
            "variables": {"n": "x"},
        },
    )
    assert "Unexpected error" not in response.text
    assert "Traceback" not in city.output()


def test_graphql_response_json_gets_spec_status_codes(city: Server, http: httpx.Client) -> None:
    accept = {"accept": "application/graphql-response+json"}
    bad = http.post(city.url, json={"query": "{ actorz }"}, headers=accept)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in bad.json() and bad.json()["errors"]
    ok = http.post(city.url, json={"query": "{ stats { nodeCount } }"}, headers=accept)
    assert ok.status_code == 200 and ok.json()["data"]["stats"]["nodeCount"] > 3000
    limit = http.post(city.url, json={"query": fragment_bomb(24)}, headers=accept)
    assert limit.status_code == 400 and limit.json()["errors"][0]["extensions"]["limit"] == "cost"
    legacy = http.post(
        city.url, json={"query": "{ actorz }"}, headers={"accept": "application/json"}
    )
    assert legacy.status_code == 200 and legacy.json()["errors"]


def test_healthz_kept_answering_during_the_hostile_requests(pulse: tuple[Pulse, float]) -> None:
    p, idle = pulse
    print(f"/healthz during the hostile requests: {p.summary()} (idle median {idle * 1000:.0f} ms)")
    assert p.seconds and p.failures == 0
    assert p.median < healthy_bound(idle), p.summary()
