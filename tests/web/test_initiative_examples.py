"""An initiative's page links the interviewed wijkondernemingen like it ("initiatives
like yours") and the instruments that initiatives like it used (#12)."""

from __future__ import annotations

import html
from typing import Any

import httpx


async def _initiatives(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await client.post(
        "/graphql",
        json={
            "query": """{ initiatives(first: 100) { edges { node { id
              similarExamples { example { name city } reason }
              instrumentsLikeYours } } } }"""
        },
    )
    assert r.status_code == 200, r.text
    return [e["node"] for e in r.json()["data"]["initiatives"]["edges"]]


async def test_the_page_shows_the_examples_like_it(client: httpx.AsyncClient) -> None:
    found = [n for n in await _initiatives(client) if n["similarExamples"]]
    assert found, "some seeded initiative shares a theme with an interviewed wijkonderneming"
    node = found[0]
    page = html.unescape((await client.get(f"/initiatives/{node['id']}")).text)
    assert 'id="examples"' in page
    for hit in node["similarExamples"]:
        assert hit["example"]["name"] in page and hit["example"]["city"] in page
        assert hit["reason"] in page


async def test_the_page_says_which_instruments_initiatives_like_it_used(
    client: httpx.AsyncClient,
) -> None:
    found = [n for n in await _initiatives(client) if n["instrumentsLikeYours"]]
    assert found
    node = found[0]
    client.cookies.set("lang", "nl")
    page = html.unescape((await client.get(f"/initiatives/{node['id']}")).text)
    for hint in node["instrumentsLikeYours"]:
        assert hint in page
