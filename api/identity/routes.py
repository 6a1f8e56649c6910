"""HTTP endpoints of the account flows: JSON for scripts and other clients.

The pages people use (sign-up, sign-in, reset, /me) are in :mod:`api.web`, which hands
JSON requests on to the handlers here. A request that sends JSON
(``Content-Type: application/json``) gets JSON back; a form post that reaches this
module (``POST /me/profile``) gets a plain page or a redirect. Every state-changing
request that names another site in ``Origin`` is refused; one a cookie authenticates
needs the CSRF token (see :mod:`api.identity.web`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.identity import pages
from api.identity.audit import record
from api.identity.personal import erase, my_data
from api.identity.service import Auth, RateLimited, SignInRefused
from api.identity.store import IdentityError
from api.identity.web import (
    authenticate,
    clear_session_cookie,
    client_address,
    cross_site,
    identity_of,
    set_session_cookie,
)
from graph import model as m
from graph.errors import GraphError

Handler = Callable[[Request], Awaitable[Response]]


def _wants_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json") or (
        "application/json" in request.headers.get("accept", "")
    )


async def _input(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except json.JSONDecodeError:
            raise IdentityError("the body is not JSON") from None
        if not isinstance(data, dict):
            raise IdentityError("send a JSON object")
        return {k: str(v) for k, v in data.items() if v is not None}
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _answer(
    request: Request,
    *,
    title: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    message: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    if _wants_json(request):
        payload = data if data is not None else {}
        if error:
            payload = {"error": error}
        elif message:
            payload = {"message": message, **payload}
        return JSONResponse(payload, status_code=status)
    return HTMLResponse(pages.page(title, body, message=message, error=error), status_code=status)


def _post(handler: Handler) -> Handler:
    """Refuse cross-site posts and turn IdentityErrors into an answer."""

    async def run(request: Request) -> Response:
        if cross_site(request):
            return JSONResponse({"error": "cross-site request refused"}, status_code=403)
        try:
            return await handler(request)
        except RateLimited as exc:
            return _answer(request, title="Even wachten", error=str(exc), status=429)
        except SignInRefused as exc:
            return _answer(request, title="Inloggen", error=str(exc), status=401)
        except IdentityError as exc:
            return _answer(request, title="Dat ging niet", error=str(exc), status=400)

    return run


async def _signed_in(request: Request, csrf: bool = False) -> Auth:
    form_csrf = None
    if csrf and not request.headers.get("content-type", "").startswith("application/json"):
        form_csrf = (await _input(request)).get("csrf_token", "")
    return await authenticate(request, form_csrf=form_csrf)


# --- flows ----------------------------------------------------------------------------


@_post
async def signup(request: Request) -> Response:
    data = await _input(request)
    await identity_of(request).sign_up(
        data.get("email", ""), data.get("password", ""), data.get("name", "")
    )
    return _answer(
        request,
        title="Bijna klaar",
        message="We hebben je een mail gestuurd; open de link daarin om je adres te bevestigen.",
        status=202,
    )


async def verify(request: Request) -> Response:
    identity = identity_of(request)
    try:
        account = await identity.verify(
            request.query_params.get("code", ""),
            request.app.state.store,
            getattr(request.app.state, "index", None),
        )
    except IdentityError as exc:
        return _answer(request, title="Bevestigen", error=str(exc), status=400)
    cookie, session = await identity.start_session(account, request.headers.get("user-agent", ""))
    response: Response
    if _wants_json(request):
        response = JSONResponse({"account": account.id, "csrf": session.csrf})
    else:
        response = RedirectResponse("/me", status_code=303)
    set_session_cookie(response, request, cookie, identity.config.session_days)
    return response


@_post
async def signin(request: Request) -> Response:
    identity = identity_of(request)
    data = await _input(request)
    account = await identity.sign_in(
        data.get("email", ""), data.get("password", ""), client_address(request)
    )
    cookie, session = await identity.start_session(account, request.headers.get("user-agent", ""))
    response: Response
    if _wants_json(request):
        response = JSONResponse({"account": account.id, "csrf": session.csrf})
    else:
        response = RedirectResponse("/me", status_code=303)
    set_session_cookie(response, request, cookie, identity.config.session_days)
    return response


@_post
async def signout(request: Request) -> Response:
    auth = await _signed_in(request, csrf=True)
    if auth.session is None:
        return _answer(request, title="Uitloggen", error="not signed in", status=401)
    await identity_of(request).end_session(auth.session)
    response = (
        JSONResponse({"message": "signed out"})
        if _wants_json(request)
        else RedirectResponse("/auth/signin", status_code=303)
    )
    clear_session_cookie(response, request)
    return response


async def session_info(request: Request) -> Response:
    """Who the cookie says you are and the CSRF token a page script must send."""
    auth = await authenticate(request)
    if auth.account is None:
        return JSONResponse({"account": None})
    return JSONResponse(
        {
            "account": auth.account.id,
            "actor": auth.account.actor_id,
            "email": auth.account.email,
            "csrf": auth.session.csrf if auth.session else None,
        }
    )


@_post
async def reset_request(request: Request) -> Response:
    data = await _input(request)
    await identity_of(request).request_reset(data.get("email", ""))
    return _answer(
        request,
        title="Wachtwoord vergeten",
        message="Als er een account met dit adres is, staat er een link in je mail.",
        status=202,
    )


@_post
async def reset_confirm(request: Request) -> Response:
    data = await _input(request)
    await identity_of(request).reset_password(data.get("code", ""), data.get("password", ""))
    if _wants_json(request):
        return JSONResponse({"message": "password changed; sign in again"})
    return RedirectResponse("/auth/signin", status_code=303)


# --- the person's own data ---------------------------------------------------------------


async def data_download(request: Request) -> Response:
    auth = await authenticate(request)
    if auth.account is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    identity = identity_of(request)
    data = await my_data(
        auth.account, identity.store, request.app.state.store, identity.introductions
    )
    return JSONResponse(
        data,
        headers={"content-disposition": 'attachment; filename="wijknet-mijn-gegevens.json"'},
    )


@_post
async def erase_me(request: Request) -> Response:
    auth = await _signed_in(request, csrf=True)
    if auth.account is None:
        return _answer(request, title="Wissen", error="sign in first", status=401)
    await erase(
        auth.account,
        identity_of(request).store,
        request.app.state.store,
        getattr(request.app.state, "index", None),
        identity_of(request).introductions,
    )
    response = _answer(request, title="Gewist", message="Je account en je gegevens zijn gewist.")
    clear_session_cookie(response, request)
    return response


@_post
async def set_profile(request: Request) -> Response:
    """Change the signed-in person's visibility and description (the form on /me).

    Stands in until the GraphQL ``setVisibility``/``updateProfile`` mutations exist.
    """
    auth = await _signed_in(request, csrf=True)
    if auth.account is None or not auth.account.actor_id:
        return _answer(request, title="Zichtbaarheid", error="sign in first", status=401)
    data = await _input(request)
    try:
        vis = m.Visibility(data.get("visibility", "").lower())
    except ValueError:
        raise IdentityError("visibility is public, network or private") from None
    store = request.app.state.store
    actor = (await store.get_nodes([auth.account.actor_id])).get(auth.account.actor_id)
    if not isinstance(actor, m.Actor):
        raise IdentityError("you have no profile yet")
    changed = dataclasses.replace(
        actor, visibility=vis, description=data.get("description", actor.description)
    )
    try:
        await store.upsert([changed])
    except GraphError as exc:
        raise IdentityError(str(exc)) from exc
    await record(
        identity_of(request).store,
        account_id=auth.account.id,
        actor_id=actor.id,
        action="profile",
        target=actor.id,
        details={"outcome": "done", "nodes": [actor.id], "fields": ["visibility", "description"]},
    )
    index = getattr(request.app.state, "index", None)
    if index is not None:
        from network.analytics import note_write

        index.apply([changed])
        note_write(index, [changed])
    if _wants_json(request):
        return JSONResponse({"visibility": vis.value, "description": changed.description})
    return RedirectResponse("/me", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/auth/signup", signup, methods=["POST"]),
        Route("/auth/verify", verify, methods=["GET"]),
        Route("/auth/signin", signin, methods=["POST"]),
        Route("/auth/signout", signout, methods=["POST"]),
        Route("/auth/session", session_info, methods=["GET"]),
        Route("/auth/reset", reset_request, methods=["POST"]),
        Route("/auth/reset/confirm", reset_confirm, methods=["POST"]),
        Route("/me/data.json", data_download, methods=["GET"]),
        Route("/me/erase", erase_me, methods=["POST"]),
        Route("/me/profile", set_profile, methods=["POST"]),
        *token_routes(),
    ]


# --- API tokens over HTTP (the GraphQL fields createToken / myTokens / revokeToken too) --


async def tokens_list(request: Request) -> Response:
    auth = await authenticate(request)
    if auth.account is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    tokens = await identity_of(request).store.tokens(auth.account.id)
    return JSONResponse(
        {
            "tokens": [
                {
                    "id": t.id,
                    "name": t.name,
                    "created": t.created.isoformat(),
                    "expires": t.expires.isoformat(),
                    "lastUsed": t.last_used.isoformat() if t.last_used else None,
                }
                for t in tokens
            ]
        }
    )


@_post
async def tokens_create(request: Request) -> Response:
    auth = await _signed_in(request, csrf=True)
    if auth.account is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    data = await _input(request)
    days = data.get("days")
    try:
        n_days = int(days) if days else None
    except ValueError:
        raise IdentityError("days is a whole number") from None
    secret, token = await identity_of(request).create_token(
        auth.account.id, data.get("name", ""), n_days
    )
    return JSONResponse(
        {"id": token.id, "token": secret, "expires": token.expires.isoformat()}, status_code=201
    )


@_post
async def tokens_revoke(request: Request) -> Response:
    auth = await _signed_in(request, csrf=True)
    if auth.account is None:
        return JSONResponse({"error": "sign in first"}, status_code=401)
    token_id = request.path_params["token_id"]
    if not await identity_of(request).revoke_token(auth.account.id, token_id):
        return JSONResponse({"error": "you have no such token"}, status_code=404)
    return JSONResponse({"revoked": token_id})


def token_routes() -> list[Route]:
    return [
        Route("/auth/tokens", tokens_list, methods=["GET"]),
        Route("/auth/tokens", tokens_create, methods=["POST"]),
        Route("/auth/tokens/{token_id}/revoke", tokens_revoke, methods=["POST"]),
    ]
