"""Twenty thousand nodes on screen stay responsive, even in software-rendered WebGL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.server import Server
from tests.browser.conftest import artifact, serve

# frame gaps while the camera zooms (sigma redraws every frame of the animation)
FRAMES = """async () => {
  const cam = window.wijknetMap.view.renderer.getCamera();
  const gaps = []; let last = performance.now(); let running = true;
  const tick = (now) => {
    gaps.push(now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  await cam.animate({ ratio: cam.ratio * 0.5 }, { duration: 2000 });
  await cam.animate({ ratio: cam.ratio * 2 }, { duration: 2000 });
  running = false;
  gaps.sort((a, b) => a - b);
  return { frames: gaps.length, median: gaps[Math.floor(gaps.length / 2)] };
}"""


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A city with over 20,000 nodes in Den Haag (90,000 actors seeded, spread over the
    gemeenten by CBS inhabitants)."""
    db: Path = tmp_path_factory.mktemp("big") / "big.db"
    yield from serve(db, 90_000)


@pytest.mark.slow
async def test_twenty_thousand_nodes_on_screen(page: Any, big_server: Server) -> None:
    started = time.monotonic()
    await page.goto(f"http://127.0.0.1:{big_server.port}/?place=GM0518&colour=community")
    await page.wait_for_function("document.body.dataset.state === 'ready'", timeout=900_000)
    loaded = time.monotonic() - started
    assert int(await page.evaluate("document.body.dataset.nodes")) == 20_000
    assert "20.000" in await page.inner_text("#status")  # "20.000 getoond", the cap says so
    measured = await page.evaluate(FRAMES)
    # the camera animation draws frames; how fast depends on the machine, so the figures
    # are recorded (test-artifacts/big-city-timing.json), never asserted
    assert measured["frames"] > 1, measured
    started = time.monotonic()
    # search finds a named node on screen (the busiest public initiative)
    name = await page.evaluate(
        """() => {
          const g = window.wijknetMap.graph;
          const named = g.filterNodes(
            (n, a) => a.kind === 'Initiative' && !a.redacted && a.label && a.degree > 1);
          named.sort((a, b) => g.getNodeAttribute(b, 'degree') - g.getNodeAttribute(a, 'degree'));
          return g.getNodeAttribute(named[0], 'label');
        }"""
    )
    await page.fill("#search", name)
    await page.locator("#hits a").first.click()
    await page.locator("#details-head").wait_for(timeout=600_000)
    opened = time.monotonic() - started
    artifact("big-city-timing.json").write_text(
        json.dumps({"load_s": loaded, "frames": measured, "search_to_details_s": opened})
    )
    await page.screenshot(path=str(artifact("map-den-haag-20000-nodes.png")))
    assert page.errors == []
