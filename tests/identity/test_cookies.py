"""The session cookie's attributes, in process: HttpOnly and SameSite=Lax always,
Secure when wijknet is reached over TLS."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.app import create_app
from api.settings import Settings
from graph.embedded import EmbeddedStore


async def _sign_in_cookie(tmp_path: Path, public_url: str, base_url: str) -> str:
    tmp_path.mkdir(exist_ok=True)
    store = EmbeddedStore.open(str(tmp_path / "c.db"))
    settings = Settings(
        seed_actors=0, identity_db=str(tmp_path / "c.identity.db"), public_url=public_url
    )
    app = create_app(settings, store=store)
    try:
        async with app.router.lifespan_context(app):
            await app.state.identity.create_account(
                "a@example.org", "een lang wachtwoord", verified=True
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
                r = await http.post(
                    "/auth/signin",
                    json={"email": "a@example.org", "password": "een lang wachtwoord"},
                )
                assert r.status_code == 200, r.text
                return r.headers["set-cookie"]
    finally:
        await store.close()


async def test_cookie_over_plain_http_on_loopback(tmp_path: Path) -> None:
    cookie = await _sign_in_cookie(tmp_path, "", "http://127.0.0.1:8000")
    assert cookie.startswith("wijknet_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


async def test_cookie_is_secure_behind_tls(tmp_path: Path) -> None:
    # reached over https directly, or through a TLS proxy that WIJKNET_PUBLIC_URL names
    direct = await _sign_in_cookie(tmp_path / "a", "", "https://wijknet.example")
    proxied = await _sign_in_cookie(tmp_path / "b", "https://wijknet.example", "http://app:8000")
    for cookie in (direct, proxied):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
