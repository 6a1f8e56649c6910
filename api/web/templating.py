"""Jinja2 templates (autoescaped) and the values every page gets.

Every template can use ``t("key")`` (the page's language), ``lang``, ``viewer``
(``signed_in``, ``csrf``, ``actor_id``), ``path`` (for the language toggle), ``csrf``
(also as ``csrf_token``) and ``done`` (the confirmation a POST-redirect-GET asked to show).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.identity.web import authenticate
from api.web.i18n import catalogue, lang_of, translator

TEMPLATES = Path(__file__).parent / "templates"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True, slots=True)
class WebViewer:
    """Who the page is for, as the layout needs it."""

    signed_in: bool = False
    csrf: str = ""
    actor_id: str | None = None
    email: str = ""


async def viewer_of(request: Request) -> WebViewer:
    auth = await authenticate(request)
    if auth.account is None:
        return WebViewer()
    return WebViewer(
        signed_in=True,
        csrf=auth.session.csrf if auth.session else "",
        actor_id=auth.account.actor_id,
        email=auth.account.email,
    )


def _done(request: Request) -> str:
    """The confirmation named by ``?done=<area>.done.<what>``, translated, or ''."""
    key = request.query_params.get("done", "")
    if ".done." not in key or not catalogue().has(key):
        return ""
    return catalogue().text(lang_of(request), key)


async def render(
    request: Request, template: str, *, status: int = 200, **values: Any
) -> HTMLResponse:
    """Render ``template`` for ``request`` with the shared values above and ``values``."""
    lang = lang_of(request)
    viewer = await viewer_of(request)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    shared: dict[str, Any] = {
        "t": translator(lang),
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "viewer": viewer,
        "csrf": viewer.csrf,
        "csrf_token": viewer.csrf,
        "path": request.url.path,
        "here": quote(here, safe=""),
        "done": _done(request),
    }
    html = env.get_template(template).render(**shared, **values)
    return HTMLResponse(html, status_code=status, headers={"content-language": lang})
