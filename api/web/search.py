"""Search at /search: people, initiatives and places by name, over everything the
viewer may see (the API's ``text`` filters ask the policy), paged, with suggestions
while typing (``/search/suggest``, htmx)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.web.graphql import fetch
from api.web.i18n import lang_of, translator
from api.web.routes import page
from api.web.templating import env, render
from api.web.widgets import PLACE_FIELDS, Option, place_option, ranked
from seed_data.postcodes import POSTCODE

KINDS = ("all", "people", "initiatives", "places")
MAX_TEXT = 200
PAGE = {"all": 5, "people": 20, "initiatives": 20, "places": 20}
SEARCH = f"""query WebSearch(
  $text: String!, $people: Int!, $initiatives: Int!, $places: Int!,
  $afterPeople: String, $afterInitiatives: String, $afterPlaces: String
) {{
  actors(text: $text, first: $people, after: $afterPeople) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ id kind name redacted source {{ demo }} place {{ code displayName }} }} }}
  }}
  initiatives(text: $text, first: $initiatives, after: $afterInitiatives) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{
      id name stage source {{ demo }} place {{ code displayName }} themes {{ name }}
    }} }}
  }}
  places(text: $text, first: $places, after: $afterPlaces) {{
    totalCount pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ {PLACE_FIELDS} }} }}
  }}
}}"""


def person_href(node: dict[str, Any], lang: str) -> str:
    """The map, showing this actor (in its place when it has one)."""
    params = {"place": node["place"]["code"]} if node.get("place") else {}
    params["node"] = node["id"]
    if lang == "en":
        params["lang"] = "en"
    return "/?" + urlencode(params)


def place_href(code: str, lang: str) -> str:
    return "/?" + urlencode({"place": code, **({"lang": "en"} if lang == "en" else {})})


async def _search(request: Request, text: str, kind: str, after: str | None) -> dict[str, Any]:
    sizes = {k: (PAGE[kind] if kind in ("all", k) else 0) for k in KINDS[1:]}
    return await fetch(
        request,
        SEARCH,
        {
            "text": text,
            **sizes,
            "afterPeople": after if kind == "people" else None,
            "afterInitiatives": after if kind == "initiatives" else None,
            "afterPlaces": after if kind == "places" else None,
        },
    )


def _demo(node: dict[str, Any], t: Callable[..., str]) -> str:
    """`` · demo`` after a suggestion's description when the demo generator made it up."""
    return f" · {t('common.demo')}" if (node.get("source") or {}).get("demo") else ""


@page
async def search_page(request: Request) -> Response:
    lang = lang_of(request)
    t = translator(lang)
    text = request.query_params.get("q", "").strip()
    kind = request.query_params.get("kind", "all")
    kind = kind if kind in KINDS else "all"
    after = request.query_params.get("after") or None
    error, results = "", None
    if len(text) > MAX_TEXT:
        error = t("search.too_long")
    elif text:
        data = await _search(request, text, kind, after)
        places = [e["node"] for e in data["places"]["edges"]]
        if not POSTCODE.match(text):  # a postcode's wijken come largest share first
            places = ranked(places, text)
        results = {
            "people": data["actors"],
            "initiatives": data["initiatives"],
            "places": {
                **data["places"],
                "options": [place_option(n, lang) for n in places],
            },
        }
    return await render(
        request,
        "search/search.html",
        status=400 if error else 200,
        text=text,
        kind=kind,
        kinds=KINDS,
        error=error,
        results=results,
        person_href=lambda node: person_href(node, lang),
        place_href=lambda code: place_href(code, lang),
        more=lambda k, cursor: "/search?" + urlencode({"q": text, "kind": k, "after": cursor}),
        all_of=lambda k: "/search?" + urlencode({"q": text, "kind": k}),
    )


@page
async def suggest(request: Request) -> Response:
    """``GET /search/suggest?q=``: a few of each kind, as combobox options that go to
    the result when chosen."""
    lang = lang_of(request)
    t = translator(lang)
    text = request.query_params.get("q", "").strip()[:MAX_TEXT]
    options: list[tuple[Option, str]] = []
    if len(text) >= 2:
        data = await _search(request, text, "all", None)
        for edge in data["initiatives"]["edges"]:
            node = edge["node"]
            meta = t("search.type.initiative")
            if node.get("place"):
                meta += f", {node['place']['displayName']}"
            meta += _demo(node, t)
            options.append((Option(node["id"], node["name"], meta), f"/initiatives/{node['id']}"))
        for edge in data["actors"]["edges"]:
            node = edge["node"]
            meta = t("common.kind." + node["kind"].lower()) + _demo(node, t)
            options.append((Option(node["id"], node["name"], meta), person_href(node, lang)))
        for edge in data["places"]["edges"]:
            option = place_option(edge["node"], lang)
            options.append((option, place_href(option.value, lang)))
    html = env.get_template("search/_suggest.html").render(options=options, list_id="q-options")
    return HTMLResponse(html, headers={"cache-control": "no-store"})


def routes() -> list[Route]:
    return [
        Route("/search", search_page, methods=["GET"]),
        Route("/search/suggest", suggest, methods=["GET"]),
    ]
