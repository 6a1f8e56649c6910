"""The map page in headless Chromium against a real ``wijknet serve``.

Needs the wiring of ``api/network.py`` into the app (``routes()``) and the schema
(``NetworkQuery``). Leaves screenshots in ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

from tests.api.server import Server
from tests.browser.conftest import artifact

READY = "document.body.dataset.state === 'ready' && Number(document.body.dataset.nodes) > 0"


def _open_den_haag(page: Any, server: Server) -> None:
    page.goto(f"http://127.0.0.1:{server.port}/?place=GM0772")  # start elsewhere: Eindhoven
    page.wait_for_function(READY, timeout=60_000)
    page.select_option("#municipality", "GM0518")
    page.wait_for_function(
        "document.body.dataset.state === 'ready' && location.search.includes('GM0518')",
        timeout=60_000,
    )


def _graph_pixels(page: Any, *, hidden: bool) -> bytes:
    page.add_style_tag(
        content=f"#graph canvas {{ visibility: {'hidden' if hidden else 'visible'} }}"
    )
    shot: bytes = page.locator("#graph").screenshot()
    return shot


def test_den_haag_renders_and_an_initiative_gets_suggestions(page: Any, map_server: Server) -> None:
    _open_den_haag(page, map_server)
    nodes = int(page.evaluate("document.body.dataset.nodes"))
    assert nodes > 100
    assert "knopen" in page.inner_text("#status")
    # the WebGL canvases draw something: the graph area differs from its empty background
    drawn = _graph_pixels(page, hidden=False)
    assert drawn != _graph_pixels(page, hidden=True)
    _graph_pixels(page, hidden=False)
    assert page.locator("#gaps li").count() > 0
    assert page.locator("#figures tbody tr").count() > 1

    # click an initiative on the canvas, as a person would
    target = page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const inis = g.filterNodes(
            (n, a) => a.kind === 'Initiative' && !a.redacted && a.degree > 1);
          const deg = (n) => g.getNodeAttribute(n, 'degree');
          inis.sort((a, b) => deg(b) - deg(a));
          return inis[0];
        }"""
    )
    assert target
    page.evaluate("id => window.wijknetMap.view.focus(id)", target)
    page.wait_for_timeout(900)  # the camera animation
    spot = page.evaluate("id => window.wijknetMap.view.viewport(id)", target)
    box = page.locator("#graph").bounding_box()
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    head = page.locator("#details-head")
    head.wait_for(timeout=10_000)
    assert head.get_attribute("data-kind") == "Initiative"
    assert head.get_attribute("data-id") == target

    page.click("#suggest")
    page.locator(".suggestion").first.wait_for(timeout=30_000)
    assert page.locator(".suggestion").count() >= 1
    reasons = page.locator(".suggestion .reasons li").all_inner_texts()
    assert reasons and all(r.strip() for r in reasons)
    page.screenshot(path=str(artifact("map-den-haag.png")))

    # English by a toggle
    page.click("#lang")
    page.wait_for_function(
        "document.body.dataset.state === 'ready' && location.search.includes('lang=en')"
    )
    assert "network map" in page.inner_text("h1")
    assert "nodes" in page.inner_text("#status")
    assert page.errors == []


def test_search_and_colour_by_community(page: Any, map_server: Server) -> None:
    _open_den_haag(page, map_server)
    label = page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const id = g.findNode((n, a) => !a.redacted && a.kind === 'Initiative');
          return g.getNodeAttribute(id, 'label');
        }"""
    )
    page.fill("#search", label)
    page.locator("#hits a").first.click()
    page.locator("#details-head").wait_for()
    assert label in page.inner_text("#details-head")
    page.select_option("#colour", "community")
    assert page.locator("#legend li").count() > 0
    page.screenshot(path=str(artifact("map-den-haag-communities.png")))
    assert page.errors == []
