"""What people do on an initiative's page: ask to join, answer an invitation, leave;
and what its coordinators do: accept or decline requests, invite someone by name,
change it, add and remove needs, end or delete it.

Each is a form post that runs one mutation as the viewer (the policy decides) and
goes back to the page with a confirmation, or shows the page again with the message
beside the form that was not right.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api.web.forms import FORM, Errors, read_form, redirect
from api.web.graphql import GraphQLFailed, fetch, run
from api.web.i18n import lang_of, translator
from api.web.initiative_form import (
    Draft,
    form_values,
    map_errors,
    read_draft,
    read_need,
)
from api.web.initiative_page import ROLES, show
from api.web.routes import Handler, page
from api.web.templating import env, render
from api.web.widgets import Option, PlacePick, place_label

ANSWER = "__typename ... on Error { code field message }"
MUTATIONS = {
    "join": f"mutation($i: ID!) {{ joinInitiative(initiative: $i) {{ {ANSWER} }} }}",
    "leave": f"mutation($i: ID!) {{ leaveInitiative(initiative: $i) {{ {ANSWER} }} }}",
    "accept_invitation": (
        f"mutation($i: ID!) {{ acceptInvitation(initiative: $i) {{ {ANSWER} }} }}"
    ),
    "decline_invitation": (
        f"mutation($i: ID!) {{ declineInvitation(initiative: $i) {{ {ANSWER} }} }}"
    ),
    "accept": (
        f"mutation($i: ID!, $a: ID!) {{ acceptJoinRequest(initiative: $i, actor: $a) "
        f"{{ {ANSWER} }} }}"
    ),
    "decline": (
        f"mutation($i: ID!, $a: ID!) {{ declineJoinRequest(initiative: $i, actor: $a) "
        f"{{ {ANSWER} }} }}"
    ),
    "invite": (
        f"mutation($i: ID!, $a: ID!, $r: MemberRole!) {{ inviteToInitiative(initiative: $i, "
        f"actor: $a, role: $r) {{ {ANSWER} }} }}"
    ),
    "add_need": (
        f"mutation($i: ID!, $s: ID!, $u: Urgency!) {{ addNeed(initiative: $i, skill: $s, "
        f"urgency: $u) {{ {ANSWER} }} }}"
    ),
    "remove_need": (
        f"mutation($i: ID!, $s: ID!) {{ removeNeed(initiative: $i, skill: $s) {{ {ANSWER} }} }}"
    ),
    "update": (
        f"mutation($i: ID!, $input: UpdateInitiativeInput!) {{ updateInitiative(initiative: $i, "
        f"input: $input) {{ {ANSWER} }} }}"
    ),
    "delete": f"mutation($i: ID!) {{ deleteInitiative(initiative: $i) {{ {ANSWER} }} }}",
}
PEOPLE = """query WebPeople($text: String!) { actors(text: $text, first: 12) {
  edges { node { id name kind redacted place { displayName } } } } }"""
EDIT = """query WebEditInitiative($id: ID!) { initiative(id: $id) {
  id name description stage visibility viewerCoordinates redacted
  place { code } themes { id name } instruments { id }
  needs { skill { id name } urgency } } }"""


async def _mutate(request: Request, action: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run one of :data:`MUTATIONS`; its answer (``__typename``, an Error's fields)."""
    result = await run(request, MUTATIONS[action], variables)
    if not result.ok:
        raise GraphQLFailed(result)
    (answer,) = result.data.values()
    return answer  # type: ignore[no-any-return]


async def _done_or_page(
    request: Request, iid: str, answer: dict[str, Any], done: str, form_name: str = FORM
) -> Response:
    if answer["__typename"] != "Error":
        return redirect(f"/initiatives/{iid}", done=f"initiative.done.{done}")
    errors = map_errors(answer, request)
    # a form on the page has one place for its message: its own
    errors = Errors({form_name: " ".join(errors.by_field.values())})
    return await show(request, iid, errors=errors, status=400)


def _simple(action: str, done: str) -> Handler:
    """A handler that runs ``action`` on the initiative as the viewer, with no input."""

    @page
    async def handler(request: Request) -> Response:
        iid = request.path_params["id"]
        await read_form(request)
        answer = await _mutate(request, action, {"i": iid})
        return await _done_or_page(request, iid, answer, done, form_name=action)

    return handler


@page
async def answer_request(request: Request) -> Response:
    """Accept or decline a request to join (coordinators)."""
    iid = request.path_params["id"]
    form = await read_form(request)
    action = "accept" if form.get("decision") == "accept" else "decline"
    answer = await _mutate(request, action, {"i": iid, "a": form.get("actor")})
    return await _done_or_page(request, iid, answer, f"request_{action}ed", form_name="requests")


async def people(request: Request, text: str) -> list[Option]:
    """People and bodies whose name holds every word of ``text``, as far as the viewer
    sees them in full (someone shown only as "<kind> in <wijk>" cannot be picked by name)."""
    text = text.strip()[:200]
    if len(text) < 2:
        return []
    t = translator(lang_of(request))
    data = await fetch(request, PEOPLE, {"text": text})
    out = []
    for edge in data["actors"]["edges"]:
        node = edge["node"]
        if node["redacted"]:
            continue
        kind = t(f"common.kind.{str(node['kind']).lower()}")
        place = (node.get("place") or {}).get("displayName")
        meta = t("initiative.invite.meta", kind=kind, place=place) if place else kind
        out.append(Option(value=str(node["id"]), label=str(node["name"]), meta=meta))
    return out


async def suggest_people(request: Request) -> Response:
    """``GET /initiatives/people?field=&list=``: listbox options for the invite picker."""
    params = request.query_params
    options = await people(request, params.get(params.get("field", ""), "") or "")
    html = env.get_template("_options.html").render(
        options=options,
        list_id=params.get("list", "invitee-options"),
        t=translator(lang_of(request)),
    )
    return HTMLResponse(html, headers={"cache-control": "no-store"})


@page
async def invite(request: Request) -> Response:
    """Invite someone by name (coordinators): the one picked, or the one exact name match."""
    iid = request.path_params["id"]
    form = await read_form(request)
    t = translator(lang_of(request))
    role = form.get("role") if form.get("role") in ROLES else "MEMBER"
    actor, text = form.get("invitee"), form.get("invitee_text")
    if not actor:
        found = await people(request, text) if text else []
        exact = [o for o in found if o.label.casefold() == text.casefold()]
        if len(exact) == 1:
            actor = exact[0].value
        else:
            if not text:
                message = t("initiative.invite.empty")
            elif not found:
                message = t("initiative.invite.unknown", name=text)
            else:
                names = ", ".join(f"{o.label} ({o.meta})" for o in found[:6])
                message = t("initiative.invite.choose", names=names)
            return await show(request, iid, errors=Errors({"invite": message}), status=400)
    answer = await _mutate(request, "invite", {"i": iid, "a": actor, "r": role})
    return await _done_or_page(request, iid, answer, "invited", form_name="invite")


# --- change it -----------------------------------------------------------------------------


async def _stored(request: Request, iid: str) -> dict[str, Any] | None:
    found = (await fetch(request, EDIT, {"id": iid}))["initiative"]
    return found if found and not found["redacted"] else None


async def _edit_form(
    request: Request, iid: str, draft: Draft, errors: Errors, status: int = 200
) -> Response:
    stored = await _stored(request, iid)
    return await render(
        request,
        "initiative/edit.html",
        status=status,
        iid=iid,
        stored=stored,
        draft=draft,
        errors=errors,
        **await form_values(request),
    )


@page
async def edit_page(request: Request) -> Response:
    iid = request.path_params["id"]
    stored = await _stored(request, iid)
    if stored is None or not stored["viewerCoordinates"]:
        t = translator(lang_of(request))
        return await render(
            request, "error.html", status=403, message=t("initiative.edit.only"), detail=""
        )
    place = await place_label(request, stored["place"]["code"]) if stored["place"] else None
    draft = Draft(
        name=stored["name"],
        description=stored["description"] or "",
        place=PlacePick(code=place.value, label=place.label) if place else PlacePick(),
        themes=[Option(value=x["id"], label=x["name"]) for x in stored["themes"]],
        instruments=[x["id"] for x in stored["instruments"]],
        visibility=stored["visibility"],
        stage=stored["stage"],
    )
    return await _edit_form(request, iid, draft, Errors())


@page
async def update(request: Request) -> Response:
    iid = request.path_params["id"]
    form = await read_form(request)
    draft, errors = await read_draft(request, form, needs=False)
    if errors:
        return await _edit_form(request, iid, draft, errors, status=400)
    change = draft.input()
    change.pop("needs")
    answer = await _mutate(request, "update", {"i": iid, "input": change})
    if answer["__typename"] == "Error":
        return await _edit_form(request, iid, draft, map_errors(answer, request), status=400)
    return redirect(f"/initiatives/{iid}", done="initiative.done.updated")


@page
async def add_need(request: Request) -> Response:
    iid = request.path_params["id"]
    form = await read_form(request)
    t = translator(lang_of(request))
    row = await read_need(
        request, form.get("need"), form.get("need_text"), form.get("need_urgency")
    )
    if not row.skill:
        message = row.error or t("initiative.error.need_empty")
        return await show(request, iid, errors=Errors({"add_need": message}), status=400)
    answer = await _mutate(request, "add_need", {"i": iid, "s": row.skill, "u": row.urgency})
    return await _done_or_page(request, iid, answer, "need_added", form_name="add_need")


@page
async def remove_need(request: Request) -> Response:
    iid = request.path_params["id"]
    form = await read_form(request)
    answer = await _mutate(request, "remove_need", {"i": iid, "s": form.get("skill")})
    return await _done_or_page(request, iid, answer, "need_removed", form_name="needs")


@page
async def delete(request: Request) -> Response:
    iid = request.path_params["id"]
    form = await read_form(request)
    if form.get("confirm") != "yes":
        t = translator(lang_of(request))
        return await show(
            request,
            iid,
            errors=Errors({"delete": t("initiative.delete.confirm_needed")}),
            status=400,
        )
    answer = await _mutate(request, "delete", {"i": iid})
    if answer["__typename"] == "Error":
        return await _done_or_page(request, iid, answer, "deleted", form_name="delete")
    return redirect("/initiatives/new", done="initiative.done.deleted")


def routes() -> list[Route]:
    base = "/initiatives/{id}"
    return [
        Route("/initiatives/people", page(suggest_people), methods=["GET"]),
        Route(f"{base}/join", _simple("join", "join_requested"), methods=["POST"]),
        Route(f"{base}/leave", _simple("leave", "left"), methods=["POST"]),
        Route(
            f"{base}/invitation/accept",
            _simple("accept_invitation", "invitation_accepted"),
            methods=["POST"],
        ),
        Route(
            f"{base}/invitation/decline",
            _simple("decline_invitation", "invitation_declined"),
            methods=["POST"],
        ),
        Route(f"{base}/requests", answer_request, methods=["POST"]),
        Route(f"{base}/invite", invite, methods=["POST"]),
        Route(f"{base}/edit", edit_page, methods=["GET"]),
        Route(f"{base}/edit", update, methods=["POST"]),
        Route(f"{base}/needs/add", add_need, methods=["POST"]),
        Route(f"{base}/needs/remove", remove_need, methods=["POST"]),
        Route(f"{base}/delete", delete, methods=["POST"]),
    ]
