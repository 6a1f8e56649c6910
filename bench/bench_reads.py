"""GraphQL reads in process: CPU time per request, without HTTP.

    python bench/bench_reads.py --db wijknet.db [--requests 300]

Opens an embedded store read-only, builds the matching index, and runs each request
through ``schema.execute`` with a fresh per-request context, one at a time. Prints the
CPU time per request (``time.process_time``, which moves less than wall time on a shared
machine) and the wall-clock p50/p95. ``suggestPartners`` rotates over 200 initiatives.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from api.context import Context
from api.schema import schema
from graph.embedded import EmbeddedStore
from matching import build_index

REQUESTS = {
    "{ __typename }": "{ __typename }",
    "two-level read": (
        "{ initiatives(first: 20) { edges { node { name members { actor { name } } } } } }"
    ),
    "actors list": (
        "{ actors(first: 20) { totalCount edges { node { id name kind place { name } "
        "skills { name } } } } }"
    ),
    "suggestPartners": (
        "query($i: ID) { suggestPartners(initiative: $i, first: 10) { actor { id name } "
        "score reasons { code text } path } }"
    ),
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    store = EmbeddedStore.open(args.db, readonly=True)
    index = await build_index(store.stream())
    gc.collect()
    gc.freeze()
    first = await schema.execute(
        "{ initiatives(first: 200) { edges { node { id } } } }",
        context_value=Context(store=store, index=index),
    )
    assert first.data is not None
    ids = [e["node"]["id"] for e in first.data["initiatives"]["edges"]]
    table = Table(title=f"GraphQL in process, {args.db}, {args.requests} requests each")
    for col in ("request", "CPU ms/request", "p50 ms", "p95 ms"):
        table.add_column(col, justify="right")
    for name, query in REQUESTS.items():

        async def one(k: int, query: str = query) -> None:
            variables: dict[str, Any] | None = {"i": ids[k % len(ids)]} if "$i" in query else None
            ctx = Context(store=store, index=index)
            result = await schema.execute(query, context_value=ctx, variable_values=variables)
            assert not result.errors, result.errors

        for k in range(20):  # warm up
            await one(k)
        times = []
        cpu = time.process_time()
        for k in range(args.requests):
            t0 = time.perf_counter()
            await one(k)
            times.append(time.perf_counter() - t0)
        cpu_ms = (time.process_time() - cpu) / args.requests * 1000
        times.sort()
        table.add_row(
            name,
            f"{cpu_ms:.2f}",
            f"{times[len(times) // 2] * 1000:.2f}",
            f"{times[int(len(times) * 0.95)] * 1000:.2f}",
        )
    Console().print(table)
    await store.close()


if __name__ == "__main__":
    asyncio.run(main())
