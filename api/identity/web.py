"""Who a request comes from: the bearer token or the session cookie, and CSRF.

A request proves who it is by ``Authorization: Bearer wjk_...`` (an API token) or
by the signed session cookie. A cookie authenticates a state-changing request
(anything but GET/HEAD/OPTIONS) only together with the session's CSRF token, in
the ``X-CSRF-Token`` header or a ``csrf_token`` form field; without it the request
counts as anonymous. A forged or unknown token or cookie also counts as anonymous.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from api.identity.service import Auth, Identity

COOKIE = "wijknet_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def identity_of(request: Request) -> Identity:
    found: Identity = request.app.state.identity
    return found


async def authenticate(request: Request, *, form_csrf: str | None = None) -> Auth:
    """The Auth of a request (cached on it); see the module docstring."""
    cached = request.scope.get("wijknet.auth")
    if isinstance(cached, Auth) and form_csrf is None:
        return cached
    identity = identity_of(request)
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        auth = await identity.from_bearer(token.strip()) if scheme.lower() == "bearer" else Auth()
    else:
        auth = await identity.from_cookie(request.cookies.get(COOKIE))
        if auth.session is not None and request.method not in SAFE_METHODS:
            sent = form_csrf or request.headers.get(CSRF_HEADER, "")
            if not (sent and hmac.compare_digest(sent, auth.session.csrf)):
                auth = Auth()
    request.scope["wijknet.auth"] = auth
    return auth


def cross_site(request: Request) -> bool:
    """True when a state-changing request names another site as its origin."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


def is_https(request: Request, identity: Identity) -> bool:
    return request.url.scheme == "https" or identity.config.secure_cookies


def set_session_cookie(response: Response, request: Request, value: str, days: int) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=is_https(request, identity_of(request)),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request, identity_of(request)),
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
