"""Where data comes from, over real HTTP: ``source`` on every node type and relationship,
in every download format, and figures that say how much of them is demo data."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import httpx
import networkx as nx
import pytest
from gql.client import AsyncClientSession

from tests.api.conftest import run
from tests.api.server import Server

pytestmark = pytest.mark.slow

SOURCE = "source { kind detail demo }"
KINDS = {"REFERENCE", "IMPORT", "USER", "DEMO"}


def check(source: dict[str, Any]) -> str:
    assert source["kind"] in KINDS, source
    assert source["demo"] is (source["kind"] == "DEMO")
    return str(source["kind"])


async def test_every_node_type_and_relationship_says_where_it_comes_from(
    client: AsyncClientSession,
) -> None:
    # every actor, in pages: all 300 with their ties in one request is over the cost limit
    actors_q = f"""query($after: String) {{
      actors(first: 100, after: $after) {{ pageInfo {{ hasNextPage endCursor }}
        edges {{ node {{ __typename id {SOURCE}
        memberships {{ {SOURCE} }} supports {{ {SOURCE} }} }} }} }} }}"""
    actor_edges: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await run(client, actors_q, after=after))["actors"]
        actor_edges += page["edges"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    q = f"""{{
      initiatives(first: 100) {{ edges {{ node {{ id {SOURCE}
        members {{ actor {{ id }} {SOURCE} }} supporters {{ {SOURCE} }} needs {{ {SOURCE} }}
      }} }} }}
      places(first: 50) {{ edges {{ node {{ code {SOURCE} }} }} }}
      skills {{ id {SOURCE} }}
      themes {{ id {SOURCE} }}
      instruments {{ id {SOURCE} }}
    }}"""
    data = await run(client, q)
    seen: dict[str, set[str]] = {}
    for edge in actor_edges:
        node = edge["node"]
        seen.setdefault(node["__typename"], set()).add(check(node["source"]))
        for rel in ("memberships", "supports"):
            for item in node[rel]:
                seen.setdefault(rel, set()).add(check(item["source"]))
    for edge in data["initiatives"]["edges"]:
        node = edge["node"]
        seen.setdefault("Initiative", set()).add(check(node["source"]))
        for rel in ("members", "supporters", "needs"):
            for item in node[rel]:
                seen.setdefault(rel, set()).add(check(item["source"]))
    for name in ("skills", "themes", "instruments"):
        for node in data[name]:
            assert check(node["source"]) == "REFERENCE" and node["source"]["detail"]
            seen.setdefault(name, set()).add("REFERENCE")
    for edge in data["places"]["edges"]:
        assert check(edge["node"]["source"]) == "REFERENCE"
        assert edge["node"]["source"]["detail"]
    every = {"Resident", "Freelancer", "Professional", "Enterprise", "Organisation"}
    every |= {"Municipality", "Initiative", "memberships", "supports", "members"}
    every |= {"supporters", "needs"}
    assert every <= set(seen), set(seen)
    assert "DEMO" in seen["Resident"] and "REFERENCE" in seen["Organisation"]
    joined = next(e["node"] for e in data["initiatives"]["edges"] if e["node"]["members"])
    found = await run(
        client,
        """query($a: ID!, $b: ID!) { path(from: $a, to: $b) {
             steps { type source { kind detail demo } } } }""",
        a=joined["id"],
        b=joined["members"][0]["actor"]["id"],
    )
    steps = found["path"]["steps"]
    assert steps and all(check(s["source"]) for s in steps)


async def test_no_demo_relationship_touches_a_reference_body(client: AsyncClientSession) -> None:
    # in pages: every body with all its ties at once is over the cost limit (api.limits)
    q = f"""query($after: String) {{
      actors(kind: [ENTERPRISE, ORGANISATION, MUNICIPALITY], first: 100, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      edges {{ node {{ id name {SOURCE}
        supports {{ {SOURCE} }} memberships {{ {SOURCE} }}
        partners {{ id }} knows {{ id {SOURCE} }}
        ... on Body {{ staff {{ id {SOURCE} }} }}
        ... on Enterprise {{ members {{ {SOURCE} }} supporters {{ {SOURCE} }} }} }} }} }} }}"""
    bodies: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await run(client, q, after=after))["actors"]
        bodies += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    real = [b for b in bodies if b["source"]["kind"] == "REFERENCE"]
    assert "org-gemeente-den-haag" in {b["id"] for b in real}
    assert any(b["source"]["demo"] for b in bodies)  # the demo has bodies of its own
    for body in real:
        for rel in ("supports", "memberships", "members", "supporters"):
            assert not any(item["source"]["demo"] for item in body.get(rel) or []), body["id"]
        for other in (body.get("staff") or []) + body["knows"]:
            assert not other["source"]["demo"], (body["id"], other["id"])
        assert body["partners"] == [] or all(
            not p["id"].startswith(("ini-", "ent-", "org-0")) for p in body["partners"]
        )


async def test_network_figures_report_the_demo_share(client: AsyncClientSession) -> None:
    share = "demo { actors initiatives ties residents residentsInvolved any }"
    q = f"""{{ network(place: "GM0518", maxNodes: 50) {{
      totals {{ residents actors {{ count }} {share} }}
      figures {{ place {{ code }} residents {share} }}
      nodes {{ id provenance }} edges {{ provenance }} }} }}"""
    net = (await run(client, q))["network"]
    totals = net["totals"]
    assert totals["residents"] > 0
    # every resident the seed made is made up; other tests on this session's server
    # (tests/api/test_policy_http.py, test_events_http.py) register residents of their own
    # in Den Haag (together 0.899 of them demo by now)
    assert 0.8 <= totals["demo"]["residents"] <= 1.0
    assert totals["demo"]["any"] is True
    assert 0.5 < totals["demo"]["actors"] <= 1.0
    assert all(0.0 <= f["demo"]["actors"] <= 1.0 for f in net["figures"])
    assert {n["provenance"] for n in net["nodes"]} <= KINDS
    assert "DEMO" in {e["provenance"] for e in net["edges"]}


def _attrs(fmt: str, body: bytes) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Node attributes by id and edge attributes, read back from a download."""
    if fmt == "gexf":
        g = nx.read_gexf(io.BytesIO(body))
    elif fmt == "graphml":
        g = nx.read_graphml(io.BytesIO(body))
    elif fmt == "json":
        g = nx.node_link_graph(json.loads(body), edges="edges")
    else:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            nodes = list(csv.DictReader(io.StringIO(zf.read("nodes.csv").decode())))
            edges = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode())))
        return {r["Id"]: r for r in nodes}, edges
    return dict(g.nodes(data=True)), [d for _, _, d in g.edges(data=True)]


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json", "csv"])
async def test_downloads_keep_where_each_node_and_tie_comes_from(
    server: Server, client: AsyncClientSession, fmt: str
) -> None:
    q = """{ network(place: "GM0518", maxNodes: 20000, maxEdges: 100000) {
      nodes { id provenance } } }"""
    want = {n["id"]: n["provenance"].lower() for n in (await run(client, q))["network"]["nodes"]}
    response = httpx.get(f"{server.base}/network/GM0518.{fmt}", timeout=60)
    assert response.status_code == 200
    nodes, edges = _attrs(fmt, response.content)
    assert nodes and edges
    assert {i: d["provenance"] for i, d in nodes.items()} == want
    assert all(d["provenance"] in {k.lower() for k in KINDS} for d in edges)
    assert "demo" in {d["provenance"] for d in edges}
    real = [d for d in nodes.values() if d["provenance"] == "reference"]
    assert real and all(d["source"] for d in real)
    # a tie's own source survives the round trip too (as tie_source: in node-link JSON
    # and Gephi's edge table "source" is the tie's first end)
    assert all("tie_source" in d for d in edges)
    assert any(d["tie_source"] for d in edges if d["provenance"] == "demo")


async def test_each_relationship_type_says_where_it_comes_from(client: AsyncClientSession) -> None:
    """One tie of each type, as a one-step ``path(via: [TYPE])``, carries its source; the
    reference ties (PART_OF, ADJACENT_TO) cite theirs."""
    actors = (
        await run(
            client,
            """{ actors(kind: [PROFESSIONAL, ENTERPRISE, ORGANISATION, FREELANCER], first: 100) {
              edges { node { __typename id place { code } skills { id } offers { id }
                interests { id }
                knows { id } partners { id } supports { group { ... on Node { id } } }
                ... on Professional { worksFor { id } } } } } }""",
        )
    )["actors"]["edges"]
    initiatives = (
        await run(
            client,
            """{ initiatives(first: 100) { edges { node { id place { code } themes { id }
                 needs { skill { id } } instruments { id } members { actor { id } } } } } }""",
        )
    )["initiatives"]["edges"]
    pairs: dict[str, tuple[str, str]] = {
        "PART_OF": ("WK051830", "SD0518-CEN"),  # Transvaalkwartier in stadsdeel Centrum
        "ADJACENT_TO": ("WK051830", "WK051829"),
    }
    place = await run(client, '{ place(code: "WK051830") { parent { code } } }')
    pairs["PART_OF"] = ("WK051830", place["place"]["parent"]["code"])

    def first(kind: str, a: str, items: list[Any] | None, key: str = "id") -> None:
        if kind not in pairs and items:
            pairs[kind] = (a, items[0][key] if key else items[0])

    for edge in actors:
        n = edge["node"]
        # people live somewhere (LIVES_IN), bodies are located (LOCATED_IN)
        lives = "LIVES_IN" if n["__typename"] in ("Professional", "Freelancer") else "LOCATED_IN"
        first(lives, n["id"], [n["place"]] if n["place"] else None, "code")
        first("HAS_SKILL", n["id"], n["skills"])
        first("OFFERS", n["id"], n["offers"])
        first("INTERESTED_IN", n["id"], n["interests"])
        first("KNOWS", n["id"], n["knows"])
        first("PARTNERS_WITH", n["id"], n["partners"])
        first("SUPPORTS", n["id"], [s["group"] for s in n["supports"]])
        first("WORKS_FOR", n["id"], n.get("worksFor"))
    for edge in initiatives:
        n = edge["node"]
        first("LOCATED_IN", n["id"], [n["place"]] if n["place"] else None, "code")
        first("ABOUT", n["id"], n["themes"])
        first("NEEDS", n["id"], [x["skill"] for x in n["needs"]])
        first("USES", n["id"], n["instruments"])
        first("MEMBER_OF", n["id"], [m["actor"] for m in n["members"]])
    wanted = {
        "LIVES_IN", "LOCATED_IN", "PART_OF", "ADJACENT_TO", "HAS_SKILL", "OFFERS",
        "INTERESTED_IN", "MEMBER_OF", "WORKS_FOR", "KNOWS", "PARTNERS_WITH", "SUPPORTS",
        "NEEDS", "ABOUT", "USES",
    }  # fmt: skip
    assert wanted <= set(pairs), wanted - set(pairs)
    q = """query($a: ID!, $b: ID!, $t: [RelationshipType!]) {
      path(from: $a, to: $b, maxHops: 1, via: $t) {
        steps { type source { kind detail demo } } } }"""
    for kind in sorted(wanted):
        a, b = pairs[kind]
        found = (await run(client, q, a=a, b=b, t=[kind]))["path"]
        assert found and len(found["steps"]) == 1, (kind, a, b)
        step = found["steps"][0]
        assert step["type"] == kind
        check(step["source"])
        if kind in ("PART_OF", "ADJACENT_TO"):
            assert step["source"]["kind"] == "REFERENCE" and step["source"]["detail"], kind
