"""Sign up, sign in, sign out and reset a password: the account flows as pages.

A browser's form post is handled here (errors next to the field, then a redirect);
a request that sends or asks for JSON goes on to :mod:`api.identity.routes` unchanged.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.identity import routes as identity_routes
from api.identity.passwords import check_strength
from api.identity.service import RateLimited, SignInRefused, normalise_email
from api.identity.store import IdentityError
from api.identity.web import (
    authenticate,
    clear_session_cookie,
    client_address,
    identity_of,
    set_session_cookie,
)
from api.web.forms import FORM, Errors, read_form, redirect, safe_next
from api.web.i18n import lang_of, translator
from api.web.routes import page
from api.web.templating import render


def _json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json") or (
        "application/json" in request.headers.get("accept", "")
    )


def _identity_error(exc: IdentityError, request: Request) -> Errors:
    """An account error in the page's words, on the field it is about."""
    t = translator(lang_of(request))
    text = str(exc)
    if isinstance(exc, SignInRefused):
        key = "auth.error.unverified" if "confirm" in text else "auth.error.wrong"
        return Errors({FORM: t(key)})
    if isinstance(exc, RateLimited):
        return Errors(
            {FORM: t("auth.error.too_many_mails" if "mail" in text else "auth.error.too_many")}
        )
    if "e-mail address" in text:
        return Errors({"email": t("auth.error.email")})
    if "name" in text:
        return Errors({"name": t("auth.error.name")})
    if "password" in text:
        return Errors(
            {
                "password": t(
                    "auth.error.password_long" if "most" in text else "auth.error.password_short"
                )
            }
        )
    if "link" in text:
        return Errors({FORM: t("auth.error.link")})
    return Errors({FORM: t("common.error.other", detail=text)})


def _check(
    request: Request, *, name: str | None, email: str | None, password: str | None
) -> Errors:
    """The checks the account service makes, done first so every field gets its message."""
    errors = Errors()
    for exc in _field_problems(name, email, password):
        errors.by_field.update(_identity_error(exc, request).by_field)
    return errors


def _field_problems(
    name: str | None, email: str | None, password: str | None
) -> list[IdentityError]:
    found = []
    if name is not None and not name.strip():
        found.append(IdentityError("a name is required"))
    if email is not None:
        try:
            normalise_email(email)
        except IdentityError as exc:
            found.append(exc)
    if password is not None and (weak := check_strength(password)):
        found.append(IdentityError(weak))
    return found


# --- sign up --------------------------------------------------------------------------


@page
async def signup_page(request: Request) -> Response:
    return await render(
        request, "auth/signup.html", errors=Errors(), values={"name": "", "email": ""}
    )


@page
async def signup(request: Request) -> Response:
    if _json(request):
        return await identity_routes.signup(request)
    form = await read_form(request)
    values = {"name": form.get("name"), "email": form.get("email")}
    password = str(form.data.get("password", ""))
    errors = _check(request, name=values["name"], email=values["email"], password=password)
    if not errors:
        try:
            await identity_of(request).sign_up(values["email"], password, values["name"])
        except IdentityError as exc:
            errors = _identity_error(exc, request)
    if errors:
        return await render(request, "auth/signup.html", status=400, errors=errors, values=values)
    return redirect("/auth/signup", done="auth.done.signup_sent")


@page
async def verify(request: Request) -> Response:
    """The link from the sign-up mail: signs in and goes to /me, or says the link is dead."""
    response = await identity_routes.verify(request)
    if _json(request) or response.status_code < 400:
        return response
    t = translator(lang_of(request))
    return await render(
        request, "error.html", status=response.status_code, message=t("auth.error.link"), detail=""
    )


# --- sign in and out --------------------------------------------------------------------


async def _signin_form(request: Request, errors: Errors, email: str, status: int = 200) -> Response:
    return await render(
        request,
        "auth/signin.html",
        status=status,
        errors=errors,
        values={"email": email},
        next=safe_next(request.query_params.get("next"), ""),
        oidc=identity_of(request).oidc is not None,
        notice="",
    )


@page
async def signin_page(request: Request) -> Response:
    return await _signin_form(request, Errors(), "")


@page
async def signin(request: Request) -> Response:
    if _json(request):
        return await identity_routes.signin(request)
    form = await read_form(request)
    email, password = form.get("email"), str(form.data.get("password", ""))
    identity = identity_of(request)
    errors = _check(request, name=None, email=email, password=None)
    if not password:
        errors.add("password", translator(lang_of(request))("auth.error.password_short"))
    if not errors:
        try:
            account = await identity.sign_in(email, password, client_address(request))
        except IdentityError as exc:
            errors = _identity_error(exc, request)
    if errors:
        return await _signin_form(request, errors, email, status=400)
    cookie, _ = await identity.start_session(account, request.headers.get("user-agent", ""))
    response = redirect(safe_next(form.get("next"), "/me"))
    set_session_cookie(response, request, cookie, identity.config.session_days)
    return response


@page
async def signout(request: Request) -> Response:
    if _json(request):
        return await identity_routes.signout(request)
    form = await read_form(request)
    if form.auth.session is not None:
        await identity_of(request).end_session(form.auth.session)  # audited as "signout"
    response = redirect("/auth/signin")
    clear_session_cookie(response, request)
    return response


# --- reset a password -------------------------------------------------------------------


@page
async def reset_page(request: Request) -> Response:
    return await render(request, "auth/reset.html", errors=Errors(), values={"email": ""})


@page
async def reset_request(request: Request) -> Response:
    if _json(request):
        return await identity_routes.reset_request(request)
    form = await read_form(request)
    email = form.get("email")
    errors = _check(request, name=None, email=email, password=None)
    if not errors:
        try:
            await identity_of(request).request_reset(email)
        except IdentityError as exc:
            errors = _identity_error(exc, request)
    if errors:
        return await render(
            request, "auth/reset.html", status=400, errors=errors, values={"email": email}
        )
    return redirect("/auth/reset", done="auth.done.reset_sent")


@page
async def reset_confirm_page(request: Request) -> Response:
    code = request.query_params.get("code", "")
    return await render(request, "auth/reset_confirm.html", errors=Errors(), code=code)


@page
async def reset_confirm(request: Request) -> Response:
    if _json(request):
        return await identity_routes.reset_confirm(request)
    form = await read_form(request)
    code, password = form.get("code"), str(form.data.get("password", ""))
    errors = _check(request, name=None, email=None, password=password)
    if not errors:
        try:
            await identity_of(request).reset_password(code, password)
        except IdentityError as exc:
            errors = _identity_error(exc, request)
    if errors:
        return await render(
            request, "auth/reset_confirm.html", status=400, errors=errors, code=code
        )
    return redirect("/auth/signin", done="auth.done.password_changed")


async def signed_in_or_redirect(request: Request) -> Response | None:
    """A redirect to sign-in (and back here after) when nobody is signed in."""
    auth = await authenticate(request)
    if auth.account is not None:
        return None
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/auth/signin", **({"next": here} if here != "/me" else {}))


def routes() -> list[Route]:
    return [
        Route("/auth/signup", signup_page, methods=["GET"]),
        Route("/auth/signup", signup, methods=["POST"]),
        Route("/auth/verify", verify, methods=["GET"]),
        Route("/auth/signin", signin_page, methods=["GET"]),
        Route("/auth/signin", signin, methods=["POST"]),
        Route("/auth/signout", signout, methods=["POST"]),
        Route("/auth/reset", reset_page, methods=["GET"]),
        Route("/auth/reset", reset_request, methods=["POST"]),
        Route("/auth/reset/confirm", reset_confirm_page, methods=["GET"]),
        Route("/auth/reset/confirm", reset_confirm, methods=["POST"]),
    ]
