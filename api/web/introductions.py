"""Introductions as pages: the inbox at ``/introductions`` (asked of you, with accept and
decline, or forward for the person in between; asked by you, with where it stands;
contact details once accepted) and the request form reached from a suggestion on an
initiative's page (``/introductions/request``).

Every read and write is a GraphQL operation run as the page's viewer, so
:mod:`api.policy` and :mod:`api.introductions.service` decide what shows and what goes.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from api.identity.web import authenticate
from api.web.forms import FORM, Errors, errors_from, read_form, redirect
from api.web.graphql import fetch, run
from api.web.i18n import lang_of, translator
from api.web.routes import page
from api.web.templating import render

_FIELDS = """id role status message reasons created
  initiative { id name source { demo } }
  sender { id name kind source { demo } }
  candidate { id name kind source { demo } }
  via { id name source { demo } }
  contact { name email website }"""
_INVITED = """invited: myInvitations { rsvp reason event { id name kind starts ends icsUrl
    source { demo } place { displayName } organisers { id name source { demo } } } }"""
INBOX = f"""query($after: String) {{
  {_INVITED}
  incoming: myIntroductions(direction: IN, first: 50) {{
    totalCount edges {{ node {{ {_FIELDS} }} }} }}
  outgoing: myIntroductions(direction: OUT, first: 50, after: $after) {{
    totalCount edges {{ node {{ {_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }}
}}"""
PREVIEW = """query($i: ID!, $c: ID!) {
  initiative(id: $i) { id name redacted source { demo } }
  candidate: actor(id: $c) { id name redacted matchable kind source { demo } }
  suggestPartners(initiative: $i, first: 100) { actor { id } reasons { text } path }
}"""
ACTOR = "query($a: ID!) { actor(id: $a) { id name redacted } }"
REQUEST = """mutation($i: ID, $c: ID, $v: ID, $m: String) {
  requestIntroduction(initiative: $i, candidate: $c, via: $v, message: $m) {
    __typename ... on Error { code field message } } }"""
ANSWER = """mutation($id: ID, $a: Boolean) { answerIntroduction(id: $id, accept: $a) {
  __typename ... on Error { code field message } } }"""
RSVP = """mutation($event: ID!, $actor: ID!, $rsvp: Rsvp!) {
  answerInvitation(event: $event, actor: $actor, rsvp: $rsvp) {
    __typename ... on Error { code field message } } }"""
ME = "query { me { actorId } }"
FORWARD = """mutation($id: ID, $f: Boolean) { forwardIntroduction(id: $id, forward: $f) {
  __typename ... on Error { code field message } } }"""


def _signin(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/auth/signin", next=here)


def _nodes(conn: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in conn["edges"]]


@page
async def inbox(request: Request) -> Response:
    """``GET /introductions``: asked of you, asked by you."""
    if (await authenticate(request)).account is None:
        return _signin(request)
    data = await fetch(request, INBOX, {"after": request.query_params.get("after") or None})
    return await render(
        request,
        "intro/inbox.html",
        incoming=_nodes(data["incoming"]),
        outgoing=_nodes(data["outgoing"]),
        invited=data["invited"],
        more=data["outgoing"]["pageInfo"],
        focus=request.query_params.get("id", ""),
    )


async def _preview(request: Request, values: dict[str, str]) -> dict[str, Any]:
    """What the request form shows: the initiative, the candidate, the suggestion's
    reasons, and the person in between when the suggestion has a warm path."""
    result = await run(request, PREVIEW, {"i": values["initiative"], "c": values["candidate"]})
    data = result.data
    suggestion = next(
        (s for s in data.get("suggestPartners") or [] if s["actor"]["id"] == values["candidate"]),
        None,
    )
    via = None
    if suggestion and len(suggestion["path"]) == 3:  # candidate, someone they know, initiative
        found = (await run(request, ACTOR, {"a": suggestion["path"][1]})).data.get("actor")
        if found and not found["redacted"]:
            via = found
    return {
        "initiative": data.get("initiative"),
        "candidate": data.get("candidate"),
        "reasons": [r["text"] for r in suggestion["reasons"]] if suggestion else [],
        "via": via,
    }


def _values(source: Any) -> dict[str, str]:
    return {
        k: (str(source.get(k) or "")).strip()
        for k in ("initiative", "candidate", "via", "message", "next")
    }


@page
async def request_form(request: Request) -> Response:
    """``GET /introductions/request?initiative=&candidate=``: what will be sent, and a
    message box."""
    if (await authenticate(request)).account is None:
        return _signin(request)
    values = _values(request.query_params)
    return await render(
        request,
        "intro/request.html",
        errors=Errors(),
        values=values,
        **await _preview(request, values),
    )


@page
async def send_request(request: Request) -> Response:
    """``POST /introductions/request``: from a suggestion's button (no ``confirm``), show
    the form; from the form (``confirm``), ask."""
    form = await read_form(request)
    if form.auth.account is None:
        return redirect("/auth/signin")
    values = _values(form)
    errors = Errors()
    if form.get("confirm"):
        via = values["via"] if form.get("how") == "via" else ""
        result = await run(
            request,
            REQUEST,
            {
                "i": values["initiative"] or None,
                "c": values["candidate"] or None,
                "v": via or None,
                "m": values["message"] or None,
            },
        )
        if not result.ok:
            errors = Errors({FORM: "; ".join(result.errors)})
        else:
            answer = result.data["requestIntroduction"]
            if answer["__typename"] == "Error":
                errors = errors_from(answer, request, "intro")
            else:
                return redirect("/introductions", done="intro.done.requested")
    return await render(
        request,
        "intro/request.html",
        status=400 if errors else 200,
        errors=errors,
        values=values,
        **await _preview(request, values),
    )


async def _act(request: Request, query: str, variables: dict[str, Any], done: str) -> Response:
    result = await run(request, query, variables)
    answer = next(iter(result.data.values()), None) if result.ok else None
    if answer is None or answer["__typename"] == "Error":
        errors = (
            errors_from(answer, request, "intro")
            if answer
            else Errors({FORM: "; ".join(result.errors)})
        )
        data = await fetch(request, INBOX, {"after": None})
        return await render(
            request,
            "intro/inbox.html",
            status=400,
            errors=errors,
            incoming=_nodes(data["incoming"]),
            outgoing=_nodes(data["outgoing"]),
            invited=data["invited"],
            more=data["outgoing"]["pageInfo"],
            focus=str(variables.get("id") or variables.get("event") or ""),
        )
    return redirect(
        "/introductions", done=done, id=str(variables.get("id") or variables.get("event"))
    )


@page
async def answer(request: Request) -> Response:
    """``POST /introductions/{id}/answer`` with ``accept=yes|no``."""
    form = await read_form(request)
    if form.auth.account is None:
        return redirect("/auth/signin")
    yes = form.get("accept") == "yes"
    done = "intro.done.accepted" if yes else "intro.done.declined"
    return await _act(request, ANSWER, {"id": request.path_params["id"], "a": yes}, done)


@page
async def forward(request: Request) -> Response:
    """``POST /introductions/{id}/forward`` with ``forward=yes|no``."""
    form = await read_form(request)
    if form.auth.account is None:
        return redirect("/auth/signin")
    yes = form.get("forward") == "yes"
    done = "intro.done.forwarded" if yes else "intro.done.declined"
    return await _act(request, FORWARD, {"id": request.path_params["id"], "f": yes}, done)


RSVPS = {"yes": "YES", "maybe": "MAYBE", "no": "NO"}


async def _inbox_saying(request: Request, message: str, focus: str) -> Response:
    """The inbox again (400) with ``message`` on top."""
    data = await fetch(request, INBOX, {"after": None})
    return await render(
        request,
        "intro/inbox.html",
        status=400,
        errors=Errors({FORM: message}),
        incoming=_nodes(data["incoming"]),
        outgoing=_nodes(data["outgoing"]),
        invited=data["invited"],
        more=data["outgoing"]["pageInfo"],
        focus=focus,
    )


@page
async def rsvp(request: Request) -> Response:
    """``POST /introductions/events/{event}/answer`` with ``rsvp=yes|maybe|no``: the
    signed-in person answers an invitation to a meeting."""
    form = await read_form(request)
    if form.auth.account is None:
        return redirect("/auth/signin")
    t = translator(lang_of(request))
    event = request.path_params["event"]
    answer = RSVPS.get(str(form.get("rsvp")))
    if answer is None:
        return await _inbox_saying(request, t("intro.events.choose"), event)
    me = (await fetch(request, ME, {}))["me"] or {}
    if not me.get("actorId"):
        return await _inbox_saying(request, t("intro.events.not_invited"), event)
    result = await run(request, RSVP, {"event": event, "actor": me["actorId"], "rsvp": answer})
    done = result.data.get("answerInvitation") if result.ok else None
    if done is not None and done["__typename"] != "Error":
        return redirect("/introductions", done="intro.done.rsvp", id=event)
    if done is None:
        message = "; ".join(result.errors)
    elif done.get("field") == "actor" and done.get("code") == "INVALID_INPUT":
        message = t("intro.events.not_invited")
    else:  # in the reader's language, with the API's words as detail
        message = errors_from({**done, "field": None}, request, "intro").get(FORM) or ""
    return await _inbox_saying(request, message, event)


def routes() -> list[BaseRoute]:
    return [
        Route("/introductions", inbox, methods=["GET"]),
        Route("/introductions/request", request_form, methods=["GET"]),
        Route("/introductions/request", send_request, methods=["POST"]),
        Route("/introductions/{id}/answer", answer, methods=["POST"]),
        Route("/introductions/{id}/forward", forward, methods=["POST"]),
        Route("/introductions/events/{event}/answer", rsvp, methods=["POST"]),
    ]
