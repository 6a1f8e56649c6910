"""The embedded store and Neo4j on the same seed: bulk import rate and query latency.

    python bench/bench_stores.py [--actors 100000] [--queries 200]

Starts a private Neo4j test server (``tools/neo4j/neo4j-test-server``) unless
``WIJKNET_TEST_NEO4J_URI`` points at one (its data is wiped), generates the seed
once, bulk-imports it into a fresh embedded store and into Neo4j (rows/s =
nodes + relationships per second), then times the same port calls on both:
``actors`` filtered by place and skill and paged (three pages of 20),
``place`` (the node, its parent, children and counts of actors and initiatives
in it), and ``path`` (shortest social path, at most 4 hops) between random
actors. Prints p50/p95 per store and the Neo4j/embedded ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
console = Console()

from api.schema import SOCIAL_TYPES  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import ACTOR_KINDS, NodeId, NodeKind, RelType  # noqa: E402
from graph.store import Direction, GraphStore, NodeFilter  # noqa: E402
from seed_data import generate, load_reference  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def actors_query(store: GraphStore, place: str, skill: str) -> None:
    after = None
    for _ in range(3):
        page = await store.list_nodes(
            NodeFilter(kinds=ACTOR_KINDS, place=NodeId(place), skill=NodeId(skill)),
            first=20,
            after=after,
        )
        if not page.has_next:
            break
        after = page.end_cursor


async def place_query(store: GraphStore, code: str) -> None:
    await store.get_nodes([NodeId(code)])
    await store.neighbours([NodeId(code)], types=[RelType.PART_OF], direction=Direction.BOTH)
    await store.list_nodes(NodeFilter(kinds=ACTOR_KINDS, place=NodeId(code)), first=5)
    await store.list_nodes(
        NodeFilter(kinds=frozenset({NodeKind.INITIATIVE}), place=NodeId(code)), first=5
    )


async def path_query(store: GraphStore, a: str, b: str) -> None:
    await store.shortest_path(NodeId(a), NodeId(b), max_hops=4, types=SOCIAL_TYPES)


async def timed(calls: list[Callable[[], Awaitable[None]]]) -> list[float]:
    for call in calls[:10]:
        await call()
    out = []
    for call in calls:
        t0 = time.perf_counter()
        await call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def run(args: argparse.Namespace, uri: str, user: str, password: str) -> None:
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import clear_neo4j  # wipes the server the env names

    os.environ.update(
        WIJKNET_TEST_NEO4J_URI=uri,
        WIJKNET_TEST_NEO4J_USER=user,
        WIJKNET_TEST_NEO4J_PASSWORD=password,
    )
    ref = load_reference()
    gen = generate(ref, actors=args.actors, seed=42)
    nodes = [*ref.nodes(), *gen.nodes]
    rels = [*ref.relationships(), *gen.rels]
    rows = len(nodes) + len(rels)
    rng = random.Random(3)
    places = [p for p in ref.places if p.startswith(("GM0518", "SD0518", "WK0518"))]
    skills = [s.id for s in ref.skills]
    people = [n.id for n in gen.nodes if n.id.startswith(("res-", "zzp-", "pro-"))]
    n = args.queries
    picks = {
        "actors (place+skill, 3 pages)": (
            actors_query,
            [(rng.choice(places), rng.choice(skills)) for _ in range(n)],
        ),
        "place (node, parent, children, counts)": (
            place_query,
            [(rng.choice(places),) for _ in range(n)],
        ),
        "path (social, <= 4 hops)": (
            path_query,
            [(rng.choice(people), rng.choice(people)) for _ in range(n)],
        ),
    }
    results: dict[str, dict[str, list[float]]] = {}
    imports: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        await clear_neo4j()
        stores: dict[str, GraphStore] = {
            "embedded": EmbeddedStore.open(str(Path(tmp) / "bench.db")),
            "neo4j": await Neo4jStore.open(uri, user=user, password=password),
        }
        for name, store in stores.items():
            console.print(f"importing {rows:,} rows into {name} ...")
            t0 = time.perf_counter()
            await store.bulk_import(nodes, rels, batch_size=10_000)
            imports[name] = time.perf_counter() - t0
            results[name] = {}
            for label, (query, arglist) in picks.items():
                bound = [functools.partial(query, store, *a) for a in arglist]
                results[name][label] = await timed(bound)
        for store in stores.values():
            await store.close()
    table = Table(
        title=f"{args.actors:,} actors: {len(nodes):,} nodes, {len(rels):,} relationships"
    )
    for col in ("", "embedded", "neo4j", "neo4j / embedded"):
        table.add_column(col, justify="right")
    table.add_row(
        "bulk import rows/s",
        f"{rows / imports['embedded']:,.0f} ({imports['embedded']:.1f} s)",
        f"{rows / imports['neo4j']:,.0f} ({imports['neo4j']:.1f} s)",
        f"{imports['neo4j'] / imports['embedded']:.1f}x the time",
    )
    for label in picks:
        e, n = results["embedded"][label], results["neo4j"][label]
        for q in (0.5, 0.95):
            table.add_row(
                f"{label} p{int(q * 100)} ms",
                f"{pct(e, q):.2f}",
                f"{pct(n, q):.2f}",
                f"{pct(n, q) / max(pct(e, q), 1e-6):.1f}x",
            )
    console.print(table)
    console.print(
        f"{args.queries} queries per kind, the same ones on both stores, in-process "
        "through the GraphStore port; Neo4j on this machine over Bolt (loopback)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    uri = os.environ.get("WIJKNET_TEST_NEO4J_URI")
    if uri:
        user = os.environ.get("WIJKNET_TEST_NEO4J_USER", "neo4j")
        password = os.environ.get("WIJKNET_TEST_NEO4J_PASSWORD", "")
        asyncio.run(run(args, uri, user, password))
        return
    tool = ROOT / "tools" / "neo4j" / "neo4j-test-server"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WIJKNET_NEO4J_STATE": str(Path(tmp) / "state.env")}
        out = subprocess.run(
            [str(tool), "start"], env=env, capture_output=True, text=True, check=True
        ).stdout
        state = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        try:
            asyncio.run(
                run(
                    args,
                    state["WIJKNET_TEST_NEO4J_URI"],
                    state["WIJKNET_TEST_NEO4J_USER"],
                    state["WIJKNET_TEST_NEO4J_PASSWORD"],
                )
            )
        finally:
            subprocess.run([str(tool), "stop"], env=env, check=False)


if __name__ == "__main__":
    main()
