"""A realistic mix over HTTP, with the limits of api.limits on and off, in one run.

    python bench/bench_hostile.py [--actors 3000] [--seconds 60] [--connections 8 32]

Seeds two identical embedded stores (same seed), starts ``wijknet serve`` on each, one
with the shipped limits and one with ``WIJKNET_LIMITS=false``, and drives each with the
same mix for ``--seconds`` at each connection count (in two halves, ordered on, off,
off, on, so that a drift in the machine's load hits both alike): browsing and filtering lists,
place pages, actor details, ``path``, ``suggestPartners``, a small ``network`` (a wijk),
and one write (``registerActor``) in 20. Every request comes from one of 256 client
addresses (``X-Forwarded-For``, trusted from 127.0.0.1 as behind a proxy), so the
per-client budgets see many people, not one. Prints req/s, p50/p95/p99 and errors
(non-200 answers and GraphQL errors inside 200 answers), and the ratio on/off.
The load generator (asyncio + aiohttp) shares the machine's cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console()

ACTORS = """query($kind: [ActorKind!], $place: String) {
  actors(kind: $kind, place: $place, first: 20) {
  totalCount edges { node { id name kind place { name } } } } }"""
INITIATIVES = """query($theme: ID) { initiatives(theme: $theme, first: 20) {
  totalCount edges { node { id name stage themes { name } } } } }"""
SEARCH = """query($t: String) { actors(text: $t, first: 10) { edges { node { id name } } } }"""
PLACE = """query($code: String!) { place(code: $code) { name level parent { name }
  children { code name } actors(first: 10) { totalCount edges { node { id name } } }
  initiatives(first: 5) { totalCount edges { node { id name } } } } }"""
ACTOR = """query($id: ID!) { actor(id: $id) { id name kind description place { name }
  skills { name } interests { name } memberships { role } knows { id name } } }"""
PATH = """query($a: ID!, $b: ID!) { path(from: $a, to: $b) { length steps { type } } }"""
SUGGEST = """query($i: ID) { suggestPartners(initiative: $i, first: 5) { actor { id name } score
  reasons { code text } } }"""
NETWORK = """query($place: String!) { network(place: $place, maxNodes: 200, maxEdges: 400) {
  nodeCount edgeCount nodes { id label community } edges { source target }
  communities { id size } } }"""
WRITE = """mutation($name: String!, $place: String!) { registerActor(input: {kind: FREELANCER,
  name: $name, placeCode: $place}) { __typename } }"""
KINDS = ["RESIDENT", "FREELANCER", "PROFESSIONAL", "ENTERPRISE", "ORGANISATION"]
WORDS = ["buurt", "energie", "zorg", "groen", "koken", "wijk"]


@dataclass
class Catalogue:
    actors: list[str]
    initiatives: list[str]
    places: list[str]
    wijken: list[str]
    themes: list[str]


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    http_errors: int = 0
    graphql_errors: int = 0
    refused: dict[str, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(store: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = store.with_suffix(".log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--store",
            str(store),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "WIJKNET_IDENTITY_DB": str(store.with_suffix(".identity.db")), **env},
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(store.with_suffix(".log").read_text())
        time.sleep(0.3)
    raise SystemExit("the server did not start")


def catalogue(url: str) -> Catalogue:
    def q(query: str) -> Any:
        return httpx.post(url, json={"query": query}, timeout=120).json()["data"]

    actors = q("{ actors(first: 500) { edges { node { id redacted } } } }")["actors"]["edges"]
    inits = q("{ initiatives(first: 200) { edges { node { id } } } }")["initiatives"]["edges"]
    places = q("{ networkPlaces { place { code level } actors } }")["networkPlaces"]
    themes = q("{ themes { id } }")["themes"]
    return Catalogue(
        actors=[e["node"]["id"] for e in actors if not e["node"]["redacted"]],
        initiatives=[e["node"]["id"] for e in inits],
        places=[p["place"]["code"] for p in places],
        wijken=[p["place"]["code"] for p in places if p["place"]["level"] == "NEIGHBOURHOOD"]
        or [p["place"]["code"] for p in places],
        themes=[t["id"] for t in themes],
    )


def mix(cat: Catalogue, rng: random.Random, n: int) -> tuple[str, str, dict[str, Any]]:
    """The n-th request of a client: (label, query, variables); one write in 20."""
    slot = n % 20
    if slot == 19:
        return (
            "write",
            WRITE,
            {"name": f"Bench ZZP {rng.randrange(10**9)}", "place": rng.choice(cat.places)},
        )
    if slot < 5:
        return "actors", ACTORS, {"kind": [rng.choice(KINDS)], "place": rng.choice(cat.places)}
    if slot < 7:
        return "initiatives", INITIATIVES, {"theme": rng.choice(cat.themes)}
    if slot < 9:
        return "search", SEARCH, {"t": rng.choice(WORDS)}
    if slot < 12:
        return "place", PLACE, {"code": rng.choice(cat.places)}
    if slot < 15:
        return "actor", ACTOR, {"id": rng.choice(cat.actors)}
    if slot < 16:
        return "path", PATH, {"a": rng.choice(cat.actors), "b": rng.choice(cat.actors)}
    if slot < 18:
        return "suggest", SUGGEST, {"i": rng.choice(cat.initiatives)}
    return "network", NETWORK, {"place": rng.choice(cat.wijken)}


async def drive(url: str, cat: Catalogue, connections: int, seconds: float) -> Tally:
    tally = Tally()
    stop_at = time.perf_counter() + seconds

    async def client(k: int, session: aiohttp.ClientSession) -> None:
        rng = random.Random(k)
        n = rng.randrange(20)
        while time.perf_counter() < stop_at:
            label, query, variables = mix(cat, rng, n)
            n += 1
            address = f"10.{k}.{rng.randrange(8)}.{rng.randrange(1, 255)}"
            started = time.perf_counter()
            async with session.post(
                url,
                json={"query": query, "variables": variables},
                headers={"x-forwarded-for": address},
            ) as response:
                body = await response.read()
            tally.seconds.append(time.perf_counter() - started)
            if response.status != 200:
                tally.http_errors += 1
                tally.refused[f"{label} {response.status}"] = (
                    tally.refused.get(f"{label} {response.status}", 0) + 1
                )
                continue
            errors = json.loads(body).get("errors")
            if errors:
                tally.graphql_errors += 1
                key = f"{label}: {errors[0]['message'][:60]}"
                tally.refused[key] = tally.refused.get(key, 0) + 1

    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(client(k, session) for k in range(connections)))
    return tally


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))] * 1000 if s else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--actors", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        try:
            for name, env in (("limits on", {}), ("limits off", {"WIJKNET_LIMITS": "false"})):
                port = free_port()
                store = Path(tmp) / f"{name.replace(' ', '-')}.db"
                console.print(f"starting {name} on {args.actors:,} actors ...")
                proc = start(store, port, {"WIJKNET_SEED_ACTORS": str(args.actors), **env})
                servers[name] = (proc, f"http://127.0.0.1:{port}/graphql")
            cat = catalogue(servers["limits on"][1])
            for _, url in servers.values():  # warm both: analyses, caches, lazy imports
                asyncio.run(drive(url, cat, 4, min(10.0, args.seconds / 4)))
            table = Table(title=f"realistic mix, {args.seconds:g} s each, {args.actors:,} actors")
            for col in (
                "server",
                "conn",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "HTTP errors",
                "GraphQL errors",
            ):
                table.add_column(col, justify="right")
            rates: dict[tuple[str, int], float] = {}
            notes: list[str] = []
            for c in args.connections:
                tallies: dict[str, Tally] = {name: Tally() for name in servers}
                # on, off, off, on: drift of the machine's load hits both alike
                for name in ("limits on", "limits off", "limits off", "limits on"):
                    t = asyncio.run(drive(servers[name][1], cat, c, args.seconds / 2))
                    whole = tallies[name]
                    whole.seconds += t.seconds
                    whole.http_errors += t.http_errors
                    whole.graphql_errors += t.graphql_errors
                    for key, count in t.refused.items():
                        whole.refused[key] = whole.refused.get(key, 0) + count
                for name, t in tallies.items():
                    rate = len(t.seconds) / args.seconds
                    rates[(name, c)] = rate
                    table.add_row(
                        name,
                        str(c),
                        f"{rate:.1f}",
                        f"{pct(t.seconds, 0.5):.0f}",
                        f"{pct(t.seconds, 0.95):.0f}",
                        f"{pct(t.seconds, 0.99):.0f}",
                        str(t.http_errors),
                        str(t.graphql_errors),
                    )
                    for key, count in sorted(t.refused.items(), key=lambda kv: -kv[1])[:5]:
                        notes.append(f"{name}, {c} conn: {count} x {key}")
            console.print(table)
            for c in args.connections:
                on, off = rates[("limits on", c)], rates[("limits off", c)]
                cost = (1 - on / off) * 100
                console.print(
                    f"{c} connections: limits on / off = {on / off:.3f} ({cost:+.1f}% cost)"
                )
            for line in notes:
                console.print(f"  {line}")
            console.print(
                "the load generator shares the machine with the servers (and anything else running)"
            )
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=30)


if __name__ == "__main__":
    main()
