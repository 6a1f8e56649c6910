"""Every page of the web app in Chromium, at 1440 and 360 px, in Dutch and English:
axe-core finds no serious or critical WCAG 2.1 A/AA violation, the page speaks one
language (no catalogue string of the other), and the toggle switches it. Screenshots go
to ``test-artifacts/web/<page>-<width>-<lang>.png``.

``PAGES`` is the list of pages: add yours (a path, or an async function of the
``Site`` that prepares data and returns the path; ``signed_in`` to see it as the
site's person; ``prepare`` to act on the page first, e.g. post a form with errors).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from api.web.i18n import catalogue
from tests.api.server import Server, start_server
from tests.browser.conftest import _missing, artifact
from tests.identity_helpers import Credentials, make_account

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "web" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1440, 360)
SITE_ACTOR = "res-0000003"  # the site's person: a generated resident
LANGS = ("nl", "en")


@dataclass
class Site:
    """The server the pages are tested on, a person with a profile, and that person's
    session cookie (signed in once: sign-in attempts are rate limited)."""

    server: Server
    person: Credentials
    session: str

    @property
    def base(self) -> str:
        return self.server.base

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``query`` as the site's person (bearer token); the data, or fail."""
        r = httpx.post(
            self.server.url,
            json={"query": query, "variables": variables or {}},
            headers=self.person.headers,
            timeout=60,
        )
        body = r.json()
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data


Path_ = str | Callable[[Site], Awaitable[str]]


@dataclass(frozen=True)
class WebPage:
    name: str
    path: Path_
    signed_in: bool = False
    prepare: Callable[[Any], Awaitable[None]] | None = None  # acts on the opened page

    def __str__(self) -> str:
        return self.name


async def _submit_empty(page: Any) -> None:
    await page.click("main form button[type=submit]")
    await page.wait_for_selector(".error-summary")


async def _typed_place(page: Any) -> None:
    await page.fill("#f-place", "Moerw")
    await page.wait_for_selector("#place-options [role=option]")


async def _an_initiative(site: Site) -> str:
    found = site.graphql("{ initiatives(first: 1) { edges { node { id } } } }")
    return "/initiatives/" + found["initiatives"]["edges"][0]["node"]["id"]


async def _a_demo_search(site: Site) -> str:
    """Search results with made-up data: every hit wears the demo badge."""
    found = site.graphql("{ initiatives(first: 20) { edges { node { name source { demo } } } } }")
    name = next(
        e["node"]["name"] for e in found["initiatives"]["edges"] if e["node"]["source"]["demo"]
    )
    return "/search?" + urlencode({"q": name.split()[0]})


_made: dict[str, str] = {}


async def _own_initiative(site: Site) -> str:
    """An initiative the site's person coordinates (started once per server): the page
    with the coordinators' forms."""
    if site.base not in _made:
        data = site.graphql(
            """mutation { startInitiative(input: { name: "Buurtkeuken Moerwijk",
              placeCode: "WK051836", themes: ["theme-food"], instruments: ["inst-wijkbudget"],
              needs: [{ skill: "skill-fundraising", urgency: HIGH }] }) {
              ... on StartInitiativeSuccess { initiative { id } } } }"""
        )
        _made[site.base] = data["startInitiative"]["initiative"]["id"]
    return f"/initiatives/{_made[site.base]}"


async def _own_initiative_edit(site: Site) -> str:
    return await _own_initiative(site) + "/edit"


async def _wrong_place(page: Any) -> None:
    await page.fill("#f-place", "Nergenshuizen")
    await page.click("#start")
    await page.wait_for_selector(".error-summary")


_ASKED: dict[int, tuple[str, str]] = {}


def _asking(site: Site) -> tuple[str, str]:
    """An initiative of the site's person and a suggested candidate it asked to meet
    (made once per site): the inbox then has a request, the form a candidate."""
    if id(site) not in _ASKED:
        started = site.graphql(
            """mutation { startInitiative(input: { name: "Zonnedaken Moerwijk",
              placeCode: "WK051836", themes: ["theme-energy"],
              needs: [{ skill: "skill-solar-installation", urgency: HIGH }] }) {
              ... on StartInitiativeSuccess { initiative { id } } } }"""
        )
        ini = started["startInitiative"]["initiative"]["id"]
        found = site.graphql(
            "query($i: ID!) { suggestPartners(initiative: $i, first: 2) { actor { id } } }",
            {"i": ini},
        )["suggestPartners"]
        asked = site.graphql(
            "mutation($i: ID, $c: ID) { requestIntroduction(initiative: $i, candidate: $c, "
            'message: "Zullen we kennismaken?") { __typename } }',
            {"i": ini, "c": found[0]["actor"]["id"]},
        )
        assert asked["requestIntroduction"]["__typename"] == "IntroductionSuccess", asked
        _ASKED[id(site)] = (ini, found[1]["actor"]["id"])
    return _ASKED[id(site)]


async def _introductions_asked(site: Site) -> str:
    _asking(site)
    return "/introductions"


async def _introduction_form(site: Site) -> str:
    ini, other = _asking(site)
    return f"/introductions/request?initiative={ini}&candidate={other}"


_INVITED: dict[int, str] = {}


async def _invited_to_a_meeting(site: Site) -> str:
    """The introductions page with an invitation to a meeting for the site's person
    (made once per site: LSA bewoners plans it and invites them)."""
    if id(site) not in _INVITED:
        site.graphql(
            "mutation { setVisibility(visibility: PUBLIC) { __typename } "
            "setMatchable(matchable: true) { __typename } }"
        )
        lsa = await make_account(site.server, staff_of=["org-lsa-bewoners"])

        def as_lsa(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            r = httpx.post(
                site.server.url,
                json={"query": query, "variables": variables},
                headers=lsa.headers,
                timeout=60,
            )
            body = r.json()
            assert not body.get("errors"), body
            return body["data"]  # type: ignore[no-any-return]

        made = as_lsa(
            """mutation($input: CreateEventInput!) { createEvent(input: $input) {
              ... on EventSuccess { event { id } } ... on Error { message } } }""",
            {
                "input": {
                    "name": "Expertmeeting buurtenergie",
                    "kind": "EXPERT_MEETING",
                    "starts": "2026-03-12T19:30",
                    "ends": "2026-03-12T21:30",
                    "organisers": ["org-lsa-bewoners"],
                    "placeCode": "GM0518",
                    "themes": ["theme-energy"],
                }
            },
        )
        eid = made["createEvent"]["event"]["id"]
        invited = as_lsa(
            """mutation($e: ID!, $a: [ID!]!) { inviteToEvent(event: $e, actors: $a,
              reason: "kent de buurt") { __typename ... on Error { message } } }""",
            {"e": eid, "a": [SITE_ACTOR]},
        )
        assert invited["inviteToEvent"]["__typename"] == "EventSuccess", invited
        _INVITED[id(site)] = eid
    return "/introductions"


PAGES: list[WebPage] = [
    WebPage("signup", "/auth/signup"),
    WebPage("signup-errors", "/auth/signup", prepare=_submit_empty),
    WebPage("signin", "/auth/signin"),
    WebPage("reset", "/auth/reset"),
    WebPage("reset-confirm", "/auth/reset/confirm?code=x"),
    WebPage("search", "/search?q=Moerwijk"),
    WebPage("search-demo", _a_demo_search),
    WebPage("me", "/me", signed_in=True),
    WebPage("me-place-suggestions", "/me", signed_in=True, prepare=_typed_place),
    WebPage("initiative-new", "/initiatives/new", signed_in=True),
    WebPage("initiative-new-errors", "/initiatives/new", signed_in=True, prepare=_wrong_place),
    WebPage("initiative", _an_initiative, signed_in=True),
    WebPage("initiative-anonymous", _an_initiative),
    WebPage("initiative-coordinator", _own_initiative, signed_in=True),
    WebPage("initiative-edit", _own_initiative_edit, signed_in=True),
    WebPage("introductions", "/introductions", signed_in=True),
    WebPage("introductions-asked", _introductions_asked, signed_in=True),
    WebPage("introduction-request", _introduction_form, signed_in=True),
    WebPage("introductions-invited", _invited_to_a_meeting, signed_in=True),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import asyncio

    folder = tmp_path_factory.mktemp("web-pages")
    server = start_server(str(folder / "web.db"), folder, seed_actors=300)
    try:
        person = asyncio.run(make_account(server, actor=SITE_ACTOR))
        r = httpx.post(
            f"{server.base}/auth/signin",
            json={"email": person.email, "password": person.password},
            timeout=60,
        )
        assert r.status_code == 200, r.text
        yield Site(server, person, r.cookies["wijknet_session"])
    finally:
        server.stop()


@pytest.fixture
async def open_page(browser: Any, site: Site) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """``await open_page(web_page, width, lang)``: the page, loaded and prepared."""
    contexts: list[Any] = []

    async def open_one(web_page: WebPage, width: int, lang: str | None) -> Any:
        context = await browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        if lang:
            await context.add_cookies([{"name": "lang", "value": lang, "url": site.base}])
        page = await context.new_page()
        page.set_default_timeout(120_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        if web_page.signed_in:
            cookie = {"name": "wijknet_session", "value": site.session, "url": site.base}
            await context.add_cookies([cookie])
        path = web_page.path if isinstance(web_page.path, str) else await web_page.path(site)
        await page.goto(site.base + path)
        await page.wait_for_selector("main h1")
        if web_page.prepare is not None:
            await web_page.prepare(page)
        return page

    yield open_one
    for context in contexts:
        await context.close()


async def _axe(page: Any) -> list[dict[str, Any]]:
    if not AXE.exists():
        _missing(f"{AXE} is missing: run bash tools/web/vendor.sh (npm ci)")
    await page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
          const r = await axe.run(document, { runOnly: { type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
          return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("web_page", PAGES, ids=str)
async def test_no_serious_accessibility_violations(
    open_page: Callable[..., Awaitable[Any]], web_page: WebPage, width: int
) -> None:
    for lang in LANGS:
        page = await open_page(web_page, width, lang)
        assert await page.get_attribute("html", "lang") == lang
        folder = artifact("web")
        folder.mkdir(exist_ok=True)
        await page.screenshot(
            path=str(folder / f"{web_page.name}-{width}-{lang}.png"), full_page=True
        )
        assert await _axe(page) == [], f"{web_page.name} at {width} px in {lang}"
        # nothing sticks out sideways at 360 px
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{web_page.name} is {overflow} px too wide at {width} px"
        assert page.errors == []


# UI text only: what people read and what assistive technology reads out, without data
# (marked translate="no", or in another language with its own lang attribute)
UI_TEXT = """() => {
  const skip = el => el.closest('[translate="no"], script, style, datalist, noscript')
    || (el.closest('[lang]') && el.closest('[lang]') !== document.documentElement);
  const out = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !skip(parent)) out.push(walker.currentNode.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    if (skip(el)) continue;
    for (const a of ['aria-label', 'placeholder', 'title', 'alt'])
      if (el.hasAttribute(a)) out.push(el.getAttribute(a));
  }
  return out.join('\\n');
}"""


def _foreign(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    """Catalogue strings of the other language (pieces between placeholders), except
    those that also occur in some string of ``lang`` (they would prove nothing)."""
    other = "en" if lang == "nl" else "nl"
    entries = [e for e in catalogue().entries.values() if not e.same]
    own = [e.get(lang) for e in catalogue().entries.values()]
    found = []
    for entry in entries:
        for piece in re.split(r"\{\w+\}", entry.get(other)):
            piece = piece.strip(" .,:;()")
            if len(piece) < 3 or not re.search(r"[A-Za-z]{3}", piece):
                continue
            pattern = re.compile(r"(?<!\w)" + re.escape(piece) + r"(?!\w)")
            if not any(pattern.search(text) for text in own):
                found.append((piece, pattern))
    return found


LANGUAGE_PENDING: set[str] = set()


@pytest.mark.parametrize("web_page", [p for p in PAGES if p.name not in LANGUAGE_PENDING], ids=str)
async def test_each_page_speaks_one_language_and_the_toggle_switches(
    open_page: Callable[..., Awaitable[Any]], web_page: WebPage
) -> None:
    page = await open_page(web_page, 1440, None)  # no cookie: Dutch by default
    for lang in LANGS:
        assert await page.get_attribute("html", "lang") == lang
        text = await page.evaluate(UI_TEXT)
        stray = [piece for piece, pattern in _foreign(lang) if pattern.search(text)]
        assert stray == [], f"{web_page.name} in {lang} shows {stray}"
        if lang == "nl":
            await page.click(".lang-toggle")
            await page.wait_for_selector("html[lang=en]")
            if web_page.prepare is not None:
                await web_page.prepare(page)
    assert page.errors == []


async def test_profile_by_typing_names_in_the_comboboxes(
    open_page: Callable[..., Awaitable[Any]], site: Site
) -> None:
    """With JavaScript: type part of a name, pick with the arrow keys and Enter; the ids
    go into the form and, after saving, into the store."""
    page = await open_page(WebPage("me", "/me", signed_in=True), 360, "en")
    await page.fill("#f-place", "Moerw")
    await page.wait_for_selector("#place-options [role=option]")
    assert await page.get_attribute("#f-place", "aria-expanded") == "true"
    await page.keyboard.press("ArrowDown")
    assert await page.get_attribute("#f-place", "aria-activedescendant") == "place-options-0"
    await page.keyboard.press("Enter")  # picks; does not submit the form
    assert await page.input_value("#f-place") == "Moerwijk"
    assert await page.input_value("input[type=hidden][name=place]") == "WK051836"
    assert await page.get_attribute("#f-place", "aria-expanded") == "false"

    await page.fill("#f-skills", "solar")
    await page.wait_for_selector("#skills-options [role=option]")
    await page.keyboard.press("ArrowDown")
    picked = await page.get_attribute("#skills-options-0", "data-value")
    await page.keyboard.press("Enter")
    ticked = await page.locator("input[name=skills]:checked").evaluate_all(
        "boxes => boxes.map(b => b.value)"
    )
    assert picked in ticked and await page.input_value("#f-skills") == ""

    await page.click("#save-profile")
    await page.wait_for_url(re.compile(r".*/me\?done=profile\.done\.saved"))
    assert "Your profile has been saved." in (await page.text_content("[role=status]") or "")
    stored = site.graphql(
        "query($id: ID!) { actor(id: $id) { place { code } skills { id } } }",
        {"id": "res-0000003"},
    )["actor"]
    assert stored["place"]["code"] == "WK051836"
    assert sorted(s["id"] for s in stored["skills"]) == sorted(ticked)
    await page.screenshot(path=str(artifact("web") / "me-saved-360-en.png"), full_page=True)
    assert page.errors == []
