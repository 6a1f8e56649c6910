"""A real ``wijknet serve`` and headless Chromium (Debian's ``chromium``, driven by Playwright).

Playwright's own browser downloads are never used: the tests launch the system
Chromium (``WIJKNET_CHROMIUM``, else ``chromium`` on the PATH). Without it, or
without the ``playwright`` package, the tests skip, unless
``WIJKNET_REQUIRE_BROWSER=1`` (set by ``tools/run-tests`` and CI), where that
is an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.server import Server, start_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REQUIRE_BROWSER = os.environ.get("WIJKNET_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing(what: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"WIJKNET_REQUIRE_BROWSER=1 but {what}: run tools/run-tests")
    pytest.skip(what)


def chromium_path() -> str:
    found = os.environ.get("WIJKNET_CHROMIUM") or shutil.which("chromium")
    if not found:
        _missing("no chromium on the PATH (apt-get install chromium)")
    return str(found)


@pytest.fixture(scope="session")
def map_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the map server keeps its store (the server seeds it on start)."""
    return tmp_path_factory.mktemp("map") / "map.db"


@pytest.fixture(scope="session")
def map_server(map_db: Path) -> Iterator[Server]:
    """``wijknet serve`` over a fresh store seeded with 1,500 synthetic actors."""
    yield from serve(map_db, 1500)


def serve(db: Path, actors: int) -> Iterator[Server]:
    srv = start_server(str(db), db.parent, seed_actors=actors, timeout=900)
    try:
        page = httpx.get(f"http://127.0.0.1:{srv.port}/", timeout=10)
        if "/static/map/map.js" not in page.text:
            pytest.fail(
                "GET / does not serve the map page: add `*network.routes()` to the routes "
                "in api/app.py (and NetworkQuery to Query in api/schema.py)"
            )
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    """Chromium through Playwright's async API, on the session's event loop."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    executable = chromium_path()
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh page; ``page.errors`` collects uncaught script errors."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="nl-NL")
    pg = await context.new_page()
    # generous waits: CI may share its two cores with other work (no test depends on speed)
    pg.set_default_timeout(120_000)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.errors = errors
    try:
        yield pg
    finally:
        await context.close()


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@pytest.fixture
async def context_at(browser: Any) -> AsyncIterator[Any]:
    """``await context_at(width)`` opens a page that wide; all closed afterwards."""
    contexts: list[Any] = []

    async def open_page(width: int, height: int = 900) -> Any:
        ctx = await browser.new_context(
            viewport={"width": width, "height": height}, locale="nl-NL", accept_downloads=True
        )
        contexts.append(ctx)
        pg = await ctx.new_page()
        pg.set_default_timeout(120_000)
        errors: list[str] = []
        pg.on("pageerror", lambda exc: errors.append(str(exc)))
        pg.errors = errors
        return pg

    try:
        yield open_page
    finally:
        for ctx in contexts:
            await ctx.close()
