"""A resident in Chromium starts an initiative by names only (typing and picking from
the place, theme and skill pickers, ticking an instrument by its label), lands on its
page, and the pages pass axe-core and read wholly in English after the toggle, at
1440 and 360 px."""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Server, start_server
from tests.browser.conftest import _missing, artifact
from tests.identity_helpers import Credentials, make_account

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "map" / "node_modules" / "axe-core" / "axe.min.js"
MESSAGES = ROOT / "api" / "web" / "messages"
WIDTHS = (1440, 360)


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("initiatives")
    srv = start_server(str(folder / "web.db"), folder, seed_actors=300, timeout=300)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
async def resident(web_server: Server) -> Credentials:
    """A verified account whose person (a resident) registered through the API."""
    creds = await make_account(web_server)
    name = f"Fatima Ouali {secrets.token_hex(2)}"
    query = """mutation($input: RegisterActorInput!) { registerActor(input: $input) {
      __typename ... on Error { message } } }"""
    answer = httpx.post(
        web_server.url,
        json={"query": query, "variables": {"input": {"kind": "RESIDENT", "name": name}}},
        headers=creds.headers,
        timeout=60,
    ).json()
    assert answer["data"]["registerActor"]["__typename"] == "RegisterActorSuccess", answer
    return creds


@pytest.fixture
async def at_width(browser: Any) -> AsyncIterator[Any]:
    contexts: list[Any] = []

    async def make(width: int) -> Any:
        context = await browser.new_context(
            viewport={"width": width, "height": 900}, locale="nl-NL"
        )
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(120_000)  # a shared machine: generous, never relied on
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        return page

    yield make
    for context in contexts:
        await context.close()


async def sign_in(page: Any, server: Server, creds: Credentials) -> None:
    await page.goto(f"{server.base}/auth/signin?next=/initiatives/new")
    await page.fill("input[name=email]", creds.email)
    await page.fill("input[name=password]", creds.password)
    await page.click("form[action='/auth/signin'] button[type=submit]")
    await page.wait_for_load_state("load")


async def pick(page: Any, field: str, typed: str, option: str) -> None:
    """Type ``typed`` into the picker ``field`` and click the option labelled ``option``."""
    await page.locator(f"#f-{field}").press_sequentially(typed, delay=40)
    listbox = page.locator(f"#{field}-options")
    choice = listbox.locator("[role=option]", has_text=re.compile(f"^{re.escape(option)}"))
    await choice.first.click()


async def fill_the_form(page: Any, name: str) -> None:
    await page.fill("#f-name", name)
    await page.fill("#f-description", "Samen zonnepanelen op de flats aan de Erasmusweg.")
    await pick(page, "place", "Moerwi", "Moerwijk")
    await pick(page, "themes", "Energ", "Energie")
    await pick(page, "need_0", "Zonnepan", "Zonnepanelen installeren")
    await page.select_option("#f-need_0_urgency", "HIGH")
    await pick(page, "need_1", "Subsidie", "Subsidieaanvragen schrijven")
    instrument = page.locator("label.check", has=page.locator("input[name=instruments]"))
    await instrument.filter(has_text="Right to Challenge").locator("input").check()


async def test_start_an_initiative_by_names_only_in_the_browser(
    at_width: Any, web_server: Server, resident: Credentials
) -> None:
    page = await at_width(1440)
    await sign_in(page, web_server, resident)
    await page.goto(f"{web_server.base}/initiatives/new")
    name = f"Energiecoöperatie Moerwijk {secrets.token_hex(2)}"
    await fill_the_form(page, name)
    # the pickers put ids in the form, not what was typed
    assert await page.locator("input[name=place]").input_value() == "WK051836"
    assert await page.locator("input[name=need_0]").input_value() == "skill-solar-installation"
    await page.click("#start")
    await page.wait_for_url(re.compile(r"/initiatives/(?!new)[\w-]+\?done="))
    assert await page.locator("h1").inner_text() == name
    needs = await page.locator("#open-needs").inner_text()
    assert "Zonnepanelen installeren" in needs and "dringend" in needs
    assert "Subsidieaanvragen schrijven" in needs
    assert "Right to Challenge" in await page.locator("#instruments").inner_text()
    assert "Moerwijk" in await page.locator("#place").inner_text()
    await page.screenshot(path=str(artifact("initiative-page-1440.png")), full_page=True)
    narrow = await at_width(360)
    await narrow.goto(page.url.split("?")[0])
    await narrow.screenshot(path=str(artifact("initiative-page-360.png")), full_page=True)
    assert page.errors == [] and narrow.errors == []


async def test_a_wrong_place_is_said_beside_it_and_nothing_is_lost(
    at_width: Any, web_server: Server, resident: Credentials
) -> None:
    page = await at_width(1440)
    await sign_in(page, web_server, resident)
    await page.goto(f"{web_server.base}/initiatives/new")
    await page.fill("#f-name", "Buurtmoestuin")
    await page.fill("#f-place", "Nergenshuizen")
    await pick(page, "themes", "Groe", "Groen")
    await page.click("#start")
    await page.wait_for_selector(".error-summary")
    assert "We kennen geen plaats" in await page.locator("#place-error").inner_text()
    assert await page.locator("#f-name").input_value() == "Buurtmoestuin"
    assert await page.locator("#f-place").input_value() == "Nergenshuizen"
    assert await page.locator("input[name=themes][value=theme-green]").is_checked()


# --- every page: axe-core and the English toggle, at both widths ----------------------


def _dutch_only() -> list[str]:
    """Catalogue texts that differ between the languages (long enough to be telling)."""
    out = []
    for file in MESSAGES.glob("*.toml"):
        for entry in tomllib.loads(file.read_text(encoding="utf-8")).values():
            nl, en = entry["nl"], entry["en"]
            if not entry.get("same") and "{" not in nl and len(nl) >= 12 and nl not in en:
                out.append(nl)
    return out


async def _axe(page: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        _missing(f"{AXE} is missing: run bash tools/map/build.sh (npm ci)")
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        """async () => {
          const r = await axe.run(document, { runOnly: { type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
          return r.violations.map(v => ({ id: v.id, impact: v.impact,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


async def _pages(server: Server, creds: Credentials) -> list[str]:
    """The new-initiative form, a demo initiative and one the resident coordinates."""
    query = "{ initiatives(first: 30) { edges { node { id source { demo } } } } }"
    found = httpx.post(server.url, json={"query": query}, headers=creds.headers, timeout=60)
    demo = next(
        e["node"]["id"]
        for e in found.json()["data"]["initiatives"]["edges"]
        if e["node"]["source"]["demo"]
    )
    start = """mutation { startInitiative(input: { name: "Buurtkeuken Moerwijk",
      placeCode: "WK051836", themes: ["theme-food"],
      needs: [{ skill: "skill-fundraising", urgency: HIGH }] }) {
      ... on StartInitiativeSuccess { initiative { id } } } }"""
    own = httpx.post(server.url, json={"query": start}, headers=creds.headers, timeout=60)
    mine = own.json()["data"]["startInitiative"]["initiative"]["id"]
    return ["/initiatives/new", f"/initiatives/{demo}", f"/initiatives/{mine}"]


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_pages_are_accessible_and_read_in_english(
    at_width: Any, web_server: Server, resident: Credentials, width: int
) -> None:
    page = await at_width(width)
    await sign_in(page, web_server, resident)
    dutch = _dutch_only()
    for path in await _pages(web_server, resident):
        await page.goto(f"{web_server.base}{path}")
        assert await _axe(page) == [], path
        await page.click(".lang-toggle")
        await page.wait_for_load_state("load")
        assert await page.locator("html").get_attribute("lang") == "en"
        # what is marked as Dutch (data written only in Dutch) is not the page's wording
        text = await page.evaluate(
            """() => { const body = document.body.cloneNode(true);
              body.querySelectorAll('[lang=nl]').forEach(e => e.remove());
              return body.innerText; }"""
        )
        left = [s for s in dutch if re.search(rf"\b{re.escape(s)}\b", text)]
        assert left == [], f"{path}: Dutch left in English mode: {left}"
        assert await _axe(page) == [], f"{path} (en)"
        await page.click(".lang-toggle")  # back to Dutch for the next page
        await page.wait_for_load_state("load")
    assert page.errors == []
