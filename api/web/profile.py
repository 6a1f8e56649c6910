"""My profile at /me: what it says, where, skills and interests by name, who sees it and
whether it may be suggested, my initiatives and ties, download my data, erase me.

Every change is a GraphQL mutation (updateProfile, setVisibility, setMatchable, eraseMe)
run as the signed-in person, so the policy decides as it does for any API client.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.identity import routes as identity_routes
from api.identity.web import clear_session_cookie
from api.web.auth import signed_in_or_redirect
from api.web.forms import FORM, Errors, Form, errors_from, read_form, redirect
from api.web.graphql import fetch, run
from api.web.i18n import lang_of, translator
from api.web.routes import page
from api.web.templating import render
from api.web.widgets import (
    PLACE_FIELDS,
    Option,
    PlacePick,
    place_option,
    resolve_place,
    resolve_terms,
    term_options,
)

ME = "query WebMe { me { id email actorId } }"
PROFILE = f"""query WebProfile($id: ID!) {{
  actor(id: $id) {{
    id kind name description email website visibility matchable
    place {{ {PLACE_FIELDS} }}
    skills {{ id name }}
    interests {{ id name }}
    ... on Freelancer {{ profession }}
    ... on Professional {{ profession }}
    memberships {{
      role
      group {{
        __typename
        ... on Initiative {{ id name source {{ demo }} }}
        ... on Enterprise {{ id name source {{ demo }} }}
      }}
    }}
    knows {{ id kind name redacted source {{ demo }} place {{ code }} }}
    partners {{
      __typename
      ... on Actor {{ id name source {{ demo }} }}
      ... on Initiative {{ id name source {{ demo }} }}
    }}
  }}
}}"""
UPDATE = """mutation WebUpdateProfile($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    __typename
    ... on Error { code field message }
  }
}"""
PRIVACY = """mutation WebPrivacy($visibility: Visibility!, $matchable: Boolean!) {
  setVisibility(visibility: $visibility) { __typename ... on Error { code field message } }
  setMatchable(matchable: $matchable) { __typename ... on Error { code field message } }
}"""
ERASE = "mutation WebEraseMe { eraseMe { __typename ... on Error { code field message } } }"
PROFESSION_KINDS = ("FREELANCER", "PROFESSIONAL")
VISIBILITIES = ("PUBLIC", "NETWORK", "PRIVATE")
FIELD_OF = {"placeCode": "place"}  # the API's field names that are called otherwise here


async def _me(request: Request) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await fetch(request, ME))["me"]
    return found


async def _profile(request: Request, actor_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await fetch(request, PROFILE, {"id": actor_id}))["actor"]
    return found


def _values(actor: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the profile form shows, from the stored profile."""
    place = actor.get("place")
    pick = PlacePick()
    if place:
        option = place_option(place, lang)
        pick = PlacePick(code=option.value, label=option.label)
    return {
        "name": actor["name"],
        "description": actor.get("description") or "",
        "email": actor.get("email") or "",
        "website": actor.get("website") or "",
        "profession": actor.get("profession") or "",
        "place": pick,
        "skills": [Option(s["id"], s["name"]) for s in actor["skills"]],
        "interests": [Option(s["id"], s["name"]) for s in actor["interests"]],
    }


async def _page(
    request: Request,
    me: dict[str, Any],
    actor: dict[str, Any] | None,
    *,
    values: dict[str, Any] | None = None,
    errors: Errors | None = None,
    erase_error: str = "",
    status: int = 200,
) -> Response:
    lang = lang_of(request)
    return await render(
        request,
        "profile/me.html",
        status=status,
        me=me,
        actor=actor,
        values=values or (_values(actor, lang) if actor else {}),
        errors=errors or Errors(),
        erase_error=erase_error,
        all_skills=await term_options(request, "skills"),
        all_themes=await term_options(request, "themes"),
        professions=PROFESSION_KINDS,
        visibilities=VISIBILITIES,
        map_lang="&lang=en" if lang == "en" else "",
    )


@page
async def me_page(request: Request) -> Response:
    if (away := await signed_in_or_redirect(request)) is not None:
        return away
    me = await _me(request)
    if me is None:  # signed out between the two reads
        return redirect("/auth/signin")
    actor = await _profile(request, me["actorId"]) if me["actorId"] else None
    return await _page(request, me, actor)


async def _signed_in_form(request: Request) -> tuple[Form, dict[str, Any] | None]:
    form = await read_form(request)
    me = await _me(request) if form.auth.account is not None else None
    return form, me


def _last(values: list[str]) -> str:
    return values[-1] if values else ""


@page
async def save_profile(request: Request) -> Response:
    form, me = await _signed_in_form(request)
    if me is None or not me["actorId"]:
        return redirect("/auth/signin")
    actor = await _profile(request, me["actorId"])
    if actor is None:
        return redirect("/auth/signin")
    errors = Errors()
    pick = await resolve_place(request, _last(form.getlist("place")), form.get("place_text"))
    if pick.error:
        errors.add("place", pick.error)
    skills, skill_error = await resolve_terms(
        request, "skills", form.getlist("skills"), form.get("skills_text")
    )
    interests, interest_error = await resolve_terms(
        request, "themes", form.getlist("interests"), form.get("interests_text")
    )
    if skill_error:
        errors.add("skills", skill_error)
    if interest_error:
        errors.add("interests", interest_error)
    values = {
        "name": form.get("name"),
        "description": form.get("description"),
        "email": form.get("email"),
        "website": form.get("website"),
        "profession": form.get("profession"),
        "place": pick,
        "skills": skills,
        "interests": interests,
    }
    if not errors:
        change: dict[str, Any] = {
            "name": values["name"],
            "description": values["description"],
            "email": values["email"],
            "website": values["website"],
            "skills": [o.value for o in skills],
            "interests": [o.value for o in interests],
        }
        if actor["kind"] in PROFESSION_KINDS:
            change["profession"] = values["profession"]
        if pick.code:
            change["placeCode"] = pick.code
        result = await run(request, UPDATE, {"input": change})
        answer = result.data.get("updateProfile") or {}
        if not result.ok:
            errors.add(FORM, translator(lang_of(request))("common.error.failed"))
        elif answer.get("__typename") == "Error":
            found = errors_from(answer, request, "profile")
            for name, message in found.by_field.items():
                errors.add(FIELD_OF.get(name, name), message)
    if errors:
        return await _page(request, me, actor, values=values, errors=errors, status=400)
    return redirect("/me", done="profile.done.saved")


@page
async def save_privacy(request: Request) -> Response:
    form, me = await _signed_in_form(request)
    if me is None or not me["actorId"]:
        return redirect("/auth/signin")
    visibility, matchable = form.get("visibility").upper(), form.get("matchable")
    errors = Errors()
    if visibility not in VISIBILITIES or matchable not in ("yes", "no"):
        errors.add(FORM, translator(lang_of(request))("common.error.form"))
    else:
        result = await run(
            request, PRIVACY, {"visibility": visibility, "matchable": matchable == "yes"}
        )
        for key in ("setVisibility", "setMatchable"):
            answer = result.data.get(key) or {}
            if not result.ok or answer.get("__typename") == "Error":
                errors.by_field.update(errors_from(answer, request, "profile").by_field)
    if errors:
        actor = await _profile(request, me["actorId"])
        return await _page(request, me, actor, errors=errors, status=400)
    return redirect("/me#privacy", done="profile.done.privacy")


@page
async def erase_me(request: Request) -> Response:
    if request.headers.get("content-type", "").startswith("application/json"):
        return await identity_routes.erase_me(request)
    form, me = await _signed_in_form(request)
    if me is None:
        return redirect("/auth/signin")
    t = translator(lang_of(request))
    if form.get("confirm") != "yes":
        actor = await _profile(request, me["actorId"]) if me["actorId"] else None
        return await _page(
            request, me, actor, erase_error=t("profile.erase.not_confirmed"), status=400
        )
    result = await run(request, ERASE)
    answer = result.data.get("eraseMe") or {}
    if not result.ok or answer.get("__typename") == "Error":
        actor = await _profile(request, me["actorId"]) if me["actorId"] else None
        message = errors_from(answer, request, "profile").get(FORM) or t("common.error.failed")
        return await _page(request, me, actor, erase_error=message, status=400)
    response = redirect("/auth/signin", done="auth.done.erased")
    clear_session_cookie(response, request)
    return response


def routes() -> list[Route]:
    return [
        Route("/me", me_page, methods=["GET"]),
        Route("/me", save_profile, methods=["POST"]),
        Route("/me/privacy", save_privacy, methods=["POST"]),
        Route("/me/erase", erase_me, methods=["POST"]),
    ]
