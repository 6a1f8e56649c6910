"""Pickers for places, skills and themes: chosen by name, sent as ids.

With JavaScript, typing asks ``/web/suggest/{places,skills,themes}`` (htmx) for a
listbox of options and ``static/web/app.js`` makes it a combobox; picking puts the id
in a hidden input (place) or a ticked checkbox (skills, themes). Without JavaScript the
typed text is posted as is and :func:`resolve_place` / :func:`resolve_terms` find the
ids by name here, asking the person to choose when a name is ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from api.web.graphql import fetch
from api.web.i18n import lang_of, translator
from api.web.templating import env
from seed_data.postcodes import POSTCODE

PLACE_FIELDS = """
  code name displayName level
  parent { displayName level parent { displayName level parent { displayName level } } }
"""
PLACES = f"""query WebPlaces($text: String!, $first: Int!) {{
  places(text: $text, first: $first) {{ edges {{ node {{ {PLACE_FIELDS} }} }} }}
}}"""
PLACE = f"query WebPlace($code: String!) {{ place(code: $code) {{ {PLACE_FIELDS} }} }}"
SKILLS = "query WebSkills { skills { id name nameNl nameEn } }"
THEMES = "query WebThemes { themes { id name nameNl nameEn } }"
TERM_KINDS = ("skills", "themes")


@dataclass(frozen=True, slots=True)
class Option:
    """One choice: the id to send and the words to show."""

    value: str
    label: str
    meta: str = ""


@dataclass(slots=True)
class PlacePick:
    """What the place picker resolved: a code, or an error and choices to offer."""

    code: str = ""
    label: str = ""
    error: str = ""
    choices: list[Option] = field(default_factory=list)


def place_option(node: dict[str, Any], lang: str) -> Option:
    """``Moerwijk`` with ``wijk in Den Haag``: the level and the gemeente (or parent)."""
    t = translator(lang)
    level = t(f"common.level.{str(node['level']).lower()}")
    up, municipality = node.get("parent"), None
    first_parent = up
    while up:
        if str(up["level"]).upper() == "MUNICIPALITY":
            municipality = up
            break
        up = up.get("parent")
    parent = municipality or first_parent
    meta = t("widgets.place.in", level=level, parent=parent["displayName"]) if parent else level
    return Option(value=str(node["code"]), label=str(node["displayName"]), meta=meta)


LEVELS = ("MUNICIPALITY", "NEIGHBOURHOOD", "BUURT", "DISTRICT", "PROVINCE")


async def place_options(request: Request, text: str, first: int = 12) -> list[Option]:
    """Places whose name holds every word of ``text``: exact names first, then names
    that start with it, then gemeenten, wijken, buurten."""
    text = text.strip()[:200]
    if not text:
        return []
    data = await fetch(request, PLACES, {"text": text, "first": 50})
    nodes = [e["node"] for e in data["places"]["edges"]]
    if not POSTCODE.match(text):  # a postcode's wijken come largest share first
        nodes = ranked(nodes, text)
    return [place_option(n, lang_of(request)) for n in nodes[:first]]


def ranked(nodes: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Places by how well their name fits ``text``: the same name, then names that start
    with it; then gemeenten before wijken before buurten."""
    typed = text.strip().casefold()

    def rank(node: dict[str, Any]) -> tuple[bool, bool, int, str]:
        name = str(node["displayName"]).casefold()
        level = str(node["level"]).upper()
        return (
            name != typed,
            not name.startswith(typed),
            LEVELS.index(level) if level in LEVELS else len(LEVELS),
            name,
        )

    return sorted(nodes, key=rank)


async def place_label(request: Request, code: str) -> Option | None:
    """The option of a place code (to show a stored place by its name)."""
    if not code:
        return None
    place = (await fetch(request, PLACE, {"code": code}))["place"]
    return place_option(place, lang_of(request)) if place else None


async def resolve_place(request: Request, code: str, text: str) -> PlacePick:
    """The place a person picked (``code``) or typed (``text``), or why there is none."""
    t = translator(lang_of(request))
    if code:
        found = await place_label(request, code)
        if found is not None and (not text or text.casefold() == found.label.casefold()):
            return PlacePick(code=found.value, label=found.label)
    if not text:
        return PlacePick()
    options = await place_options(request, text, first=20)
    if POSTCODE.match(text):
        if len(options) == 1:
            return PlacePick(code=options[0].value, label=options[0].label)
        if not options:
            return PlacePick(label=text, error=t("widgets.place.postcode_unknown"))
        return PlacePick(label=text, error=t("widgets.place.postcode_choose"), choices=options)
    exact = [o for o in options if o.label.casefold() == text.casefold()]
    if len(exact) == 1:
        return PlacePick(code=exact[0].value, label=exact[0].label)
    if not options:
        return PlacePick(label=text, error=t("widgets.place.unknown"))
    return PlacePick(label=text, error=t("widgets.place.choose"), choices=exact or options)


async def term_options(request: Request, kind: str, text: str = "") -> list[Option]:
    """Skills or themes whose Dutch or English label holds ``text`` (all when empty),
    labelled in the page's language."""
    query = SKILLS if kind == "skills" else THEMES
    data = await fetch(request, query)
    wanted = text.strip().casefold()
    out = []
    for item in data[kind]:
        names = (item["nameNl"], item["nameEn"])
        if not wanted or any(wanted in n.casefold() for n in names):
            out.append(Option(value=str(item["id"]), label=str(item["name"])))
    return sorted(out, key=lambda o: o.label.casefold())


def _typed_names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[,;\n]", text) if n.strip()]


async def resolve_terms(
    request: Request, kind: str, ids: list[str], text: str
) -> tuple[list[Option], str]:
    """The ticked ``ids`` plus the names typed in ``text`` (Dutch or English), and an
    error naming what was not understood (with near matches) or ''."""
    t = translator(lang_of(request))
    query = SKILLS if kind == "skills" else THEMES
    items = (await fetch(request, query))[kind]
    by_id = {str(i["id"]): i for i in items}
    by_name: dict[str, dict[str, Any]] = {}
    for item in items:
        for name in (item["nameNl"], item["nameEn"], item["name"]):
            by_name.setdefault(name.casefold(), item)
    chosen = [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
    unknown: list[str] = []
    near: list[str] = []
    for name in _typed_names(text):
        item = by_name.get(name.casefold())
        if item is None:
            unknown.append(name)
            near += [
                str(i["name"])
                for i in items
                if name.casefold() in i["nameNl"].casefold()
                or name.casefold() in i["nameEn"].casefold()
            ][:5]
        elif item not in chosen:
            chosen.append(item)
    picked = [Option(value=str(i["id"]), label=str(i["name"])) for i in chosen]
    if not unknown:
        return picked, ""
    error = t("widgets.unknown_term", names=", ".join(unknown))
    if near:
        error += " " + t("widgets.did_you_mean", names=", ".join(dict.fromkeys(near)))
    return picked, error


async def suggest(request: Request) -> Response:
    """``GET /web/suggest/{kind}?q=`` (or ``?field=<input name>`` and that input): the
    options as ``<li role=option>`` items for the combobox's listbox."""
    kind = request.path_params["kind"]
    params = request.query_params
    text = params.get("q") or params.get(params.get("field", ""), "") or ""
    if kind == "places":
        options = await place_options(request, text)
    elif kind in TERM_KINDS:
        options = (await term_options(request, kind, text))[:15] if text.strip() else []
    else:
        return HTMLResponse("", status_code=404)
    lang = lang_of(request)
    html = env.get_template("_options.html").render(
        options=options, list_id=params.get("list", kind), t=translator(lang)
    )
    return HTMLResponse(html, headers={"cache-control": "no-store"})
