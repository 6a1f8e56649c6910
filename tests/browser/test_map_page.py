"""The map page in headless Chromium against a real ``wijknet serve``.

Needs the wiring of ``api/network.py`` into the app (``routes()``) and the schema
(``NetworkQuery``). Leaves screenshots in ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any

from tests.api.server import Server
from tests.browser.conftest import artifact

READY = "document.body.dataset.state === 'ready' && Number(document.body.dataset.nodes) > 0"


async def _open_den_haag(page: Any, server: Server) -> None:
    await page.goto(f"http://127.0.0.1:{server.port}/?place=GM0772")  # start elsewhere: Eindhoven
    await page.wait_for_function(READY, timeout=60_000)
    await page.select_option("#municipality", "GM0518")
    await page.wait_for_function(
        "document.body.dataset.state === 'ready' && location.search.includes('GM0518')",
        timeout=60_000,
    )


async def _graph_pixels(page: Any, *, hidden: bool) -> bytes:
    await page.add_style_tag(
        content=f"#graph canvas {{ visibility: {'hidden' if hidden else 'visible'} }}"
    )
    shot: bytes = await page.locator("#graph").screenshot()
    return shot


async def test_den_haag_renders_and_an_initiative_gets_suggestions(
    page: Any, map_server: Server
) -> None:
    await _open_den_haag(page, map_server)
    nodes = int(await page.evaluate("document.body.dataset.nodes"))
    assert nodes > 100
    assert "knopen" in await page.inner_text("#status")
    # the WebGL canvases draw something: the graph area differs from its empty background
    drawn = await _graph_pixels(page, hidden=False)
    assert drawn != await _graph_pixels(page, hidden=True)
    await _graph_pixels(page, hidden=False)
    assert await page.locator("#gaps li").count() > 0
    assert await page.locator("#figures tbody tr").count() > 1
    # the gemeente is shown by the name people use, and the share involved says its basis
    chosen = await page.inner_text("#municipality option:checked")
    assert chosen.startswith("Den Haag")
    assert "566.221 inwoners (CBS 2024)" in await page.inner_text("#involved-basis")

    # click an initiative on the canvas, as a person would
    target = await page.evaluate(
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
    await page.evaluate("id => window.wijknetMap.view.focus(id)", target)
    head = page.locator("#details-head")
    # a busy machine may still be animating the camera: click where the node is now,
    # until the details open (bounded number of tries, no dependence on speed)
    for _ in range(30):
        await page.wait_for_timeout(900)  # the camera animation
        spot = await page.evaluate("id => window.wijknetMap.view.viewport(id)", target)
        box = await page.locator("#graph").bounding_box()
        await page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
        try:
            await head.wait_for(timeout=5_000)
        except Exception:  # not open yet: the node had moved under the pointer
            continue
        if await head.get_attribute("data-id") == target:
            break
    await head.wait_for(timeout=60_000)
    assert await head.get_attribute("data-kind") == "Initiative"
    assert await head.get_attribute("data-id") == target

    await page.click("#suggest")
    await page.locator(".suggestion").first.wait_for(timeout=120_000)
    assert await page.locator(".suggestion").count() >= 1
    reasons = await page.locator(".suggestion .reasons li").all_inner_texts()
    assert reasons and all(r.strip() for r in reasons)
    await page.screenshot(path=str(artifact("map-den-haag-initiative.png")))
    # the whole city, the initiative selected and its suggested partners highlighted
    await page.evaluate("() => window.wijknetMap.view.renderer.getCamera().animatedReset()")
    await page.wait_for_timeout(800)
    await page.screenshot(path=str(artifact("map-den-haag.png")))

    # English by a toggle
    await page.click("#lang")
    await page.wait_for_function(
        "document.body.dataset.state === 'ready' && location.search.includes('lang=en')"
    )
    assert "network map" in await page.inner_text("h1")
    assert "nodes" in await page.inner_text("#status")
    assert page.errors == []


async def test_search_and_colour_by_community(page: Any, map_server: Server) -> None:
    await _open_den_haag(page, map_server)
    label = await page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const id = g.findNode((n, a) => !a.redacted && a.kind === 'Initiative');
          return g.getNodeAttribute(id, 'label');
        }"""
    )
    await page.fill("#search", label)
    await page.locator("#hits a").first.click()
    await page.locator("#details-head").wait_for()
    assert label in await page.inner_text("#details-head")
    await page.select_option("#colour", "community")
    assert await page.locator("#legend li").count() > 0
    await page.screenshot(path=str(artifact("map-den-haag-communities.png")))
    assert page.errors == []
