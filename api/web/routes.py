"""The web app's routes: pages, the language toggle, picker fragments, static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from api.identity.store import IdentityError
from api.web import widgets
from api.web.forms import FormRefused, safe_next
from api.web.graphql import GraphQLFailed
from api.web.i18n import COOKIE, LANGS, lang_of, translator
from api.web.templating import render

STATIC = Path(__file__).resolve().parents[1] / "static" / "web"
Handler = Callable[[Request], Awaitable[Response]]


def page(handler: Handler) -> Handler:
    """Answer what a page cannot help with (a refused form, a failed operation, the
    store down) with an error page in the person's language instead of a 500."""

    @wraps(handler)
    async def run(request: Request) -> Response:
        t = translator(lang_of(request))
        try:
            return await handler(request)
        except FormRefused as exc:
            refused = t("common.error.refused")
            return await render(
                request, "error.html", status=exc.status, message=refused, detail=""
            )
        except GraphQLFailed as exc:
            unavailable = "STORE_UNAVAILABLE" in exc.result.codes
            return await render(
                request,
                "error.html",
                status=503 if unavailable else 500,
                message=t(
                    "common.error.store_unavailable" if unavailable else "common.error.failed"
                ),
                detail="" if unavailable else str(exc),
            )
        except IdentityError as exc:  # the account store is down
            return await render(
                request,
                "error.html",
                status=503,
                message=t("common.error.store_unavailable"),
                detail=str(exc),
            )

    return run


async def not_found(request: Request, exc: Exception) -> Response:
    """404: a page in the layout for a browser, plain text for everything else."""
    if "text/html" not in request.headers.get("accept", ""):
        return PlainTextResponse(getattr(exc, "detail", None) or "Not Found", status_code=404)
    t = translator(lang_of(request))
    return await render(
        request, "error.html", status=404, message=t("common.error.not_found_page"), detail=""
    )


async def switch_language(request: Request) -> Response:
    """``GET /lang/{nl|en}?next=/path``: remember the language (a cookie), go back."""
    lang = request.path_params["lang"]
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if lang in LANGS:
        response.set_cookie(COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


def routes() -> list[BaseRoute]:
    """Routes of the web app: each area's module adds its pages here (one line each).

    Registered before the account routes, so the pages here answer a browser's
    /auth/* and /me requests (JSON requests go on to :mod:`api.identity.routes`).
    """
    # imported here: area modules import the web package's modules themselves
    from api.web import auth, initiatives, introductions, profile, search

    return [
        *auth.routes(),  # /auth/* pages
        *profile.routes(),  # /me
        *search.routes(),  # /search
        *initiatives.routes(),  # /initiatives/new, /initiatives/{id} and its forms
        *introductions.routes(),  # /introductions, /introductions/request
        Route("/lang/{lang}", switch_language, methods=["GET"]),
        Route("/web/suggest/{kind}", page(widgets.suggest), methods=["GET"]),
        Mount("/static/web", app=StaticFiles(directory=STATIC), name="web"),
    ]
