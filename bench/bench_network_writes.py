"""The network map of the mix's wijken, in process: analysed from scratch, asked again,
and analysed again after a write.

    python bench/bench_network_writes.py --db FILE [--baseline DIR] [--places 8]

Opens an embedded store read-only (``wijknet seed --actors 100000`` or bench_http's
``--keep`` store), builds the matching index and, for the wijken of the first
initiatives (those ``bench_http.py``'s mix maps), the CPU time (``time.process_time``)
summed over the wijken of:

- ``analyse``: ``network.analytics.analyse`` from scratch, with every summary
  (communities, bridges, gaps, figures) made;
- ``map``: the mix's ``network(maxNodes: 200, maxEdges: 500) { nodeCount edgeCount
  nodes { id label } edges { source target } }`` through ``schema.execute`` on a cached
  analysis (median of five);
- ``map after a loner``: the same request right after a new actor without ties
  registered in the wijk (the index told as a write tells it), so analysed again;
- ``map after a tie``: the same after a new KNOWS tie between two of its actors with
  ties (a tie inside its big component).

With ``--baseline DIR`` (a checkout of an earlier wijknet) the same runs with that code
first, in a subprocess (``PYTHONPATH=DIR``), printed beside with the ratio. Both runs
also print a digest of the betweenness of every wijk: equal digests are equal numbers
(rounded to 12 significant digits).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NETWORK = (
    "query($p: String!) { network(place: $p, maxNodes: 200, maxEdges: 500) { nodeCount "
    "edgeCount nodes { id label } edges { source target } } }"
)


async def measure(db: str, places: int) -> dict[str, Any]:
    """Run in the code under test (the caller sets PYTHONPATH)."""
    import numpy as np

    from api.context import Context
    from api.schema import schema
    from graph import model as m
    from graph.embedded import EmbeddedStore
    from matching import build_index
    from network import analytics as a

    store = EmbeddedStore.open(db, readonly=True)
    index = await build_index(store.stream())
    query = "{ initiatives(first: 200) { edges { node { place { code } } } } }"
    first = await schema.execute(query, context_value=Context(store=store, index=index))
    assert first.data is not None
    codes = [e["node"]["place"]["code"] for e in first.data["initiatives"]["edges"]]
    wijken = [c for c in dict.fromkeys(codes) if c][:places]
    out: dict[str, float] = {
        "analyse": 0.0,
        "map": 0.0,
        "map after a loner": 0.0,
        "map after a tie": 0.0,
    }
    digest = hashlib.sha1()
    for k, place in enumerate(wijken):
        cpu = time.process_time()
        fresh = a.analyse(index, place)
        getattr(fresh, "complete", lambda: None)()  # summaries made when asked: all of them
        out["analyse"] += time.process_time() - cpu
        net = a.cached_analyse(index, place)
        digest.update(np.array([float(f"{x:.12g}") for x in net.betweenness]).tobytes())

        async def ask(place: str = place) -> float:
            cpu = time.process_time()
            result = await schema.execute(
                NETWORK,
                context_value=Context(store=store, index=index),
                variable_values={"p": place},
            )
            assert not result.errors, result.errors
            return time.process_time() - cpu

        out["map"] += statistics.median([await ask() for _ in range(5)])
        loner = m.Actor(id=m.NodeId(f"bench-loner-{k}"), kind=m.ActorKind.FREELANCER, name="B")
        rels = [m.Relationship(m.RelType.LIVES_IN, loner.id, m.NodeId(place))]
        index.apply([loner], rels)
        a.note_write(index, [loner], rels)
        out["map after a loner"] += await ask()
        degree, actor = net.degree, net.extra["actor"]
        tied = [int(net.nodes[i]) for i in np.flatnonzero((degree >= 2) & actor)[:40].tolist()]
        pair = next(
            (u, v)
            for u in tied
            for v in tied[::-1]
            if u != v and v not in (index.ties[u] or ()) and u not in (index.ties[v] or ())
        )
        tie = m.Relationship(m.RelType.KNOWS, m.NodeId(index.ids[pair[0]]), index.ids[pair[1]])
        index.apply([], [tie])
        a.note_write(index, [], [tie])
        out["map after a tie"] += await ask()
    await store.close()
    return {"ms": {k: v * 1000 for k, v in out.items()}, "digest": digest.hexdigest()[:12]}


def run_with(code: Path, db: str, places: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    cmd = [sys.executable, __file__, "--db", db, "--places", str(places), "--measure"]
    done = subprocess.run(cmd, env=env, cwd=code, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", required=True)
    parser.add_argument("--places", type=int, default=8)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(measure(args.db, args.places))))
        return
    from rich.console import Console
    from rich.table import Table

    now = run_with(ROOT, args.db, args.places)
    before = run_with(args.baseline.resolve(), args.db, args.places) if args.baseline else None
    table = Table(title=f"network map of {args.places} wijken, CPU ms in all (process_time)")
    for col in ("step", "baseline", "now", "now / baseline"):
        table.add_column(col, justify="right")
    for step, ms in now["ms"].items():
        old = before["ms"][step] if before else float("nan")
        table.add_row(step, f"{old:.1f}", f"{ms:.1f}", f"{ms / old:.2f}" if before else "-")
    Console().print(table)
    digests = f"baseline {before['digest']}, " if before else ""
    Console().print(f"betweenness digests: {digests}now {now['digest']}; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
