"""The finished map page: legend, explanations, ``?node=``, narrow screens, exports, axe-core.

Headless Chromium against a real ``wijknet serve`` (the session's seeded Den Haag). Leaves
screenshots at 1440 and 360 px in ``test-artifacts/``. No assertion depends on speed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import Server
from tests.browser.conftest import _missing, artifact

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "map" / "node_modules" / "axe-core" / "axe.min.js"
READY = "document.body.dataset.state === 'ready' && Number(document.body.dataset.nodes) > 0"
PINK = "#e6007e"

# UI words of one language that must not show in the other (data such as names aside)
DUTCH = (
    "Knelpunten",
    "Verbinders",
    "Cijfers per wijk",
    "Legenda",
    "Wat betekent dit",
    "Afdrukken",
    "voorgestelde partner",
    "Modulariteit",
    "Tussenliggendheid",
    "Dichtheid",
    "Kaartbeeld",
)
ENGLISH = (
    "Gaps",
    "Brokers",
    "Figures per neighbourhood",
    "Legend",
    "What does this mean",
    "Print",
    "suggested partner",
    "Modularity",
    "Betweenness",
    "Density",
    "Map view",
)


async def _open(page: Any, server: Server, query: str = "place=GM0518") -> None:
    await page.goto(f"http://127.0.0.1:{server.port}/?{query}")
    await page.wait_for_function(READY, timeout=120_000)


async def _an_initiative(page: Any) -> str:
    found: str = await page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const inis = g.filterNodes(
            (n, a) => a.kind === 'Initiative' && !a.redacted && a.degree > 1);
          inis.sort((a, b) => g.getNodeAttribute(b, 'degree') - g.getNodeAttribute(a, 'degree'));
          return inis[0];
        }"""
    )
    assert found
    return found


async def _legend_colours(page: Any) -> set[str]:
    found = await page.eval_on_selector_all(
        "#legend li[data-colour]", "els => els.map(e => e.dataset.colour.toLowerCase())"
    )
    return set(found)


async def _shown_colours(page: Any) -> set[str]:
    """Every colour the renderer draws right now, for nodes and ties."""
    found = await page.evaluate(
        """() => {
          const v = window.wijknetMap.view, g = v.graph, out = new Set();
          g.forEachNode(n => out.add(v.renderer.getNodeDisplayData(n).color.toLowerCase()));
          g.forEachEdge(e => { const d = v.renderer.getEdgeDisplayData(e);
                               if (!d.hidden) out.add(d.color.toLowerCase()); });
          return [...out];
        }"""
    )
    return set(found)


async def test_legend_has_an_entry_for_every_colour_and_scores_are_words(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    shown = await _shown_colours(page)
    assert len(shown) >= 5
    assert shown <= await _legend_colours(page)

    # an initiative selected, its suggested partners in pink: every colour still explained
    target = await _an_initiative(page)
    await page.evaluate("id => window.wijknetMap.select(id)", target)
    await page.locator("#details-head").wait_for()
    await page.click("#suggest")
    await page.locator(".suggestion").first.wait_for()
    legend = await _legend_colours(page)
    assert PINK in legend
    shown = await _shown_colours(page)
    assert PINK in shown, "suggested partners on the map are drawn pink"
    assert shown <= legend
    # scores as words on a scale, not bare numbers
    scales = await page.eval_on_selector_all(
        ".suggestion .scale", "els => els.map(e => e.getAttribute('aria-label'))"
    )
    assert scales and all("van 5" in s and "match" in s for s in scales)
    assert await page.locator(".suggestion .scale-word").first.inner_text()
    assert await page.locator(".suggestion .scale-word").first.inner_text() == "beste match"
    suggestion_text = await page.inner_text("#suggestions")
    for score in await page.eval_on_selector_all(
        ".suggestion", "els => els.map(e => Number(e.dataset.score).toFixed(2))"
    ):
        assert score not in suggestion_text

    # by community: one entry per palette colour on screen, plus "no community"
    await page.select_option("#colour", "community")
    await page.wait_for_function("location.search.includes('colour=community')")
    assert await _shown_colours(page) <= await _legend_colours(page)
    assert page.errors == []


async def test_explanations_in_dutch_and_english(context_at: Any, map_server: Server) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    terms = await page.locator("#explain summary").all_inner_texts()
    for term in ("Modulariteit", "Gemeenschap", "Dichtheid", "Tussenliggendheid"):
        assert any(term in x for x in terms), term
    assert any("Verbinder" in x for x in terms)
    # the (i) next to modularity opens its explanation
    await page.locator("#status a.info[data-info='modularity']").click()
    opened = page.locator("#explain-modularity")
    assert await opened.get_attribute("open") is not None
    dutch = await opened.locator("p").inner_text()
    assert "gemeenschappen" in dutch
    body = await page.inner_text("body")
    leaked = [w for w in ENGLISH if re.search(rf"\b{w}\b", body)]
    assert not leaked, f"English in Dutch mode: {leaked}"

    await page.click("#lang")
    await page.wait_for_function(READY + " && location.search.includes('lang=en')")
    terms = await page.locator("#explain summary").all_inner_texts()
    for term in ("Modularity", "Community", "Density", "Betweenness", "Broker"):
        assert any(term in x for x in terms), term
    await page.locator("#figures a.info[data-info='density']").click()
    assert "neighbourhood" in await page.locator("#explain-density p").inner_text()
    body = await page.inner_text("body")
    leaked = [w for w in DUTCH if re.search(rf"\b{w}\b", body)]
    assert not leaked, f"Dutch in English mode: {leaked}"
    assert dutch not in body
    assert await page.get_attribute("html", "lang") == "en"
    assert page.errors == []


async def test_the_selected_node_is_in_the_url_and_restored(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    target = await _an_initiative(page)
    await page.evaluate("id => window.wijknetMap.select(id)", target)
    await page.wait_for_function(
        "id => new URLSearchParams(location.search).get('node') === id", arg=target
    )
    shared = page.url

    other = await context_at(1440)
    await other.goto(shared)
    await other.wait_for_function(READY)
    head = other.locator("#details-head")
    await head.wait_for()
    assert await head.get_attribute("data-id") == target
    assert await other.evaluate("window.wijknetMap.view.selected") == target
    # clearing the selection takes the node out of the URL
    await other.evaluate("window.wijknetMap.select(null)")
    await other.wait_for_function("!new URLSearchParams(location.search).has('node')")
    assert page.errors == [] and other.errors == []


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


async def test_usable_at_360_px(context_at: Any, map_server: Server) -> None:
    page = await context_at(360, 740)
    await _open(page, map_server)
    target = await _an_initiative(page)
    await page.evaluate("id => window.wijknetMap.select(id)", target)
    await page.locator("#details-head").wait_for()
    graph = await page.locator("#graph").bounding_box()
    assert graph["width"] >= 300 and graph["height"] >= 300
    legend = await page.locator("#legend").bounding_box()
    for panel in ("aside", "#details"):
        assert not _overlap(legend, await page.locator(panel).bounding_box()), panel
    assert not _overlap(legend, graph)
    # nothing wider than the screen
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    # the figures table scrolls inside its own box when it must
    wrap = await page.evaluate(
        "() => { const w = document.querySelector('.table-wrap');"
        " return [getComputedStyle(w).overflowX, w.getBoundingClientRect().right]; }"
    )
    assert wrap[0] == "auto" and wrap[1] <= 360
    await page.screenshot(path=str(artifact("map-360.png")), full_page=True)
    assert page.errors == []


async def test_figures_table_fits_at_1440_px(context_at: Any, map_server: Server) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    fit = await page.evaluate(
        """() => { const w = document.querySelector('.table-wrap'), t = w.querySelector('table');
                   return [t.scrollWidth, w.clientWidth, t.getBoundingClientRect().right,
                           document.querySelector('aside').getBoundingClientRect().right]; }"""
    )
    table_width, room, right, aside_right = fit
    assert table_width <= room, "a column of the figures table is cut off"
    assert right <= aside_right
    await page.screenshot(path=str(artifact("map-1440.png")))
    await page.locator("#figures").scroll_into_view_if_needed()
    await page.screenshot(path=str(artifact("map-1440-figures.png")))
    assert page.errors == []


async def test_figures_csv_escapes_formulas_and_the_view_exports(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    # a wijk whose name a spreadsheet would run as a formula
    await page.evaluate(
        '() => { window.wijknetMap.network.figures[0].place.name = \'=HYPERLINK("x","y")\'; }'
    )
    async with page.expect_download() as got:
        await page.click("#figures-csv")
    download = await got.value
    assert download.suggested_filename == "wijknet-GM0518-cijfers.csv"
    text = Path(await download.path()).read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    # the figures, a blank line, then the business summary (test_map_real_demo checks it)
    figures = lines[: lines.index("")]
    assert figures[0].startswith("Wijk,CBS,Actoren,Initiatieven,")
    assert figures[1].startswith('"\'=HYPERLINK(""x"",""y"")",')
    assert figures[-1].startswith("Totaal,,")
    assert lines[-1] == "" and all(len(x.split(",")) >= 12 for x in figures[2:])
    rows = await page.locator("#figures tbody tr").count()
    assert len(figures) == rows + 1

    async with page.expect_download() as got:
        await page.click("#export-png")
    png = Path(await (await got.value).path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
    async with page.expect_download() as got:
        await page.click("#export-svg")
    svg = Path(await (await got.value).path()).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<circle") > 100
    assert page.errors == []


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


@pytest.mark.parametrize("width", [1440, 360])
async def test_no_serious_accessibility_violations(
    context_at: Any, map_server: Server, width: int
) -> None:
    page = await context_at(width, 900)
    await _open(page, map_server)
    target = await _an_initiative(page)
    await page.evaluate("id => window.wijknetMap.select(id)", target)
    await page.locator("#details-head").wait_for()
    await page.click("#suggest")
    await page.locator(".suggestion").first.wait_for()
    await page.locator("#status a.info[data-info='modularity']").click()
    assert await _axe(page) == []
    await page.click("#lang")
    await page.wait_for_function(READY + " && location.search.includes('lang=en')")
    assert await _axe(page) == []


async def test_search_falls_back_to_the_server_for_what_is_not_on_screen(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    target = await _an_initiative(page)
    label = await page.evaluate(
        "id => window.wijknetMap.graph.getNodeAttribute(id, 'label')", target
    )
    # Eindhoven's map does not hold this Den Haag initiative
    await page.select_option("#municipality", "GM0772")
    await page.wait_for_function(READY + " && location.search.includes('GM0772')")
    assert not await page.evaluate("id => window.wijknetMap.graph.hasNode(id)", target)
    await page.fill("#search", label)
    hit = page.locator(f"#hits a[data-id='{target}']")
    await hit.wait_for()
    assert await hit.get_attribute("data-offmap") == "1"
    assert "niet in dit kaartbeeld" in await hit.inner_text()
    # by keyboard: down from the search box to the hit, Enter opens it
    await page.focus("#search")
    await page.keyboard.press("ArrowDown")
    assert await page.evaluate("document.activeElement.dataset.id") == target
    await page.keyboard.press("Enter")
    head = page.locator("#details-head")
    await page.wait_for_function(
        "label => document.querySelector('#details-head')?.textContent.includes(label)", arg=label
    )
    assert await head.get_attribute("data-offmap") == "1"
    assert f"node={target}" in page.url
    assert page.errors == []


async def test_print_shows_the_map_and_figures_without_controls(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    await page.emulate_media(media="print")
    for hidden in ("#municipality", "#search", "#lang", ".view-tools", "#figures-csv"):
        assert not await page.locator(hidden).is_visible(), hidden
    for shown in ("h1", "#graph", "#legend", "#figures table", "#explain"):
        assert await page.locator(shown).is_visible(), shown
    graph = await page.locator("#graph").bounding_box()
    assert graph["width"] > 300 and graph["height"] > 300
    pdf = await page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"
    (artifact("map-print.pdf")).write_bytes(pdf)
    assert page.errors == []
