"""Form posts: CSRF, errors in plain words next to the field, POST-redirect-GET.

``read_form`` refuses a post from another site and checks the session's CSRF token
(the one of :mod:`api.identity.web`, which every form carries as ``csrf_token``), so
that :func:`api.web.graphql.run` then acts as the signed-in viewer. ``errors_from``
turns a mutation's ``Error`` into ``{field: message}`` in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from api.identity.service import Auth
from api.identity.web import COOKIE, authenticate, cross_site
from api.web.i18n import catalogue, lang_of

FORM = "__form__"
"""The key of an error that belongs to the whole form, not one field."""


class FormRefused(Exception):
    """A post from another site (403), or a signed-in post without the session's CSRF
    token (401: it counts as anonymous, as for the API)."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(slots=True)
class Form:
    data: FormData
    auth: Auth

    def get(self, name: str) -> str:
        value = self.data.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self.data.getlist(name) if isinstance(v, str) and v.strip()]


@dataclass(slots=True)
class Errors:
    """Messages by field name (``FORM`` for the whole form), in the page's language."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def __contains__(self, name: object) -> bool:
        return name in self.by_field

    def get(self, name: str, default: str = "") -> str:
        return self.by_field.get(name, default)

    def fields(self) -> list[str]:
        """The fields with an error (not the whole-form one)."""
        return [name for name in self.by_field if name != FORM]


async def read_form(request: Request) -> Form:
    """The posted form, with the viewer authenticated by its CSRF token; see above."""
    if cross_site(request):
        raise FormRefused("cross-site post", 403)
    data = await request.form()
    token = data.get("csrf_token")
    auth = await authenticate(request, form_csrf=token if isinstance(token, str) else "")
    if request.cookies.get(COOKIE) and auth.session is None:
        # a session cookie, but the token does not match it: do nothing as anybody
        signed_in = await request.app.state.identity.from_cookie(request.cookies.get(COOKIE))
        if signed_in.session is not None:
            raise FormRefused("the form's CSRF token does not match the session", 401)
    return Form(data=data, auth=auth)


def errors_from(error: dict[str, Any], request: Request, area: str) -> Errors:
    """A mutation's ``Error`` (``code``, ``field``, ``message``) as a message by field.

    The message is the catalogue's ``<area>.error.<field>.<code>``, else
    ``<area>.error.<field>``, else ``common.error.<code>`` (with the API's own words as
    detail), so what a person reads is in their language and names the field.
    """
    lang = lang_of(request)
    cat = catalogue()
    code = str(error.get("code", "")).lower()
    name = str(error.get("field") or FORM)
    detail = str(error.get("message", ""))
    for key in (f"{area}.error.{name}.{code}", f"{area}.error.{name}"):
        if cat.has(key):
            return Errors({name: cat.text(lang, key)})
    general = f"common.error.{code}" if cat.has(f"common.error.{code}") else "common.error.other"
    return Errors({name: cat.text(lang, general, detail=detail)})


def redirect(path: str, *, done: str = "", **params: str) -> RedirectResponse:
    """303 to ``path`` (same site only), asking it to confirm ``done`` (a catalogue key)."""
    if not path.startswith("/") or path.startswith("//"):
        path = "/"
    path, hash_, fragment = path.partition("#")
    query = {**params, **({"done": done} if done else {})}
    sep = "&" if "?" in path else "?"
    url = path + (sep + urlencode(query) if query else "") + hash_ + fragment
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to (never another host)."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value
