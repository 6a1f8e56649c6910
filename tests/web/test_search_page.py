"""Search at /search: over everything the viewer may see, paged, in both languages;
suggestions while typing; results link to initiative pages and the map."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
import pytest

from .conftest import Person


async def _graphql(person: Person, query: str) -> dict[str, Any]:
    r = await person.http.post(
        "/graphql", json={"query": query}, headers={"x-csrf-token": person.csrf}
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


@pytest.mark.parametrize("lang", ["nl", "en"])
async def test_search_renders_in_both_languages(client: httpx.AsyncClient, lang: str) -> None:
    client.cookies.set("lang", lang)
    r = await client.get("/search", params={"q": "Moerwijk"})
    assert r.status_code == 200 and f'<html lang="{lang}">' in r.text
    assert ("Plaatsen" if lang == "nl" else "Places") in r.text
    # places link to the map with ?place=, in the page's language
    href = "/?place=WK051836" + ("&amp;lang=en" if lang == "en" else "")
    assert f'href="{href}"' in r.text


async def test_initiatives_link_to_their_page_and_lists_page_on(client: httpx.AsyncClient) -> None:
    everything = await client.post(
        "/graphql", json={"query": "{ initiatives(first: 1) { edges { node { id name } } } }"}
    )
    first = everything.json()["data"]["initiatives"]["edges"][0]["node"]
    word = first["name"].split()[0]
    r = await client.get("/search", params={"q": word})
    assert f'href="/initiatives/{first["id"]}"' in r.text
    r = await client.get("/search", params={"q": "e", "kind": "people"})
    assert r.text.count('<li><a href="/?') == 20
    found = re.search(r'href="(/search\?q=e&amp;kind=people&amp;after=[^"]+)" rel="next"', r.text)
    assert found
    second = await client.get(found.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and second.text.count('<li><a href="/?') >= 1
    assert second.text != r.text


async def test_search_finds_a_visible_tie_but_not_a_hidden_person(
    signed_in: Any, client: httpx.AsyncClient
) -> None:
    tag = secrets.token_hex(3)
    asker: Person = await signed_in(f"Ayla Vrager{tag}")
    friend: Person = await signed_in(f"Bas Vriend{tag}")
    hidden: Person = await signed_in(f"Cor Verborgen{tag}")
    # the friend shows themselves to their network, and the two know each other
    await _graphql(friend, "mutation { setVisibility(visibility: NETWORK) { __typename } }")
    linked = await _graphql(
        asker,
        f'mutation {{ link(type: KNOWS, from: "{asker.actor_id}", to: "{friend.actor_id}") '
        "{ __typename } }",
    )
    assert linked["link"]["__typename"] != "Error"
    accepted = await _graphql(
        friend, f'mutation {{ acceptKnows(from: "{asker.actor_id}") {{ __typename }} }}'
    )
    assert accepted["acceptKnows"]["__typename"] != "Error"

    page = (await asker.http.get("/search", params={"q": f"Vriend{tag}"})).text
    assert f"Bas Vriend{tag}" in page and f"node={friend.actor_id}" in page
    page = (await asker.http.get("/search", params={"q": f"Verborgen{tag}"})).text
    assert f"Cor Verborgen{tag}" not in page and hidden.actor_id not in page
    assert "Niets gevonden" in page
    # an anonymous visitor finds neither
    for name in (f"Vriend{tag}", f"Verborgen{tag}"):
        page = (await client.get("/search", params={"q": name})).text
        assert name not in page.split("</h1>", 1)[1].replace(f'value="{name}"', "")

    # the suggestions while typing follow the same rule
    fragment = (await asker.http.get("/search/suggest", params={"q": f"Vriend{tag}"})).text
    assert f'data-value="{friend.actor_id}"' in fragment and "data-href=" in fragment
    fragment = (await client.get("/search/suggest", params={"q": f"Vriend{tag}"})).text
    assert friend.actor_id not in fragment


async def test_a_too_long_search_is_explained(client: httpx.AsyncClient) -> None:
    r = await client.get("/search", params={"q": "x" * 201})
    assert r.status_code == 400 and 'id="q-error">Typ hoogstens 200 tekens.' in r.text


async def test_a_postcode_finds_its_wijk(client: httpx.AsyncClient) -> None:
    r = await client.get("/search", params={"q": "2532 AB", "kind": "places"})
    assert r.status_code == 200
    assert 'href="/?place=WK051836"' in r.text
