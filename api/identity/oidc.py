"""Sign-in with an external OpenID Connect provider (authorization code flow + PKCE).

The provider is configured by issuer URL, client id and secret; its endpoints come
from discovery. The ID token is checked (signature from the provider's JWKS,
issuer, audience, expiry, nonce). An OIDC identity links to an existing account
by a *verified* e-mail address; without one, a new account is made.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from api.identity import pages
from api.identity.model import Account
from api.identity.service import Identity, OidcConfig, normalise_email
from api.identity.store import IdentityError
from api.identity.web import identity_of, is_https, set_session_cookie

STATE_COOKIE = "wijknet_oidc"
_discovered: dict[str, tuple[float, dict[str, Any]]] = {}


async def _metadata(cfg: OidcConfig) -> dict[str, Any]:
    cached = _discovered.get(cfg.issuer)
    if cached and time.monotonic() - cached[0] < 3600:
        return cached[1]
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"{cfg.issuer}/.well-known/openid-configuration")
        r.raise_for_status()
        meta: dict[str, Any] = r.json()
    if meta.get("issuer", "").rstrip("/") != cfg.issuer:
        raise IdentityError("the provider's discovery names another issuer")
    _discovered[cfg.issuer] = (time.monotonic(), meta)
    return meta


def _callback_url(identity: Identity) -> str:
    return f"{identity.config.public_url.rstrip('/')}/auth/oidc/callback"


async def login(request: Request) -> Response:
    identity = identity_of(request)
    cfg = identity.oidc
    if cfg is None:
        return HTMLResponse(pages.page("Inloggen", "", error="no OIDC provider"), 404)
    meta = await _metadata(cfg)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    url = prepare_grant_uri(
        meta["authorization_endpoint"],
        cfg.client_id,
        "code",
        redirect_uri=_callback_url(identity),
        scope="openid email profile",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        identity.sign(json.dumps([state, nonce, verifier]).encode().hex()),
        max_age=600,
        httponly=True,
        samesite="lax",
        secure=is_https(request, identity),
        path="/auth/oidc",
    )
    return response


async def _claims(identity: Identity, code: str, nonce: str, verifier: str) -> dict[str, Any]:
    cfg = identity.oidc
    assert cfg is not None
    meta = await _metadata(cfg)
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _callback_url(identity),
                "code_verifier": verifier,
            },
            auth=(cfg.client_id, cfg.client_secret),
        )
        if r.status_code != 200:
            raise IdentityError(f"the provider refused the code ({r.status_code})")
        tokens = r.json()
        keys = (await http.get(meta["jwks_uri"])).json()
        try:
            token = jwt.decode(tokens["id_token"], KeySet.import_key_set(keys))
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": cfg.issuer},
                aud={"essential": True, "value": cfg.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, KeyError, ValueError) as exc:
            raise IdentityError(f"the provider's ID token is not valid: {exc}") from exc
        claims = dict(token.claims)
        if "email" not in claims and meta.get("userinfo_endpoint") and tokens.get("access_token"):
            info = await http.get(
                meta["userinfo_endpoint"],
                headers={"authorization": f"Bearer {tokens['access_token']}"},
            )
            if info.status_code == 200 and info.json().get("sub") == claims["sub"]:
                claims = {**info.json(), **claims}
    return claims


async def account_for(identity: Identity, request: Request, claims: dict[str, Any]) -> Account:
    """The account an OIDC identity signs in to: linked before, by verified e-mail, or new."""
    cfg = identity.oidc
    assert cfg is not None
    store = identity.store
    linked = await store.account_by_oidc(cfg.issuer, str(claims["sub"]))
    if linked is not None:
        account = await store.account(linked)
        if account is None or account.disabled:
            raise IdentityError("this account is disabled")
        return account
    email_raw = claims.get("email")
    verified = claims.get("email_verified") is True
    if not email_raw or not verified:
        raise IdentityError("your organisation did not confirm an e-mail address for you")
    email = normalise_email(str(email_raw))
    account = await store.account_by_email(email)
    if account is None:
        name = str(claims.get("name") or email.split("@")[0])
        account = await identity.create_account(email, secrets.token_urlsafe(24), name=name)
        actor_id = await identity.create_actor(
            request.app.state.store, name, getattr(request.app.state, "index", None)
        )
        await store.update_account(account.id, verified=True, actor_id=actor_id, name="")
        await identity.audit("signup-oidc", account, actor_id, nodes=[actor_id])
    elif not account.verified:
        # the provider vouches for the address the account was made with
        await store.update_account(account.id, verified=True)
    if account.disabled:
        raise IdentityError("this account is disabled")
    await store.link_oidc(cfg.issuer, str(claims["sub"]), account.id)
    found = await store.account(account.id)
    assert found is not None
    return found


async def callback(request: Request) -> Response:
    identity = identity_of(request)
    if identity.oidc is None:
        return HTMLResponse(pages.page("Inloggen", "", error="no OIDC provider"), 404)
    raw = identity.unsign(request.cookies.get(STATE_COOKIE))
    try:
        if raw is None:
            raise IdentityError("the sign-in took too long or came from elsewhere; try again")
        state, nonce, verifier = json.loads(bytes.fromhex(raw))
        if not secrets.compare_digest(request.query_params.get("state", ""), state):
            raise IdentityError("the sign-in came back with another state; try again")
        if "error" in request.query_params:
            raise IdentityError(f"the provider said: {request.query_params['error']}")
        claims = await _claims(identity, request.query_params.get("code", ""), nonce, verifier)
        account = await account_for(identity, request, claims)
    except (IdentityError, httpx.HTTPError) as exc:
        return HTMLResponse(pages.page("Inloggen", "", error=str(exc)), status_code=400)
    await identity.audit("signin", account, via="oidc")
    cookie, _ = await identity.start_session(account, request.headers.get("user-agent", ""))
    response = RedirectResponse("/me", status_code=303)
    response.delete_cookie(STATE_COOKIE, path="/auth/oidc")
    set_session_cookie(response, request, cookie, identity.config.session_days)
    return response


def routes() -> list[Route]:
    return [
        Route("/auth/oidc/login", login, methods=["GET"]),
        Route("/auth/oidc/callback", callback, methods=["GET"]),
    ]
