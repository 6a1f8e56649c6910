"""Matching latency (trained ranker on), index build and memory, against CSR PageRank.

    python bench/bench_matching.py [--sizes 10000 100000 1000000] [--queries 300]
                                   [--repeats 3] [--keep DIR] [--dump DIR]

Each size runs in a fresh process: seed a temporary embedded store (or reuse
DIR/bench-N.db), open it, build the matching index from ``store.stream()``
(timed; memory is the growth of the process's resident set while building),
train the ranker on 1,000 memberships, freeze the garbage collector's view of
what is loaded (as ``wijknet serve`` does), then time ``suggest_partners`` (ranker
on: wall clock and the thread's CPU time; and with hand weights) and
``suggest_coalition`` warm and in-process over ``--queries`` initiatives (p50,
p95), and the same initiatives through
whole-graph personalised PageRank by CSR power iteration (the baseline, on fewer
queries because each one walks the whole graph). ``--repeats`` passes, each
wijknet then the baseline; the figures are the medians of the passes' p50 and p95,
so a spell of load on a shared machine falls on both.

``--dump DIR`` also writes what the sampled initiatives are told, as
``DIR/suggestions-N.jsonl`` (one line per initiative: its partners with scores,
parts, reasons, paths, covers and roles, its coalition, and its partners by hand
weights), so that two versions
of the code can be compared byte for byte (``cmp``) on the same seeded stores.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
console = Console()


def rss_mib() -> float:
    text = Path(f"/proc/{os.getpid()}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def dump(index: Any, sample: list[str], path: Path) -> None:
    """What each initiative of ``sample`` is told, one JSON line each (see --dump)."""
    from dataclasses import asdict

    from matching import suggest_coalition, suggest_partners

    model = index.ranker
    with path.open("w") as out:
        for ini in sample:
            partners = [asdict(s) for s in suggest_partners(index, ini, k=10)]
            team = asdict(suggest_coalition(index, ini, size=7))
            index.ranker = None
            hand = [asdict(s) for s in suggest_partners(index, ini, k=10)]
            index.ranker = model
            line = {"initiative": ini, "partners": partners, "coalition": team, "hand": hand}
            out.write(json.dumps(line) + "\n")


def _repeat(
    index: Any, sample: list[str], ppr_queries: int, base: Any, rng: random.Random
) -> dict[str, float]:
    """One pass: suggest_partners (wall, CPU), suggest_coalition, hand weights, then CSR
    PageRank on the first ``ppr_queries`` initiatives; p50 and p95 of each (ms)."""
    from matching import suggest_coalition, suggest_partners
    from matching.suggest import resolve

    partners, partners_cpu, coalitions, hand = [], [], [], []
    for ini in sample:
        c0 = time.thread_time()
        t0 = time.perf_counter()
        suggest_partners(index, ini, k=10)
        t1 = time.perf_counter()
        partners_cpu.append((time.thread_time() - c0) * 1000)
        suggest_coalition(index, ini, size=7)
        t2 = time.perf_counter()
        partners.append((t1 - t0) * 1000)
        coalitions.append((t2 - t1) * 1000)
    model, index.ranker = index.ranker, None
    for ini in sample:
        t0 = time.perf_counter()
        suggest_partners(index, ini, k=10)
        hand.append((time.perf_counter() - t0) * 1000)
    index.ranker = model
    ppr, ppr_cpu = [], []
    for ini in sample[:ppr_queries]:
        t = resolve(index, ini)
        c0 = time.thread_time()
        t0 = time.perf_counter()
        base.pagerank(index, t, rng)
        ppr.append((time.perf_counter() - t0) * 1000)
        ppr_cpu.append((time.thread_time() - c0) * 1000)
    out = {}
    for name, values in (
        ("partners", partners),
        ("partners_cpu", partners_cpu),
        ("hand", hand),
        ("coalition", coalitions),
        ("ppr", ppr),
        ("ppr_cpu", ppr_cpu),
    ):
        out[f"{name}_p50"] = pct(values, 0.5)
        out[f"{name}_p95"] = pct(values, 0.95)
    return out


async def one(
    size: int,
    queries: int,
    ppr_queries: int,
    keep: str | None,
    repeats: int,
    dump_dir: str | None = None,
) -> dict[str, float]:
    from graph.embedded import EmbeddedStore
    from matching import build_index, suggest_partners
    from matching.baselines import Baselines
    from matching.training import train
    from seed_data import seed_store

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)  # --keep DIR need not exist yet
        db = str(folder / f"bench-{size}.db")
        if not Path(db).exists():  # seed under another name: a half-seeded file is never reused
            part = db + ".part"
            for leftover in Path(part).parent.glob(Path(part).name + "*"):
                leftover.unlink()
            seeding = EmbeddedStore.open(part, lazy=True)
            await seed_store(seeding, actors=size, seed=42)
            await seeding.close()
            Path(part).rename(db)
        store = EmbeddedStore.open(db, readonly=True)
        before = rss_mib()
        started = time.perf_counter()
        index = await build_index(store.stream())
        build_s = time.perf_counter() - started
        index_mib = rss_mib() - before
        await store.close()
    started = time.perf_counter()
    index.ranker = train(index, limit=1000, seed=0)
    train_s = time.perf_counter() - started
    # as `wijknet serve` does once it has loaded (api.app._load): the graph and the index
    # are long-lived, out of the cyclic collector's sight
    gc.freeze()
    initiatives = [i for i in index.ids if i.startswith("ini-")]
    rng = random.Random(7)
    sample = rng.sample(initiatives, min(queries, len(initiatives)))
    if dump_dir:
        Path(dump_dir).mkdir(parents=True, exist_ok=True)
        dump(index, sample, Path(dump_dir) / f"suggestions-{size}.jsonl")
    for ini in sample[:20]:  # warm up
        suggest_partners(index, ini)
    base = Baselines(index)
    graph_started = time.perf_counter()
    base.csr()
    graph_s = time.perf_counter() - graph_started
    # Each repeat measures wijknet and then the baseline; the figures are the medians of
    # the repeats' percentiles, so a spell of load on a shared machine moves both.
    runs: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, value in _repeat(index, sample, ppr_queries, base, rng).items():
            runs.setdefault(name, []).append(value)
    med = {name: statistics.median(values) for name, values in runs.items()}
    return {
        "actors": size,
        "nodes": len(index.ids),
        "build_s": build_s,
        "index_mib": index_mib,
        "train_s": train_s,
        **med,
        "load": os.getloadavg()[0],
        "ppr_queries": min(ppr_queries, len(sample)),
        "repeats": repeats,
        "csr_s": graph_s,
        "queries": len(sample),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="passes over the queries (wijknet, then the baseline); medians of their p50/p95",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ppr-queries", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--keep", metavar="DIR", help="keep (and reuse) the seeded stores in DIR as bench-N.db"
    )
    parser.add_argument(
        "--dump",
        metavar="DIR",
        help="write what the sampled initiatives are told to DIR/suggestions-N.jsonl",
    )
    args = parser.parse_args()
    if args.one:
        row = one(args.one, args.queries, args.ppr_queries, args.keep, args.repeats, args.dump)
        print(json.dumps(asyncio.run(row)))
        return
    rows = []
    for size in args.sizes:
        console.print(f"{size:,} actors: seeding, indexing, querying ...")
        ppr_queries = 100 if size <= 10_000 else 40 if size <= 100_000 else 10
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(size),
                "--queries",
                str(args.queries),
                "--ppr-queries",
                str(ppr_queries),
                "--repeats",
                str(args.repeats),
                *(["--keep", args.keep] if args.keep else []),
                *(["--dump", args.dump] if args.dump else []),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        rows.append(row := json.loads(out.stdout.strip().splitlines()[-1]))
        console.print(json.dumps(row))  # each size as soon as it is measured
    table = Table(title="suggest_partners (ranker on) / suggest_coalition, warm, in-process (ms)")
    for col in (
        "actors",
        "nodes",
        "index build s",
        "index MiB",
        "train s",
        "partners p50",
        "partners p95",
        "partners CPU p50/p95",
        "hand weights p50/p95",
        "coalition p50/p95",
        "CSR PPR p50",
        "CSR PPR p95",
        "CSR PPR CPU p50/p95",
        "PPR / partners p50",
        "p95 <= 5 ms, < PPR p50 and p95",
    ):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            f"{r['actors']:,}",
            f"{r['nodes']:,}",
            f"{r['build_s']:.1f}",
            f"{r['index_mib']:,.0f}",
            f"{r['train_s']:.0f}",
            f"{r['partners_p50']:.2f}",
            f"{r['partners_p95']:.2f}",
            f"{r['partners_cpu_p50']:.2f} / {r['partners_cpu_p95']:.2f}",
            f"{r['hand_p50']:.2f} / {r['hand_p95']:.2f}",
            f"{r['coalition_p50']:.2f} / {r['coalition_p95']:.2f}",
            f"{r['ppr_p50']:,.1f} (n={r['ppr_queries']})",
            f"{r['ppr_p95']:,.1f}",
            f"{r['ppr_cpu_p50']:,.1f} / {r['ppr_cpu_p95']:,.1f}",
            f"{r['ppr_p50'] / r['partners_p50']:,.1f}x",
            "yes"
            if r["partners_p95"] <= 5.0
            and r["partners_p50"] < r["ppr_p50"]
            and r["partners_p95"] < r["ppr_p95"]
            else "no",
        )
    console.print(table)
    console.print(
        f"{rows[0]['queries']} initiatives per size (seeded sample), {rows[0]['repeats']} "
        "passes (each wijknet, then CSR PPR; figures are medians of the passes' p50/p95); "
        "the ranker is trained on "
        "1,000 of the store's memberships first. CSR PPR: whole-graph personalised PageRank "
        "by power iteration over a scipy CSR matrix (all relationship types, undirected), "
        "members and initiative as the restart set; the matrix is built once per size, "
        "outside the timing. The machine may be shared: read ratios, not absolutes; "
        "'CPU' is the thread's CPU time, which waiting for a core does not inflate. "
        f"Load average at the end of each size: {[round(r['load'], 1) for r in rows]}."
    )


if __name__ == "__main__":
    main()
