"""Start an initiative (``/initiatives/new``) by names only: place, themes, needs and
instruments are chosen by name and sent to ``startInitiative`` as ids.

What was posted is read into a :class:`Draft` that the template shows again as it
was, with a message beside each field that is not right, so nothing typed is lost.
The edit page (:mod:`api.web.initiative_actions`) reads the same form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.web.forms import FORM, Errors, Form, errors_from, read_form, redirect
from api.web.graphql import GraphQLFailed, fetch, run
from api.web.i18n import lang_of, translator
from api.web.routes import page
from api.web.templating import render
from api.web.widgets import Option, PlacePick, resolve_place, resolve_terms, term_options

AREA = "initiative"
URGENCIES = ("HIGH", "MEDIUM", "LOW")
STAGES = ("IDEA", "STARTING", "RUNNING", "ENDED")
VISIBILITIES = ("PUBLIC", "NETWORK", "PRIVATE")
NEED_ROWS, MAX_NEED_ROWS = 3, 20
INSTRUMENTS = """query WebInstruments { instruments {
  id name description offeredBy url } }"""
START = """mutation WebStartInitiative($input: StartInitiativeInput!) {
  startInitiative(input: $input) {
    __typename
    ... on StartInitiativeSuccess { initiative { id } }
    ... on Error { code field message }
  } }"""
#: the API's input fields, by the name of the form field that holds them
FIELDS = {"placeCode": "place", "needs.skill": "needs", "founders": FORM}


@dataclass(slots=True)
class NeedRow:
    """One need as posted: the skill's id (once known), the words typed, the urgency."""

    skill: str = ""
    text: str = ""
    urgency: str = "MEDIUM"
    error: str = ""


@dataclass(slots=True)
class Draft:
    """The initiative form as posted (or as stored, on the edit page)."""

    name: str = ""
    description: str = ""
    place: PlacePick = field(default_factory=PlacePick)
    themes: list[Option] = field(default_factory=list)
    needs: list[NeedRow] = field(default_factory=lambda: [NeedRow() for _ in range(NEED_ROWS)])
    instruments: list[str] = field(default_factory=list)
    visibility: str = "PUBLIC"
    stage: str = "IDEA"

    def input(self) -> dict[str, Any]:
        """``StartInitiativeInput`` (without the needs on the edit page's update)."""
        return {
            "name": self.name,
            "description": self.description or None,
            "placeCode": self.place.code or None,
            "themes": [o.value for o in self.themes],
            "instruments": self.instruments,
            "visibility": self.visibility,
            "stage": self.stage,
            "needs": [{"skill": n.skill, "urgency": n.urgency} for n in self.needs if n.skill],
        }


def _choice(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


async def read_need(request: Request, skill: str, text: str, urgency: str) -> NeedRow:
    """A need row resolved: the skill picked (``skill``) or typed (``text``), by name."""
    row = NeedRow(skill=skill, text=text, urgency=_choice(urgency, URGENCIES, "MEDIUM"))
    if not skill and not text:
        return row
    picked, error = await resolve_terms(request, "skills", [skill] if skill else [], text)
    if error:
        row.skill, row.error = "", error
    elif len(picked) != 1:
        t = translator(lang_of(request))
        row.skill, row.error = "", t("initiative.error.one_skill")
    else:
        row.skill, row.text = picked[0].value, picked[0].label
    return row


async def read_draft(request: Request, form: Form, *, needs: bool = True) -> tuple[Draft, Errors]:
    """The posted form as a :class:`Draft` and the messages of what is not right yet."""
    t = translator(lang_of(request))
    errors = Errors()
    draft = Draft(
        name=form.get("name"),
        description=form.get("description"),
        visibility=_choice(form.get("visibility"), VISIBILITIES, "PUBLIC"),
        stage=_choice(form.get("stage"), STAGES, "IDEA"),
        instruments=form.getlist("instruments"),
    )
    if not draft.name:
        errors.add("name", t("initiative.error.name"))
    draft.place = await resolve_place(request, form.get("place"), form.get("place_text"))
    if draft.place.error:
        errors.add("place", draft.place.error)
    elif not draft.place.code:
        errors.add("place", t("initiative.error.place"))
    draft.themes, problem = await resolve_terms(
        request, "themes", form.getlist("themes"), form.get("themes_text")
    )
    if problem:
        errors.add("themes", problem)
    elif not draft.themes:
        errors.add("themes", t("initiative.error.themes"))
    if not needs:
        return draft, errors
    try:
        rows = int(form.get("need_rows") or NEED_ROWS)
    except ValueError:
        rows = NEED_ROWS
    rows = max(1, min(rows, MAX_NEED_ROWS))
    draft.needs = []
    seen: set[str] = set()
    for i in range(rows):
        row = await read_need(
            request,
            form.get(f"need_{i}"),
            form.get(f"need_{i}_text"),
            form.get(f"need_{i}_urgency"),
        )
        if row.skill in seen:
            row.error = t("initiative.error.need_twice")
            row.skill = ""
        seen.add(row.skill)
        draft.needs.append(row)
        if row.error:
            errors.add("needs", t("initiative.error.needs"))
    return draft, errors


def map_errors(error: dict[str, Any], request: Request) -> Errors:
    """A mutation's ``Error`` as a message beside the form field it is about."""
    found = errors_from(error, request, AREA)
    return Errors({FIELDS.get(k, k): v for k, v in found.by_field.items()})


async def form_values(request: Request) -> dict[str, Any]:
    """What the form template needs besides the draft: all instruments and themes."""
    data = await fetch(request, INSTRUMENTS)
    return {
        "instruments": data["instruments"],
        "all_themes": await term_options(request, "themes"),
        "urgencies": URGENCIES,
        "stages": STAGES,
        "visibilities": VISIBILITIES,
    }


async def _show(request: Request, draft: Draft, errors: Errors, status: int = 200) -> Response:
    return await render(
        request,
        "initiative/new.html",
        status=status,
        draft=draft,
        errors=errors,
        **await form_values(request),
    )


@page
async def new_page(request: Request) -> Response:
    return await _show(request, Draft(), Errors())


@page
async def start(request: Request) -> Response:
    form = await read_form(request)
    draft, errors = await read_draft(request, form)
    if form.get("more_needs"):  # "add another need": show the form again, one row longer
        if len(draft.needs) < MAX_NEED_ROWS:
            draft.needs.append(NeedRow())
        return await _show(request, draft, Errors())
    if form.auth.account is None:
        t = translator(lang_of(request))
        errors.add(FORM, t("initiative.error.signin"))
    if errors:
        return await _show(request, draft, errors, status=400)
    result = await run(request, START, {"input": draft.input()})
    if not result.ok:
        raise GraphQLFailed(result)
    answer = result.data["startInitiative"]
    if answer["__typename"] == "Error":
        return await _show(request, draft, map_errors(answer, request), status=400)
    return redirect(f"/initiatives/{answer['initiative']['id']}", done="initiative.done.started")


def routes() -> list[Route]:
    return [
        Route("/initiatives/new", new_page, methods=["GET"]),
        Route("/initiatives/new", start, methods=["POST"]),
    ]
