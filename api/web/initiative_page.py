"""The initiative page (``/initiatives/{id}``), a URL to share: what it is, who is in
it, which needs are covered and which are open, its instruments and supporters, who
should join (suggestions with their reasons, a coalition) and initiatives like it.

Everything comes from one GraphQL operation run as the viewer, so the page shows
exactly what the policy lets this viewer see; coordinators get the requests to join
and the invitations, and the forms of :mod:`api.web.initiative_actions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from api.web.forms import Errors
from api.web.graphql import fetch, run
from api.web.i18n import lang_of, translator
from api.web.initiative_form import URGENCIES
from api.web.routes import page
from api.web.templating import render

PERSON = "id name kind redacted source { demo }"
INITIATIVE = f"""query WebInitiative($id: ID!) {{ initiative(id: $id) {{
  id name description stage started redacted visibility
  source {{ kind detail demo }}
  place {{ code displayName level }}
  themes {{ id name }}
  members {{ actor {{ {PERSON} }} role since }}
  needs {{ skill {{ id name }} urgency note coveredBy {{ id name }} }}
  instruments {{ id name description offeredBy conditions steps url }}
  instrumentsLikeYours
  supporters {{ actor {{ {PERSON} }} how since }}
  similarExamples {{
    example {{ id name city runs earns verified source }}
    sharedThemes {{ name }} reason }}
  viewerStatus viewerCoordinates
  joinRequests {{ actor {{ {PERSON} }} role since }}
  openInvitations {{ actor {{ {PERSON} }} role }}
}} }}"""
SUGGESTIONS = f"""query WebSuggestions($id: ID!) {{
  suggestPartners(initiative: $id, first: 8) {{
    actor {{ {PERSON} place {{ displayName }} }}
    parts {{ skills proximity warmth network theme role }}
    reasons {{ code text }} }}
  suggestCoalition(initiative: $id, size: 6) {{
    members {{ actor {{ {PERSON} }} covers {{ kind label }} }}
    covered {{ kind label }} missing {{ kind label }} }}
}}"""
PARTS = ("skills", "proximity", "warmth", "network", "theme", "role")
#: where a part's value (0 to 1) turns into the next word: none, a little, some, strong
STEPS = (0.0, 0.34, 0.67)
INTRODUCTION_URL = "/introductions/request"


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a suggestion's score, as words and a scale of four steps."""

    key: str
    level: int  # 0 none, 1 a little, 2 some, 3 strong

    @property
    def dots(self) -> str:
        return "●" * self.level + "○" * (3 - self.level)


def level_of(value: float) -> int:
    """0 for nothing, then 1, 2, 3 as the part reaches a third, two thirds of its scale.

    >>> [level_of(v) for v in (0.0, 0.2, 0.5, 0.7, 1.0)]
    [0, 1, 2, 3, 3]
    """
    if value <= STEPS[0]:
        return 0
    return 1 + sum(value >= step for step in STEPS[1:])


def parts_of(parts: dict[str, float]) -> list[Part]:
    """The score parts as words, strongest first (parts at nothing left out)."""
    found = [Part(key, level_of(float(parts.get(key, 0.0)))) for key in PARTS]
    return sorted((p for p in found if p.level), key=lambda p: -p.level)


def needs_split(needs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The needs someone in the initiative covers, and the open ones (most urgent first)."""
    order = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}
    ranked = sorted(needs, key=lambda n: (order.get(n["urgency"], 1), n["skill"]["name"]))
    return [n for n in ranked if n["coveredBy"]], [n for n in ranked if not n["coveredBy"]]


async def suggestions(request: Request, initiative: dict[str, Any]) -> dict[str, Any]:
    """Suggestions and a coalition, or why there are none (the index still loads)."""
    if initiative["redacted"] or initiative["stage"] == "ENDED":
        return {"partners": [], "coalition": None, "unavailable": ""}
    result = await run(request, SUGGESTIONS, {"id": initiative["id"]})
    if not result.ok:  # the index still loads, or this client asked too much this minute
        why = "limited" if "LIMIT_EXCEEDED" in result.codes else "unavailable"
        return {"partners": [], "coalition": None, "unavailable": why}
    partners = [{**s, "words": parts_of(s["parts"])} for s in result.data["suggestPartners"] or []]
    return {
        "partners": partners,
        "coalition": result.data["suggestCoalition"],
        "unavailable": "",
    }


async def show(
    request: Request, initiative_id: str, *, errors: Errors | None = None, status: int = 200
) -> Response:
    """The page of ``initiative_id`` (with ``errors`` of a form on it that was not right)."""
    data = await fetch(request, INITIATIVE, {"id": initiative_id})
    initiative = data["initiative"]
    if initiative is None:
        t = translator(lang_of(request))
        return await render(
            request,
            "error.html",
            status=404,
            message=t("initiative.page.not_found"),
            detail="",
        )
    covered, open_needs = needs_split(initiative["needs"])
    return await render(
        request,
        "initiative/page.html",
        status=status,
        ini=initiative,
        covered=covered,
        open_needs=open_needs,
        suggested=await suggestions(request, initiative),
        errors=errors or Errors(),
        introduction_url=INTRODUCTION_URL,
        roles=ROLES,
        urgencies=URGENCIES,
    )


ROLES = ("MEMBER", "VOLUNTEER", "ADVISOR", "COORDINATOR", "BOARD")
"""Roles a coordinator may invite someone to (INITIATOR is for those who start it)."""


@page
async def initiative_page(request: Request) -> Response:
    return await show(request, request.path_params["id"])
