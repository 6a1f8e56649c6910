"""One request never holds up the others; budgets; production mode; safe downloads."""

from __future__ import annotations

import asyncio
import csv
import io
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from api import heavy
from api.app import create_app
from api.settings import Settings
from tests.api.server import Server
from tests.hostile.conftest import Pulse, healthy_bound, idle_median, refused

pytestmark = pytest.mark.slow

SMALL = {"query": "{ actors(first: 3) { edges { node { id name } } } }"}
THEMES = ["theme-energy", "theme-care", "theme-green", "theme-food", "theme-mobility"]


def test_healthz_and_a_small_query_answer_while_heavy_work_runs(city: Server) -> None:
    """Network analyses of places and themes nobody asked for yet, downloads and a
    hostile query run at once; /healthz and a small query keep answering. The bound is
    200 ms, or 4x the idle median on a machine slower than that; the median counts, and
    the whole measurement is tried up to three times (fresh places each time)."""
    idle = idle_median(f"{city.base}/healthz")
    bound = healthy_bound(idle)
    places = ["GM0518", "GM0772", "GM0606", "GM0479", "GM0193"]
    report = []
    for attempt in range(3):
        heavy_done: list[int] = []

        def load(place: str, theme: str, done: list[int] = heavy_done) -> None:
            with httpx.Client(timeout=120) as c:
                q = (
                    f'{{ network(place: "{place}", theme: "{theme}", maxNodes: 2000) '
                    "{ nodeCount nodes { id label x y } communities { id size } } }"
                )
                done.append(c.post(city.url, json={"query": q}).status_code)
                done.append(
                    c.get(
                        f"{city.base}/network/{place}.graphml", params={"theme": theme}
                    ).status_code
                )
                bomb = "query { ...F23 }\n" + "\n".join(
                    ["fragment F0 on Query { __typename }"]
                    + [
                        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}"
                        for i in range(1, 24)
                    ]
                )
                done.append(c.post(city.url, json={"query": bomb}).status_code)

        jobs = [
            threading.Thread(
                target=load, args=(places[(attempt + k) % 5], THEMES[(attempt * 2 + k) % 5])
            )
            for k in range(3)
        ]
        small: list[float] = []
        with Pulse(f"{city.base}/healthz") as health:
            for j in jobs:
                j.start()
            with httpx.Client(timeout=30) as c:
                while any(j.is_alive() for j in jobs):
                    started = time.perf_counter()
                    assert c.post(city.url, json=SMALL).json()["data"]["actors"]["edges"]
                    small.append(time.perf_counter() - started)
                    time.sleep(0.05)
            for j in jobs:
                j.join()
        assert heavy_done and all(s == 200 for s in heavy_done), heavy_done
        small.sort()
        small_median = small[len(small) // 2] if small else 0.0
        report.append(
            f"attempt {attempt + 1}: /healthz {health.summary()}; small query median "
            f"{small_median * 1000:.0f} ms (n={len(small)}); bound {bound * 1000:.0f} ms"
        )
        if health.median < bound and small_median < bound:
            break
    print("\n".join(report))
    assert health.median < bound and small_median < bound, report


def test_duplicate_heavy_requests_share_one_computation(city: Server) -> None:
    """Asked ten times at once, one analysis runs; the ten answers are the same."""
    q = {"query": '{ network(place: "GM0518", theme: "theme-culture") { nodeCount edgeCount } }'}

    async def ask_all() -> list[dict[str, object]]:
        async with httpx.AsyncClient(timeout=120) as c:
            answers = await asyncio.gather(*(c.post(city.url, json=q) for _ in range(10)))
        return [a.json() for a in answers]

    answers = asyncio.run(ask_all())
    assert all(a == answers[0] for a in answers) and answers[0]["data"]


def test_single_flight_in_process() -> None:
    calls = []

    def slow(x: int) -> int:
        calls.append(x)
        time.sleep(0.3)
        return x * 2

    async def many() -> list[int]:
        return await asyncio.gather(*(heavy.run(("double", 21), slow, 21) for _ in range(8)))

    assert asyncio.run(many()) == [42] * 8
    assert calls == [21]


def test_a_request_past_its_deadline_gets_504(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def stuck(key: object, fn: object, *args: object) -> object:
        await asyncio.sleep(30)
        raise AssertionError("the deadline should have stopped this")

    monkeypatch.setattr(heavy, "run", stuck)
    settings = Settings(store=str(tmp_path / "d.db"), seed_actors=60, deadline=1)
    app = create_app(settings)

    async def ask() -> tuple[httpx.Response, float, int]:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://wijknet") as c:
                # the store loads in the background: wait (bounded) until it is ready
                for _ in range(1200):
                    if (await c.get("/readyz")).status_code == 200:
                        break
                    await asyncio.sleep(0.25)
                started = time.perf_counter()
                response = await c.post(
                    "/graphql", json={"query": '{ network(place: "GM0518") { nodeCount } }'}
                )
                took = time.perf_counter() - started
                health = (await c.get("/healthz")).status_code
        return response, took, health

    response, took, health = asyncio.run(ask())
    assert response.status_code == 504 and "deadline of 1 s" in response.text
    assert took < 25 and health == 200  # the stuck job would take 30 s


def test_spent_budgets_answer_429_with_retry_after(stingy: Server) -> None:
    with httpx.Client(timeout=30) as c:
        codes = []
        for _ in range(4):
            r = c.post(
                stingy.url,
                json={"query": '{ network(place: "GM0518", maxNodes: 0) { nodeCount } }'},
            )
            codes.append(r.status_code)
        assert codes[:2] == [200, 200] and codes[-1] == 429, codes
        assert int(r.headers["retry-after"]) >= 1
        refused(r, "expensive budget")
        cost = c.post(
            stingy.url, json={"query": "{ actors(first: 500) { edges { node { id name kind } } } }"}
        )
        cost = c.post(
            stingy.url, json={"query": "{ actors(first: 500) { edges { node { id name kind } } } }"}
        )
        assert cost.status_code == 429 and "cost budget" in cost.text
        # another client (behind the same trusted proxy) has its own budget
        other = c.post(stingy.url, json=SMALL, headers={"x-forwarded-for": "203.0.113.9"})
        assert other.status_code == 200 and other.json()["data"]


def test_production_hides_the_schema(production: Server) -> None:
    with httpx.Client(timeout=30) as c:
        intro = c.post(production.url, json={"query": "{ __schema { types { name } } }"})
        refused(intro, "introspection")
        typo = c.post(production.url, json={"query": "{ actorz }"})
        refused(typo, "cannot query field")
        assert "did you mean" not in typo.text.lower()
        coerce = c.post(
            production.url,
            json={
                "query": "query($k: [ActorKind!]) { actors(kind: $k) { totalCount } }",
                "variables": {"k": ["RESIDENTT"]},
            },
        )
        assert coerce.json()["errors"] and "did you mean" not in coerce.text.lower()
        ide = c.get(production.url, headers={"accept": "text/html"})
        assert ide.status_code == 404
        assert c.post(production.url, json=SMALL).json()["data"]["actors"]["edges"]


def test_network_csv_download_escapes_formulas(tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.api.server import start_server

    folder = tmp_path_factory.mktemp("formula")
    data = folder / "data"
    data.mkdir()
    (data / "actors.csv").write_text(
        "id,kind,name,place_code\n"
        "ent-evil,enterprise,\"=cmd|' /C calc'!A0\",GM0518\n"
        "ent-plus,enterprise,+31 70 123,GM0518\n",
        encoding="utf-8",
    )
    (data / "memberships.csv").write_text(
        "actor_id,initiative_id,role\nent-evil,ent-plus,member\n", encoding="utf-8"
    )
    store = str(folder / "f.db")
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    seeded = subprocess.run(
        [sys.executable, "-m", "api.cli", "seed", "--store", store, "--actors", "60"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    imported = subprocess.run(
        [sys.executable, "-m", "api.cli", "import", str(data), "--store", store],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    srv = start_server(store, folder, seed_actors=0)
    try:
        body = httpx.get(f"{srv.base}/network/GM0518.csv", timeout=60).content
    finally:
        srv.stop()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        rows = list(csv.reader(io.StringIO(zf.read("nodes.csv").decode())))
    labels = {r[0]: r[1] for r in rows[1:]}
    assert labels["ent-evil"] == "'=cmd|' /C calc'!A0"
    assert labels["ent-plus"] == "'+31 70 123"
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
