"""GraphQL reads in process: CPU time per request, without HTTP.

    python bench/bench_reads.py --db wijknet.db [--requests 300] [--mix] [--profile]

Opens an embedded store read-only, builds the matching index, and runs each request
through ``schema.execute`` with a fresh per-request context, one at a time. Prints the
CPU time per request (``time.process_time``, which moves less than wall time on a shared
machine; the median of five chunks of the requests) and the wall-clock p50/p95.
``suggestPartners`` rotates over 200 initiatives.
``--mix`` also times each read of ``bench_http.py``'s realistic mix (lists by kind,
skill, theme, place and text, place pages, details, path, network), over ten sets of
ids; ``--profile`` prints a pyinstrument profile of each request kind.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from typing import Any

from bench_http import ACTOR, ACTORS, INITIATIVE, INITIATIVES, NETWORK, PATH, PLACE
from pyinstrument import Profiler
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
    parser.add_argument("--mix", action="store_true", help="also the reads of the HTTP mix")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each request")
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
    requests: dict[str, tuple[str, list[dict[str, Any] | None]]] = {
        name: (q, [{"i": i} for i in ids] if "$i" in q else [None]) for name, q in REQUESTS.items()
    }
    if args.mix:
        requests.update(await _mix(store, index))
    for name, (query, variables) in requests.items():

        async def one(k: int, query: str = query, variables: list[Any] = variables) -> None:
            ctx = Context(store=store, index=index)
            result = await schema.execute(
                query, context_value=ctx, variable_values=variables[k % len(variables)]
            )
            assert not result.errors, result.errors

        for k in range(20):  # warm up
            await one(k)
        times = []
        profiler = Profiler() if args.profile else None
        if profiler:
            profiler.start()
        chunks = []  # CPU per request in five chunks: the median shrugs off a busy moment
        size = max(1, args.requests // 5)
        for k in range(args.requests):
            if k % size == 0:
                cpu = time.process_time()
            t0 = time.perf_counter()
            await one(k)
            times.append(time.perf_counter() - t0)
            if k % size == size - 1:
                chunks.append((time.process_time() - cpu) / size * 1000)
        cpu_ms = statistics.median(chunks)
        if profiler:
            profiler.stop()
            Console().rule(name)
            profiler.print(show_all=False)
        times.sort()
        table.add_row(
            name,
            f"{cpu_ms:.2f}",
            f"{times[len(times) // 2] * 1000:.2f}",
            f"{times[int(len(times) * 0.95)] * 1000:.2f}",
        )
    Console().print(table)
    await store.close()


async def _mix(store: EmbeddedStore, index: Any) -> dict[str, tuple[str, list[Any]]]:
    """The reads of bench_http's mix, each over ten sets of ids of this store."""

    async def run(query: str) -> Any:
        result = await schema.execute(query, context_value=Context(store=store, index=index))
        assert result.data is not None, result.errors
        return result.data

    skills = [s["id"] for s in (await run("{ skills { id } }"))["skills"]]
    themes = [t["id"] for t in (await run("{ themes { id } }"))["themes"]]
    q = "{ initiatives(first: 200) { edges { node { id place { code parent { code } } } } } }"
    inis = [e["node"] for e in (await run(q))["initiatives"]["edges"]]
    q = (
        "{ actors(first: 200, kind: [FREELANCER, PROFESSIONAL, ENTERPRISE]) "
        "{ edges { node { id } } } }"
    )
    actors = [e["node"]["id"] for e in (await run(q))["actors"]["edges"]]
    # as in bench_http: an initiative's place (a wijk) and its parent (a gemeente or a
    # stadsdeel, "city" below)
    buurten = [i["place"]["code"] for i in inis if i["place"]]
    wijken = [i["place"]["parent"]["code"] for i in inis if i["place"] and i["place"]["parent"]]
    words = ["zorg", "energie", "tuin", "taal"]
    rounds = range(10)
    return {
        "actors by kind": (ACTORS, [{"k": ["FREELANCER"]}]),
        "actors by skill": (ACTORS, [{"s": skills[k % len(skills)]} for k in rounds]),
        "actors by theme+city": (
            ACTORS,
            [{"t": themes[k % len(themes)], "p": wijken[k % len(wijken)]} for k in rounds],
        ),
        "actors by text": (ACTORS, [{"q": words[k % 4]} for k in rounds]),
        # words in a third of all names and descriptions
        "actors by common word": (ACTORS, [{"q": ["de", "an", "en de"][k % 3]} for k in rounds]),
        "initiatives by theme": (INITIATIVES, [{"t": themes[k % len(themes)]} for k in rounds]),
        "initiatives by city": (INITIATIVES, [{"p": wijken[k % len(wijken)]} for k in rounds]),
        "place page (city)": (PLACE, [{"c": wijken[k % len(wijken)]} for k in rounds]),
        "place page (wijk)": (PLACE, [{"c": buurten[k % len(buurten)]} for k in rounds]),
        "actor page": (ACTOR, [{"id": actors[k % len(actors)]} for k in rounds]),
        "initiative page": (INITIATIVE, [{"id": inis[k % len(inis)]["id"]} for k in rounds]),
        "path": (
            PATH,
            [
                {"a": actors[k % len(actors)], "b": actors[(k * 7 + 3) % len(actors)]}
                for k in rounds
            ],
        ),
        "network (wijk)": (NETWORK, [{"p": buurten[k % len(buurten)]} for k in rounds]),
    }


if __name__ == "__main__":
    asyncio.run(main())
