"""The embedded store and Neo4j on the same seed: bulk import rate and query latency.

    python bench/bench_stores.py [--actors 100000] [--queries 200] [--repeats 3] [--warmup 3]

Starts a private Neo4j test server (``tools/neo4j/neo4j-test-server``) unless
``WIJKNET_TEST_NEO4J_URI`` points at one (its data is wiped), generates the seed
once, bulk-imports it into a fresh embedded store and into an emptied Neo4j, each in
batches of the size ``bulk_import`` picks for it (as ``wijknet import`` does: 50,000
rows embedded, 5,000 into Neo4j) (rows/s = nodes + relationships per second),
``--repeats`` times, alternating, and
prints the medians, every run, the Neo4j/embedded ratio and the CPU seconds of the
Neo4j server and of this client per import (the server's pid comes from
``WIJKNET_TEST_NEO4J_PID``, as the state file of the test server has it). Beside
them, in the same rounds, the floor of the Neo4j server: as many rows made by a trivial ``UNWIND
range(...) CREATE`` in transactions of Neo4j's batch size (nodes with one indexed number,
relationships between two of them looked up by it; no labels of ours, properties,
checks or change log). The first Neo4j import into a fresh server (a cold JVM) is
reported apart; ``--warmup`` more imports and floors follow untimed (the server's JIT
keeps compiling for several imports), so the Neo4j medians are of warm runs. Then it
times the same port calls on both: ``actors`` filtered by place and skill and paged
(three pages of 20), ``place`` (the node, its parent, children and counts of actors and initiatives
in it), and ``path`` (shortest social path, at most 4 hops) between random
actors. Prints p50/p95 per store and the Neo4j/embedded ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import LiteralString

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


FLOOR_NODES = "UNWIND range($lo, $hi) AS i CREATE (:WijknetFloor {i: i})"
FLOOR_RELS = (
    "UNWIND range($lo, $hi) AS i "
    "MATCH (a:WijknetFloor {i: i % $n}) MATCH (b:WijknetFloor {i: (i * 7919) % $n}) "
    "CREATE (a)-[:WIJKNET_FLOOR]->(b)"
)


WIPE: dict[str, LiteralString] = {
    "all": "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
    "floor": "MATCH (n:WijknetFloor) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
}


async def wipe_neo4j(uri: str, user: str, password: str, what: str = "all") -> None:
    """Delete every node (or the floor's), 10,000 a transaction (the schema stays)."""
    import neo4j

    async with (
        neo4j.AsyncGraphDatabase.driver(uri, auth=(user, password)) as driver,
        driver.session() as session,
    ):
        await (await session.run(WIPE[what])).consume()


async def neo4j_floor(uri: str, user: str, password: str, nodes: int, rels: int) -> float:
    """Seconds the server takes for ``nodes`` + ``rels`` trivial rows (see the module doc)."""
    import neo4j

    from graph.neo4j_store import IMPORT_BATCH

    batch = IMPORT_BATCH
    async with neo4j.AsyncGraphDatabase.driver(uri, auth=(user, password)) as driver:
        await driver.execute_query(
            "CREATE INDEX wijknet_floor IF NOT EXISTS FOR (n:WijknetFloor) ON (n.i)"
        )
        await driver.execute_query("CALL db.awaitIndexes(300)")
        t0 = time.perf_counter()
        for lo in range(0, nodes, batch):
            await driver.execute_query(FLOOR_NODES, lo=lo, hi=min(nodes, lo + batch) - 1)
        for lo in range(0, rels, batch):
            await driver.execute_query(FLOOR_RELS, lo=lo, hi=min(rels, lo + batch) - 1, n=nodes)
        seconds = time.perf_counter() - t0
    await wipe_neo4j(uri, user, password, "floor")
    async with neo4j.AsyncGraphDatabase.driver(uri, auth=(user, password)) as driver:
        await driver.execute_query("DROP INDEX wijknet_floor IF EXISTS")
    return seconds


def server_cpu() -> float:
    """CPU seconds the Neo4j server process has used (0 when its pid is not known)."""
    pid = os.environ.get("WIJKNET_TEST_NEO4J_PID", "")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def secs(values: list[float]) -> str:
    each = " / ".join(f"{v:.1f}" for v in values)
    return f"{statistics.median(values):.1f} ({each})"


def rates(rows: int, seconds: list[float]) -> str:
    each = " / ".join(f"{rows / s:,.0f}" for s in seconds)
    return f"{rows / statistics.median(seconds):,.0f} ({each})"


async def run(
    args: argparse.Namespace, uri: str, user: str, password: str, *, fresh: bool = False
) -> None:
    from graph.neo4j_store import Neo4jStore

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
    imports: dict[str, list[float]] = {"embedded": [], "neo4j": [], "floor": []}
    cpu: dict[str, list[float]] = {"client": [], "server": [], "floor": []}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        await wipe_neo4j(uri, user, password)
        first = "first import (into the fresh server: a cold JVM)" if fresh else "first import"
        console.print(f"{first} of {rows:,} rows into Neo4j ...")
        neo = await Neo4jStore.open(uri, user=user, password=password)
        t0 = time.perf_counter()
        await neo.bulk_import(nodes, rels)
        cold = time.perf_counter() - t0
        await neo.close()
        # The server's JIT keeps compiling over the next imports (the CPU per import falls
        # for three or four of them): these warm it up, untimed, with the floor's statements.
        for i in range(args.warmup):
            console.print(f"warm-up {i + 1}/{args.warmup}: Neo4j import and floor (untimed) ...")
            await wipe_neo4j(uri, user, password)
            neo = await Neo4jStore.open(uri, user=user, password=password)
            await neo.bulk_import(nodes, rels)
            await neo.close()
            await neo4j_floor(uri, user, password, len(nodes), len(rels))
        stores: dict[str, GraphStore] = {}
        for round_ in range(1, args.repeats + 1):
            console.print(f"round {round_}/{args.repeats}: embedded, Neo4j, Neo4j floor ...")
            for store in stores.values():
                await store.close()
            await wipe_neo4j(uri, user, password)
            stores = {
                "embedded": EmbeddedStore.open(str(Path(tmp) / f"bench-{round_}.db")),
                "neo4j": await Neo4jStore.open(uri, user=user, password=password),
            }
            for name, store in stores.items():
                t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu()
                await store.bulk_import(nodes, rels)
                imports[name].append(time.perf_counter() - t0)
                if name == "neo4j":
                    cpu["client"].append(time.process_time() - c0)
                    cpu["server"].append(server_cpu() - s0)
            s0 = server_cpu()
            imports["floor"].append(await neo4j_floor(uri, user, password, len(nodes), len(rels)))
            cpu["floor"].append(server_cpu() - s0)
            loads.append(os.getloadavg()[0])
        emb, neo4j_s, floor = (
            statistics.median(imports[k]) for k in ("embedded", "neo4j", "floor")
        )
        console.print(
            f"bulk import of {rows:,} rows, rows/s, median of {args.repeats} (each run), "
            f"Neo4j warm (after {1 + args.warmup} untimed imports):\n"
            f"  embedded     {rates(rows, imports['embedded'])}\n"
            f"  Neo4j        {rates(rows, imports['neo4j'])}  "
            f"({first}: {rows / cold:,.0f})\n"
            f"  Neo4j floor  {rates(rows, imports['floor'])}  (trivial UNWIND range CREATE)\n"
            f"  Neo4j / embedded: {emb / neo4j_s:.2f}x the rate; Neo4j / its floor: "
            f"{floor / neo4j_s:.2f}x\n"
            f"  load average (1 min) before and after each round: "
            + " / ".join(f"{x:.1f}" for x in loads)
            + "\n  CPU seconds of a Neo4j import (less noisy than rows/s on a shared machine): "
            f"server {secs(cpu['server'])}, client {secs(cpu['client'])}; "
            f"the floor's server {secs(cpu['floor'])}"
        )
        for name, store in stores.items():
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
        "bulk import rows/s (median)",
        f"{rows / emb:,.0f} ({emb:.1f} s)",
        f"{rows / neo4j_s:,.0f} ({neo4j_s:.1f} s)",
        f"{neo4j_s / emb:.1f}x the time",
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
        f"{args.queries} queries per kind, the same ones on both stores (after the last "
        "import), in-process through the GraphStore port; Neo4j on this machine over Bolt "
        "(loopback)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3, help="timed imports per store")
    parser.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="untimed Neo4j imports (and floors) after the first one, to warm the JIT",
    )
    args = parser.parse_args()
    uri = os.environ.get("WIJKNET_TEST_NEO4J_URI")
    if uri:
        user = os.environ.get("WIJKNET_TEST_NEO4J_USER", "neo4j")
        password = os.environ.get("WIJKNET_TEST_NEO4J_PASSWORD", "")
        asyncio.run(run(args, uri, user, password))
        return
    os.environ.pop("WIJKNET_TEST_NEO4J_PID", None)
    tool = ROOT / "tools" / "neo4j" / "neo4j-test-server"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WIJKNET_NEO4J_STATE": str(Path(tmp) / "state.env")}
        out = subprocess.run(
            [str(tool), "start"], env=env, capture_output=True, text=True, check=True
        ).stdout
        state = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        os.environ["WIJKNET_TEST_NEO4J_PID"] = state.get("WIJKNET_TEST_NEO4J_PID", "")
        try:
            asyncio.run(
                run(
                    args,
                    state["WIJKNET_TEST_NEO4J_URI"],
                    state["WIJKNET_TEST_NEO4J_USER"],
                    state["WIJKNET_TEST_NEO4J_PASSWORD"],
                    fresh=True,
                )
            )
        finally:
            subprocess.run([str(tool), "stop"], env=env, check=False)


if __name__ == "__main__":
    main()
