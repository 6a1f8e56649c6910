"""A person in Chromium: sign up, confirm by the mailed link, sign in, change visibility,
download their data, erase themselves, and find the account gone."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Server, free_port, start_server
from tests.browser.conftest import artifact
from tests.mailbox import Mailbox, link_in, smtp_server

PASSWORD = "zonnepanelen op elk dak"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def account_server(mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("accounts")
    port = free_port()
    env = {**mailbox.env(), "WIJKNET_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    srv = start_server(str(folder / "accounts.db"), folder, seed_actors=50, env=env, port=port)
    try:
        yield srv
    finally:
        srv.stop()


def _actor(server: Server, actor_id: str) -> dict[str, Any] | None:
    """The actor as an anonymous visitor sees it."""
    q = {"query": f'{{ actor(id: "{actor_id}") {{ id name visibility }} }}'}
    found: dict[str, Any] | None = httpx.post(server.url, json=q, timeout=30).json()["data"][
        "actor"
    ]
    return found


async def test_sign_up_to_erasure_in_the_browser(
    page: Any, account_server: Server, mailbox: Mailbox, tmp_path: Path
) -> None:
    base = account_server.base
    name = f"Noor Bakker {secrets.token_hex(2)}"
    email = f"noor.{secrets.token_hex(4)}@voorbeeld.nl"

    await page.goto(f"{base}/auth/signup")
    await page.fill("input[name=name]", name)
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("[role=status]")
    assert "mail" in (await page.text_content("[role=status]") or "")

    # the link in the mail the SMTP server received signs the person in
    await page.goto(link_in(mailbox.wait_for(email, "bevestig"), "/auth/verify"))
    await page.wait_for_selector("#who")
    assert email in (await page.text_content("#who") or "")

    # sign out, and in again with the password
    await page.click("#signout")
    await page.wait_for_url(f"{base}/auth/signin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form[action='/auth/signin'] button[type=submit]")
    await page.wait_for_url(f"{base}/me")
    assert await page.get_attribute("#visibility", "data-value") == "private"

    data_url = f"{base}/me/data.json"
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    actor_id = httpx.get(data_url, cookies=cookies, timeout=30).json()["actor"]["id"]
    assert (_actor(account_server, actor_id) or {}).get("name") != name  # private: not named

    # make the profile public: anyone now sees the name
    await page.check("input[name=visibility][value=PUBLIC]")
    await page.click("#save-visibility")
    await page.wait_for_url(re.compile(r".*/me\?done=profile\.done\.privacy"))
    assert await page.get_attribute("#visibility", "data-value") == "public"
    assert _actor(account_server, actor_id) == {
        "id": actor_id,
        "name": name,
        "visibility": "PUBLIC",
    }
    await page.screenshot(path=str(artifact("account-me.png")))

    # download everything stored about me
    async with page.expect_download() as waiting:
        await page.click("#download")
    download = await waiting.value
    saved = tmp_path / "mine.json"
    await download.save_as(str(saved))
    mine = json.loads(saved.read_text())
    assert mine["account"]["email"] == email
    assert mine["actor"]["name"] == name and mine["actor"]["visibility"] == "public"
    assert len(mine["sessions"]) >= 1

    # erase me
    await page.check("input[name=confirm]")
    await page.click("#erase")
    await page.wait_for_selector("[role=status]")
    assert "gewist" in (await page.text_content("[role=status]") or "")
    await page.screenshot(path=str(artifact("account-erased.png")))

    # the account is gone: /me sends to sign-in, and signing in fails
    await page.goto(f"{base}/me")
    await page.wait_for_url(f"{base}/auth/signin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form[action='/auth/signin'] button[type=submit]")
    await page.wait_for_selector("[role=alert]")
    assert "passen niet bij elkaar" in (await page.text_content("[role=alert]") or "")
    assert _actor(account_server, actor_id) is None
    assert page.errors == []


async def _search_map(page: Any, base: str, text: str) -> str:
    """Search the map at ``/`` for ``text``; the hits list as the page shows it."""
    await page.goto(f"{base}/")
    await page.wait_for_function("document.body.dataset.state === 'ready'", timeout=60_000)
    await page.fill("#search", text)
    await page.wait_for_function(
        "document.querySelector('#hits li') && !document.querySelector('#hits li.muted')"
        " || /Niets|Nothing/.test(document.querySelector('#hits')?.textContent || '')",
        timeout=30_000,
    )
    return await page.text_content("#hits") or ""


async def test_the_map_asks_as_the_signed_in_viewer(
    page: Any, browser: Any, account_server: Server, mailbox: Mailbox
) -> None:
    """A private person finds themselves through the map's search when signed in; an
    anonymous visitor searching the same name finds nothing."""
    base = account_server.base
    name = f"Sanne Verhoeven {secrets.token_hex(2)}"
    email = f"sanne.{secrets.token_hex(4)}@voorbeeld.nl"
    signup = {"email": email, "password": PASSWORD, "name": name}
    r = httpx.post(f"{base}/auth/signup", json=signup, timeout=30)
    assert r.status_code == 202, r.text
    verified = httpx.get(
        link_in(mailbox.wait_for(email, "bevestig"), "/auth/verify"),
        headers={"accept": "application/json"},
        timeout=30,
    )
    assert verified.status_code == 200

    await page.goto(f"{base}/auth/signin")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form[action='/auth/signin'] button[type=submit]")
    await page.wait_for_url(f"{base}/me")
    assert name in await _search_map(page, base, name)
    await page.screenshot(path=str(artifact("map-signed-in-search.png")))
    assert page.errors == []

    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="nl-NL")
    try:
        anonymous = await context.new_page()
        hits = await _search_map(anonymous, base, name)
        assert name not in hits and "Niets gevonden" in hits
    finally:
        await context.close()
