"""The map tells real from demo, filters by instrument and shows the business side (#12).

Headless Chromium against the session's ``wijknet serve`` (seeded Den Haag: reference bodies
and places plus demo data). No assertion depends on speed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.api.server import Server
from tests.browser.conftest import artifact
from tests.browser.test_map_finish import READY, _axe, _legend_colours, _shown_colours

TEAL = "#00857c"  # HIGHLIGHT.instrument


async def _open(page: Any, server: Server, query: str = "place=GM0518") -> None:
    await page.goto(f"http://127.0.0.1:{server.port}/?{query}")
    await page.wait_for_function(READY, timeout=120_000)


async def _gql(page: Any, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = await page.evaluate(
        """async ([query, variables]) => {
          const r = await fetch('/graphql', { method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }) });
          return r.json();
        }""",
        [query, variables],
    )
    assert not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


async def test_demo_data_wears_a_badge_and_the_figures_say_their_demo_share(
    page: Any, map_server: Server
) -> None:
    await _open(page, map_server)
    net = await page.evaluate("window.wijknetMap.network.totals.demo")
    assert net["any"] and net["actors"] > 0.5  # the seeded store is mostly demo data
    status = await page.inner_text("#demo-status")
    assert "%" in status and "demogegevens" in status
    # the legend explains the badge
    assert "verzonnen door de demogenerator" in await page.inner_text("#legend-demo")
    # every row of the figures table that counts demo data says its demo share, as GraphQL does
    figures = await page.evaluate("window.wijknetMap.network.figures")
    with_demo = [f for f in figures if f["demo"]["any"]]
    assert with_demo
    assert await page.locator("#figures tbody .badge.demo-share").count() == len(with_demo) + 1
    total = await page.inner_text("#figures tbody tr.total .badge.demo-share")
    assert total == f"{int(100 * net['actors'] + 0.5)}% demo"  # Intl rounds half up
    assert "verzonnen is door de demogenerator" in await page.inner_text("#demo-note")

    demo_id, real_id = await page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const demo = g.filterNodes((n, a) => a.demo && !a.redacted)[0];
          const real = g.filterNodes((n, a) => a.provenance === 'reference')[0];
          return [demo, real];
        }"""
    )
    assert demo_id and real_id
    # on the canvas a demo node's label ends in "· demo"; a reference body's does not
    labels = await page.evaluate(
        """([d, r]) => { const v = window.wijknetMap.view;
           const label = (id) => v.renderer.getNodeDisplayData(id).label;
           return [label(d), label(r)]; }""",
        [demo_id, real_id],
    )
    assert labels[0].endswith("· demo") and not labels[1].endswith("demo")

    await page.evaluate("id => window.wijknetMap.select(id)", demo_id)
    await page.locator("#details-head .badge.demo").wait_for()
    await page.locator("#more .provenance[data-kind='demo']").wait_for()

    await page.evaluate("id => window.wijknetMap.select(id)", real_id)
    head = page.locator("#details-head")
    await page.wait_for_function(
        "id => document.querySelector('#details-head')?.dataset.id === id", arg=real_id
    )
    assert await head.locator(".badge.demo").count() == 0
    provenance = page.locator("#more .provenance[data-kind='reference']")
    await provenance.wait_for()
    assert "referentie" in await provenance.inner_text()
    assert await page.locator("#more .badge.demo").count() == 0
    await page.screenshot(path=str(artifact("map-demo-badges.png")))
    assert page.errors == []


async def test_instrument_filter_marks_the_initiatives_that_use_it(
    page: Any, map_server: Server
) -> None:
    await _open(page, map_server)
    used = await page.evaluate("window.wijknetMap.network.business.instruments")
    assert used, "the seeded Den Haag has initiatives that use an instrument"
    chosen = max(used, key=lambda x: x["count"])["instrument"]["id"]
    await page.select_option("#instrument", chosen)
    count = page.locator("#instrument-count")
    await count.wait_for()
    assert f"instrument={chosen}" in page.url
    # the number shown is what GraphQL counts for this place and instrument
    data = await _gql(
        page,
        "query($i: ID!, $p: String!) "
        "{ initiatives(place: $p, instrument: $i, first: 1) { totalCount } }",
        {"i": chosen, "p": "GM0518"},
    )
    expected = data["initiatives"]["totalCount"]
    assert expected > 0
    assert int(await count.get_attribute("data-count")) == expected
    # what the instrument is: its steps or conditions and its source are shown
    info = await page.inner_text("#instrument-info")
    assert "Bron" in info
    # every listed initiative on the map is marked in the instrument colour, the rest faded
    using = await page.evaluate("window.wijknetMap.using")
    assert len(using) == min(expected, 100)
    colours = await page.evaluate(
        """ids => { const v = window.wijknetMap.view;
           return ids.filter(id => v.graph.hasNode(id))
                     .map(id => v.renderer.getNodeDisplayData(id).color.toLowerCase()); }""",
        using,
    )
    assert colours and set(colours) == {TEAL}
    # the marking has its legend entry, like every other colour on screen
    assert await _shown_colours(page) <= await _legend_colours(page)
    await page.screenshot(path=str(artifact("map-instrument.png")))

    # a reload keeps the filter; choosing none clears it
    await page.reload()
    await page.wait_for_function(READY, timeout=120_000)
    await page.locator("#instrument-count").wait_for()
    assert await page.input_value("#instrument") == chosen
    await page.select_option("#instrument", "")
    await page.wait_for_function("window.wijknetMap.using.length === 0")
    assert await page.locator("#instrument-box").is_hidden()
    assert "instrument=" not in page.url
    assert page.errors == []


async def test_business_figures_in_the_panel_and_the_csv(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    business = await page.evaluate("window.wijknetMap.network.business")
    panel = await page.inner_text("#business")
    assert f"{business['enterprises']} ondernemingen" in panel.replace(".", "")
    assert "Rechtsvormen" in panel and "Verdienmodellen" in panel
    assert business["legalForms"] and business["revenueModels"]

    async with page.expect_download() as got:
        await page.click("#figures-csv")
    text = Path(await (await got.value).path()).read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    blank = lines.index("")
    tail = [x.split(",") for x in lines[blank + 1 : -1]]
    assert tail[0] == ["Verdienmodellen en rechtsvormen", "Onderdeel", "Aantal"]
    legal = {r[1]: int(r[2]) for r in tail if r[0] == "Rechtsvormen"}
    assert sum(legal.values()) == sum(x["count"] for x in business["legalForms"])
    revenue = [r for r in tail if r[0] == "Verdienmodellen"]
    assert sum(int(r[2]) for r in revenue) == sum(x["count"] for x in business["revenueModels"])
    # the figures part carries the demo shares per row
    assert lines[0].endswith("(%)") and "Aandeel demo" in lines[0]

    # in English the same, in English words
    await page.click("#lang")
    await page.wait_for_function(READY + " && location.search.includes('lang=en')")
    panel = await page.inner_text("#business")
    assert "Legal forms" in panel and "Revenue models" in panel
    assert "Rechtsvormen" not in panel
    assert page.errors == []


async def test_instrument_panel_and_demo_badges_pass_axe(
    context_at: Any, map_server: Server
) -> None:
    page = await context_at(1440)
    await _open(page, map_server)
    used = await page.evaluate("window.wijknetMap.network.business.instruments")
    await page.select_option("#instrument", used[0]["instrument"]["id"])
    await page.locator("#instrument-count").wait_for()
    demo_id = await page.evaluate(
        "() => window.wijknetMap.graph.filterNodes((n, a) => a.demo && !a.redacted)[0]"
    )
    await page.evaluate("id => window.wijknetMap.select(id)", demo_id)
    await page.locator("#details-head .badge.demo").wait_for()
    assert await _axe(page) == []
    assert page.errors == []
