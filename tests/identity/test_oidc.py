"""Sign-in through a real OpenID Connect provider on loopback (authorization code + PKCE)."""

from __future__ import annotations

import re
import secrets

import httpx

from tests.api.server import Server
from tests.identity_helpers import make_account
from tests.oidc_provider import Provider

ME = {"query": "{ me { id email actorId } }"}


async def _oidc_sign_in(http: httpx.AsyncClient, provider: Provider, sub: str) -> httpx.Response:
    """Click "sign in with your organisation", pick ``sub`` at the provider, come back."""
    r = await http.get("/auth/oidc/login")
    assert r.status_code == 303
    authorize = r.headers["location"]
    assert authorize.startswith(provider.issuer)
    assert "code_challenge=" in authorize and "nonce=" in authorize
    async with httpx.AsyncClient() as idp:
        form = await idp.get(authorize)
        assert form.status_code == 200 and 'name="sub"' in form.text
        r = await idp.post(authorize, data={"sub": sub})
    assert r.status_code == 302, r.text
    back = r.headers["location"]
    assert back.startswith(str(http.base_url).rstrip("/") + "/auth/oidc/callback")
    return await http.get(back)


async def test_oidc_sign_in_makes_an_account(mail_server: Server, provider: Provider) -> None:
    sub = f"medewerker-{secrets.token_hex(3)}"
    email = f"{sub}@gemeente.example"
    provider.set_user(sub, email=email, email_verified=True, name="Mila Jansen")
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        r = await _oidc_sign_in(http, provider, sub)
        assert r.status_code == 303 and r.headers["location"] == "/me", r.text
        me = (await http.get("/graphql", params=ME)).json()["data"]["me"]
        assert me["email"] == email and me["actorId"].startswith("res-")
        page = await http.get("/me")
        assert "Mila Jansen" in page.text
    # the second time, the same account (linked by issuer and subject)
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        await _oidc_sign_in(http, provider, sub)
        again = (await http.get("/graphql", params=ME)).json()["data"]["me"]
        assert again["id"] == me["id"]


async def test_oidc_links_to_the_account_with_that_verified_email(
    mail_server: Server, provider: Provider
) -> None:
    email = f"opbouwwerker-{secrets.token_hex(3)}@welzijn.example"
    existing = await make_account(mail_server, actor="res-0000007", email=email)
    sub = f"idp-{secrets.token_hex(3)}"
    provider.set_user(sub, email=email.upper(), email_verified=True)
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        r = await _oidc_sign_in(http, provider, sub)
        assert r.status_code == 303
        me = (await http.get("/graphql", params=ME)).json()["data"]["me"]
    assert me == {"id": existing.account_id, "email": email, "actorId": "res-0000007"}


async def test_oidc_without_a_verified_email_links_nothing(
    mail_server: Server, provider: Provider
) -> None:
    email = f"iemand-{secrets.token_hex(3)}@welzijn.example"
    existing = await make_account(mail_server, actor="res-0000008", email=email)
    sub = f"idp-{secrets.token_hex(3)}"
    provider.set_user(sub, email=email, email_verified=False)
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        r = await _oidc_sign_in(http, provider, sub)
        assert r.status_code == 400
        assert re.search("e-mail", r.text)
        assert (await http.get("/graphql", params=ME)).json()["data"]["me"] is None
    assert existing.account_id


async def test_a_callback_with_a_forged_state_is_refused(
    mail_server: Server, provider: Provider
) -> None:
    async with httpx.AsyncClient(base_url=mail_server.base) as http:
        r = await http.get("/auth/oidc/login")
        assert r.status_code == 303
        r = await http.get("/auth/oidc/callback", params={"code": "x", "state": "forged"})
        assert r.status_code == 400
        assert (await http.get("/graphql", params=ME)).json()["data"]["me"] is None
