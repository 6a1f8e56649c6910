"""The layout, the language toggle, the pickers' fragments and name resolution, and the
GraphQL helper acting as the request's viewer."""

from __future__ import annotations

import re

import httpx
from starlette.applications import Starlette
from starlette.requests import Request

from api.web.graphql import run
from api.web.widgets import place_options, resolve_terms

from .conftest import Person


async def test_the_language_toggle_sets_a_cookie_and_goes_back_on_this_site(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/lang/en", params={"next": "/search?q=zon"})
    assert r.status_code == 303 and r.headers["location"] == "/search?q=zon"
    assert client.cookies.get("lang") == "en"
    r = await client.get("/lang/nl", params={"next": "https://elders.example/"})
    assert r.headers["location"] == "/"  # never to another site
    assert client.cookies.get("lang") == "nl"


async def test_place_suggestions_name_the_level_and_the_gemeente(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/web/suggest/places", params={"q": "Moerwijk", "list": "p"})
    assert r.status_code == 200
    assert re.search(r'role="option" id="p-0" data-value="WK\d+"', r.text)
    assert "wijk in Den Haag" in r.text
    client.cookies.set("lang", "en")
    r = await client.get(
        "/web/suggest/places", params={"field": "place_text", "place_text": "moerw"}
    )
    assert "neighbourhood in Den Haag" in r.text


async def test_skill_suggestions_match_either_language_and_show_the_page_language(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/web/suggest/skills", params={"q": "solar"})
    dutch = r.text
    client.cookies.set("lang", "en")
    english = (await client.get("/web/suggest/skills", params={"q": "solar"})).text
    ids = re.findall(r'data-value="([^"]+)"', english)
    assert ids and ids == re.findall(r'data-value="([^"]+)"', dutch)
    assert dutch != english  # labels in the page's language
    r = await client.get("/web/suggest/themes", params={"q": "energ"})
    assert 'data-value="' in r.text
    assert (await client.get("/web/suggest/nonsense", params={"q": "x"})).status_code == 404


def _request(app: Starlette, lang: str = "nl", session: str = "") -> Request:
    cookie = f"lang={lang}" + (f"; wijknet_session={session}" if session else "")
    raw = [(b"cookie", cookie.encode())]
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": raw,
        "app": app,
        "client": ("127.0.0.1", 1),
    }
    return Request(scope)


async def test_typed_names_resolve_to_ids_and_unknown_ones_are_named(web_app: Starlette) -> None:
    request = _request(web_app)
    skills = (await run(request, "{ skills { id nameNl nameEn } }")).data["skills"]
    a, b = skills[0], skills[1]
    picked, error = await resolve_terms(
        request, "skills", [a["id"]], f"{b['nameEn'].upper()}, bestaat-niet"
    )
    assert [o.value for o in picked] == [a["id"], b["id"]]
    assert "bestaat-niet" in error and error.startswith("Onbekend")
    options = await place_options(request, "Moerwijk")
    assert options and all("Moerwijk".casefold() in o.label.casefold() for o in options)


async def test_graphql_in_process_acts_as_the_cookie_viewer(
    web_app: Starlette, signed_in: object
) -> None:
    person: Person = await signed_in("Fatima El Amrani")  # type: ignore[operator]
    cookie = person.http.cookies.get("wijknet_session")
    anonymous = await run(_request(web_app), "{ me { actorId } }")
    assert anonymous.ok and anonymous.data["me"] is None
    request = _request(web_app, session=cookie or "")
    mine = await run(request, "{ me { actorId } }")
    assert mine.data["me"] == {"actorId": person.actor_id}


async def test_the_vendored_htmx_and_the_styles_are_served(client: httpx.AsyncClient) -> None:
    page = (await client.get("/auth/signin")).text
    for asset in ("/static/web/vendor/htmx.min.js", "/static/web/app.js", "/static/web/web.css"):
        assert f'"{asset}"' in page
        r = await client.get(asset)
        assert r.status_code == 200 and len(r.content) > 1000, asset


async def test_an_unknown_path_is_a_page_for_browsers_and_plain_text_for_others(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/bestaat-niet", headers={"accept": "text/html"})
    assert r.status_code == 404 and "Deze pagina bestaat niet (meer)." in r.text
    assert 'href="#main"' in r.text
    r = await client.get("/bestaat-niet")
    assert r.status_code == 404 and r.text == "Not Found"
