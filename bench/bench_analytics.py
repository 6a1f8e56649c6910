"""Network analytics of one city against plain networkx, in one run.

    python bench/bench_analytics.py [--actors 100000] [--place GM0518] [--runs 3] [--spread]

Seeds a temporary embedded store with ``--actors`` synthetic actors, all of them
in the municipality of ``--place`` (a "100k-actor city"; ``--spread`` keeps the
generator's usual five cities), builds the matching index from ``store.stream()``
and times ``network.analytics.analyse`` for the place: selection, communities
(Leiden, igraph), betweenness from 64 sampled sources, brokers by exact bridging (and
how many of the top 20 two seeds share, against sampled betweenness), reach, bridges,
gaps and per-wijk figures (median of ``--runs``), with a breakdown. The baseline,
measured in the same run on the same edges: networkx's
``louvain_communities(seed=42)`` plus ``betweenness_centrality(k=64, seed=42)``.
Prints times, the modularity of both partitions and the ratios; ``--pure`` also
times wijknet's pure-Python path (networkx Louvain + numpy Brandes).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
console = Console()

from graph.embedded import EmbeddedStore  # noqa: E402
from matching import build_index  # noqa: E402
from matching.index import MatchIndex  # noqa: E402
from network import analytics as a  # noqa: E402
from seed_data import seed_store  # noqa: E402


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds over ``runs`` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def build(actors: int, place: str, spread: bool, folder: Path) -> MatchIndex:
    if not spread:
        municipality = place if place.startswith("GM") else "GM" + place[2:6]
        # every actor in the one city (the package re-exports `generate`, the function)
        importlib.import_module("seed_data.generate").FOCUS = {municipality: 1.0}
    store = EmbeddedStore.open(str(folder / "bench.db"))
    try:
        started = time.perf_counter()
        nodes, rels = await seed_store(store, actors=actors)
        console.print(
            f"seeded {nodes:,} nodes, {rels:,} relationships in "
            f"{time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        index = await build_index(store.stream())
        console.print(f"index built in {time.perf_counter() - started:.1f} s")
        return index
    finally:
        await store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--actors", type=int, default=100_000)
    p.add_argument("--place", default="GM0518")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--baseline-runs", type=int, default=1)
    p.add_argument("--spread", action="store_true", help="actors in five cities, as seeded")
    p.add_argument("--pure", action="store_true", help="also time the pure-Python path")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = asyncio.run(build(args.actors, args.place, args.spread, Path(tmp)))

    ours_s, net = timed(lambda: a.analyse(index, args.place).complete(), args.runs)
    n, edges = len(net.nodes), net.edges
    p_, t_ = a.resolve(index, args.place, None)
    parts = {
        "select + edges": timed(lambda: a._edges(index, a._select(index, p_, t_)[0]), args.runs)[0],
        "communities (Leiden, igraph)": timed(lambda: a.communities(n, edges), args.runs)[0],
        "brokers (betweenness, 64 samples)": timed(
            lambda: a.betweenness(n, edges, samples=64), args.runs
        )[0],
    }
    parts["bridges, gaps, figures, summaries"] = max(0.0, ours_s - sum(parts.values()))
    console.print(
        f"\n{args.place}: {n:,} nodes ({int(net.inside.sum()):,} inside), {len(edges):,} ties, "
        f"{len(net.communities):,} communities; {net.algorithm}"
    )

    started = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges.tolist())
    build_s = time.perf_counter() - started

    def baseline() -> tuple[list[set[int]], dict[int, float]]:
        comms = nx.community.louvain_communities(g, seed=42)
        return comms, nx.betweenness_centrality(g, k=min(64, n), seed=42)

    base_s, (comms, base_bc) = timed(baseline, args.baseline_runs)
    labels = np.full(n, -1, dtype=np.int64)
    for c, members in enumerate(comms):
        labels[list(members)] = c
    base_q = a.modularity(n, edges, labels)

    ours_bc = net.betweenness
    theirs = np.array([base_bc[i] for i in range(n)])
    top = 50
    overlap = len(
        set(np.argsort(-ours_bc)[:top].tolist()) & set(np.argsort(-theirs)[:top].tolist())
    )

    # brokers: the exact bridging ranking against sampled betweenness, two seeds each
    bridging_s = timed(lambda: a.bridging(index, net.nodes, edges), args.runs)[0]
    second = a.analyse(index, args.place, seed=7)
    actor = net.extra["actor"]

    def top_sampled(bc: np.ndarray, k: int = 20) -> set[int]:
        return set([int(i) for i in np.argsort(-bc, kind="stable") if actor[i]][:k])

    sampled_again = a.betweenness(n, edges, samples=64, seed=7)
    broker_overlap = len(set(net.brokers(20)) & set(second.brokers(20)))
    sampled_overlap = len(top_sampled(net.betweenness) & top_sampled(sampled_again))

    table = Table(title=f"analytics for a {args.actors:,}-actor city ({args.place})")
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("modularity", justify="right")
    for name, secs in parts.items():
        table.add_row(f"  {name}", f"{secs:.2f}", "")
    table.add_row("[bold]wijknet analyse (median)", f"[bold]{ours_s:.2f}", f"{net.modularity:.4f}")
    if args.pure:
        pure_s, pure = timed(lambda: a.analyse(index, args.place, backend="networkx"), 1)
        table.add_row(
            "wijknet, pure Python (networkx Louvain)", f"{pure_s:.2f}", f"{pure.modularity:.4f}"
        )
    table.add_row("networkx graph build (not counted)", f"{build_s:.2f}", "")
    table.add_row(
        "[bold]networkx Louvain + betweenness(k=64)", f"[bold]{base_s:.2f}", f"{base_q:.4f}"
    )
    table.add_row("  brokers by bridging (exact; in the total)", f"{bridging_s:.2f}", "")
    console.print(table)
    console.print(
        f"brokers ({net.broker_measure}, exact: {net.brokers_exact}): top-20 shared by two "
        f"seeds (42, 7): {broker_overlap}/20; sampled betweenness (64 sources) top-20 shared "
        f"by the same two seeds: {sampled_overlap}/20"
    )
    console.print(
        f"speed-up {base_s / ours_s:.1f}x; modularity ours/baseline {net.modularity / base_q:.4f} "
        f"({100 * (net.modularity / base_q - 1):+.2f}%); top-{top} brokers shared with the "
        f"baseline's estimate: {overlap}/{top}"
    )


if __name__ == "__main__":
    main()
