"""The demo badge on the pages for people: every name of something the demo generator
made up carries a visible "demo" badge (search results and suggestions, /me lists, an
introduction card); real (reference) bodies never do."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from graph.model import NodeId, Relationship, RelType

from .conftest import Person

BADGE = '<span class="badge demo"'


async def _first(client: httpx.AsyncClient, query: str, path: str) -> dict[str, Any]:
    r = await client.post("/graphql", json={"query": query})
    assert r.status_code == 200, r.text
    node: dict[str, Any] = r.json()["data"][path]["edges"][0]["node"]
    return node


def _item(html: str, href: str) -> str:
    """The ``<li>`` of a result list that links to ``href``."""
    link = re.escape(f'href="{href}"')
    found = re.search(r"<li>(?:(?!</li>).)*?" + link + r".*?</li>", html, re.S)
    assert found, f"no result links to {href}"
    return found.group(0)


async def _demo_initiative(client: httpx.AsyncClient) -> dict[str, Any]:
    everything = await client.post(
        "/graphql",
        json={"query": "{ initiatives(first: 50) { edges { node { id name source { demo } } } } }"},
    )
    nodes = [e["node"] for e in everything.json()["data"]["initiatives"]["edges"]]
    demo = [n for n in nodes if n["source"]["demo"]]
    assert demo, "the seeded store has demo initiatives"
    return demo[0]


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_search_marks_demo_results_and_not_real_ones(
    client: httpx.AsyncClient, lang: str
) -> None:
    client.cookies.set("lang", lang)
    demo = await _demo_initiative(client)
    r = await client.get("/search", params={"q": demo["name"], "kind": "initiatives"})
    assert r.status_code == 200
    assert BADGE in _item(r.text, f"/initiatives/{demo['id']}")
    # a real body (reference data) is found without a badge
    r = await client.get("/search", params={"q": "LSA bewoners", "kind": "people"})
    en = "&amp;lang=en" if lang == "en" else ""
    lsa = _item(r.text, "/?place=GM0344&amp;node=org-lsa-bewoners" + en)
    assert BADGE not in lsa
    # a demo person in the people results carries it
    person = await _first(
        client,
        "{ actors(kind: [FREELANCER], first: 1) { edges { node { id name source { demo } } } } }",
        "actors",
    )
    assert person["source"]["demo"]
    r = await client.get("/search", params={"q": person["name"], "kind": "people"})
    item = next(
        m.group(0)
        for m in re.finditer(r"<li>(?:(?!</li>).)*?</li>", r.text, re.S)
        if f"node={person['id']}" in m.group(0)
    )
    assert BADGE in item


async def test_suggestions_say_demo(client: httpx.AsyncClient) -> None:
    demo = await _demo_initiative(client)
    r = await client.get("/search/suggest", params={"q": demo["name"]})
    option = next(line for line in r.text.splitlines() if f'data-value="{demo["id"]}"' in line)
    assert "· demo</span>" in option
    r = await client.get("/search/suggest", params={"q": "LSA bewoners"})
    option = next(line for line in r.text.splitlines() if 'data-value="org-lsa-bewoners"' in line)
    assert "demo" not in option


async def test_my_lists_mark_demo_initiatives_and_people(
    signed_in: Any, client: httpx.AsyncClient, web_app: Starlette
) -> None:
    person: Person = await signed_in(f"Dewi Demotest{secrets.token_hex(3)}")
    demo = await _demo_initiative(client)
    friend = await _first(
        client,
        "{ actors(kind: [FREELANCER], first: 1) { edges { node { id name source { demo } } } } }",
        "actors",
    )
    store = web_app.state.store
    await store.upsert(
        rels=[
            Relationship(
                RelType.MEMBER_OF,
                NodeId(person.actor_id),
                NodeId(demo["id"]),
                {"role": "member", "provenance": "user"},
            ),
            Relationship(
                RelType.KNOWS,
                NodeId(person.actor_id),
                NodeId(friend["id"]),
                {"provenance": "user"},
            ),
        ]
    )
    page = (await person.http.get("/me")).text
    memberships = re.search(r'<ul id="memberships">.*?</ul>', page, re.S)
    knows = re.search(r'<ul id="knows">.*?</ul>', page, re.S)
    assert memberships and knows
    assert BADGE in _item(memberships.group(0), f"/initiatives/{demo['id']}")
    assert BADGE in knows.group(0) and friend["name"] in knows.group(0)
