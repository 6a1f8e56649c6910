"""GraphQL over HTTP: requests per second of real requests beside the framework floor.

    python bench/bench_http.py [--actors 3000 100000] [--seconds 10] [--runs 3]
                               [--connections 8] [--only floor,two-level,suggest,mix]
                               [--baseline DIR] [--keep DIR] [--no-cache-too]
                               [--no-cache] [--workers 1 2] [--writes]

For each store size: seeds a temporary embedded store (``wijknet seed``), starts
``wijknet serve`` (one process) on 127.0.0.1, and drives it with ``wrk`` (Debian
package ``wrk``) from the same machine, in this order (with ``--baseline DIR``, a
checkout of an earlier commit, the same store is served by that code first, then by
this one, so "before" and "after" are measured in the same run):

- ``floor``: ``{ __typename }`` through the same GraphQL stack (the framework floor);
- ``two-level``: ``{ initiatives(first: 20) { edges { node { name members { actor
  { name } } } } } }``;
- ``suggest``: ``suggestPartners(first: 10)`` with reasons and paths, over a rotating
  set of initiatives;
- ``mix``: 20 requests in rotation, as people use the site: actor and initiative lists
  (by kind, skill, theme, place, text), place pages, actor details, an initiative's
  page, ``path``, ``suggestPartners``, a small ``network`` (a wijk), and one write
  (``registerActor``) in 20. The client is anonymous, so that write is refused (people
  register themselves once signed in) and nothing is written; with ``--writes`` it is
  made with an admin's API token (created in the benchmark's own accounts file) and
  registers an enterprise without ties in the wijk of that round's ``network``, so the
  map of that wijk is analysed again the next time it is asked. With ``--writes`` each
  server gets its own copy of the store.

Prints the median requests/s and latency of ``--runs`` runs of ``--seconds`` each
(after a 3 s warm-up), each request's ratio to the floor of the same server, the share
of requests answered from the response cache (``--no-cache-too`` also serves this code
with the cache off, so the speed of a computed answer shows beside), and the
server's CPU time per request (from ``/proc``, all its worker processes together; it
moves far less with the machine's load than requests/s). ``--workers 1 2`` serves this
code once per count (``wijknet serve --workers N``), one after the other. wrk
and the server share the machine's cores; on a shared machine the absolute figures
move with the load, the ratios much less. The per-minute budgets (``WIJKNET_*_BUDGET``)
are lifted: one benchmark client is not a person; the per-request cost limit stays.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console(width=150)

FLOOR = "{ __typename }"
TWO_LEVEL = "{ initiatives(first: 20) { edges { node { name members { actor { name } } } } } }"
SUGGEST = (
    "query($i: ID) { suggestPartners(initiative: $i, first: 10) { actor { id name } score "
    "reasons { code text } path } }"
)
ACTORS = (
    "query($k: [ActorKind!], $s: ID, $t: ID, $p: String, $q: String) { actors(first: 20, "
    "kind: $k, skill: $s, theme: $t, place: $p, text: $q) { totalCount edges { node { id name "
    "kind place { name } } } pageInfo { endCursor hasNextPage } } }"
)
INITIATIVES = (
    "query($t: ID, $p: String) { initiatives(first: 20, theme: $t, place: $p) { totalCount "
    "edges { node { id name stage place { name } themes { name } } } } }"
)
PLACE = (
    "query($c: String!) { place(code: $c) { name displayName level parent { name } "
    "children { code name } actors(first: 10) { totalCount edges { node { id name kind } } } "
    "initiatives(first: 10) { totalCount edges { node { id name } } } } }"
)
ACTOR = (
    "query($id: ID!) { actor(id: $id) { id name kind description place { name parent { name } }"
    " skills { name } interests { name } memberships { role group { ... on Initiative { id name"
    " } ... on Enterprise { id name } } } knows { id name } } }"
)
INITIATIVE = (
    "query($id: ID!) { initiative(id: $id) { name description stage place { name } themes "
    "{ name } needs { urgency skill { name } } members { role actor { id name kind } } "
    "supporters { how actor { name } } } }"
)
PATH = "query($a: ID!, $b: ID!) { path(from: $a, to: $b) { length nodes { id } steps { type } } }"
NETWORK = (
    "query($p: String!) { network(place: $p, maxNodes: 200, maxEdges: 500) { nodeCount "
    "edgeCount nodes { id label } edges { source target } } }"
)
REGISTER = (
    'mutation { registerActor(input: {id: "bench-__N__", kind: FREELANCER, name: '
    '"Bench __N__", placeCode: "__P__"}) { __typename } }'
)
REGISTER_BODY = (
    'mutation { registerActor(input: {id: "bench-__N__", kind: ENTERPRISE, name: '
    '"Bench __N__", placeCode: "__P__"}) { __typename ... on Error { message } } }'
)
AUTH = "AUTH "
"""A line of a request set that starts with this is sent with the admin's token."""

LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local token = "%s"
local n = 0
math.randomseed(os.time() + os.clock() * 1e6)
local tag = tostring(math.random(1, 1e9))
request = function()
  n = n + 1
  local line = bodies[(n %% #bodies) + 1]
  local headers = {["Content-Type"] = "application/json"}
  if string.sub(line, 1, 5) == "AUTH " then
    line = string.sub(line, 6)
    headers["Authorization"] = "Bearer " .. token
  end
  local body = string.gsub(line, "__N__", tag .. "-" .. tostring(n))
  return wrk.format("POST", "/graphql", headers, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and of its child processes (the workers of a serve group)."""
    total = cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                total += cpu_seconds(int(child))
    return total


def run_wrk(
    url: str, script: Path, seconds: int, connections: int, pid: int | None = None
) -> dict[str, float]:
    """One wrk run; with ``pid`` also the server's CPU ms per request, which moves far
    less than requests/s when other work shares the cores."""
    cpu = group_cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    cpu_ms = (group_cpu_seconds(pid) - cpu) * 1000 / max(done, 1) if pid else float("nan")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps,
        "p50": ms("50"),
        "p99": ms("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
        "cpu_ms": cpu_ms,
        "load": os.getloadavg()[0],
    }


def body(query: str, **variables: Any) -> str:
    return json.dumps({"query": query, "variables": variables or None})


def post(url: str, query: str, **variables: Any) -> dict[str, Any]:
    r = httpx.post(url, json={"query": query, "variables": variables or None}, timeout=120)
    data = r.json()
    assert not data.get("errors"), data["errors"]
    return dict(data["data"])


def mix_bodies(url: str, writes: bool = False) -> list[str]:
    """Twenty requests as people use the site, over ids of this store, rotated (with
    ``writes``, the write is an admin's and is made)."""
    skills = [s["id"] for s in post(url, "{ skills { id } }")["skills"]]
    themes = [t["id"] for t in post(url, "{ themes { id } }")["themes"]]
    inis = [
        e["node"]
        for e in post(
            url,
            "{ initiatives(first: 200) { edges { node { id place { code parent { code } } } } } }",
        )["initiatives"]["edges"]
    ]
    actors = [
        e["node"]["id"]
        for e in post(
            url,
            "{ actors(first: 200, kind: [FREELANCER, PROFESSIONAL, ENTERPRISE]) "
            "{ edges { node { id } } } }",
        )["actors"]["edges"]
    ]
    buurten = [i["place"]["code"] for i in inis if i["place"]]
    wijken = [i["place"]["parent"]["code"] for i in inis if i["place"] and i["place"]["parent"]]
    out: list[str] = []
    for k in range(10):  # ten rounds of twenty, each with other ids
        a, b = actors[k % len(actors)], actors[(k * 7 + 3) % len(actors)]
        ini, ini2 = inis[k % len(inis)]["id"], inis[(k * 5 + 1) % len(inis)]["id"]
        skill, theme = skills[k % len(skills)], themes[k % len(themes)]
        buurt, wijk = buurten[k % len(buurten)], wijken[k % len(wijken)]
        out += [
            body(ACTORS, k=["FREELANCER"]),
            body(ACTORS, s=skill),
            body(ACTORS, t=theme, p=wijk),
            body(ACTORS, q=["zorg", "energie", "tuin", "taal"][k % 4]),
            body(INITIATIVES, t=theme),
            body(INITIATIVES, p=wijk),
            body(PLACE, c=wijk),
            body(PLACE, c=buurt),
            body(ACTOR, id=a),
            body(ACTOR, id=b),
            body(INITIATIVE, id=ini),
            body(TWO_LEVEL),
            body(PATH, a=a, b=b),
            body(SUGGEST, i=ini),
            body(SUGGEST, i=ini2),
            body(NETWORK, p=buurt),
            body(ACTORS, k=["ENTERPRISE", "ORGANISATION"]),
            body(INITIATIVES),
            body(ACTOR, id=actors[(k * 11 + 5) % len(actors)]),
            AUTH + json.dumps({"query": REGISTER_BODY.replace("__P__", buurt)})
            if writes
            else json.dumps({"query": REGISTER.replace("__P__", buurt)}),
        ]
    return out


def seed(actors: int, folder: Path) -> Path:
    """A store of ``actors`` synthetic actors in ``folder`` (kept there for the next run)."""
    db = folder / f"http-{actors}.db"
    if not db.exists():
        console.print(f"seeding {actors:,} actors ...")
        subprocess.run(
            [sys.executable, "-m", "api.cli", "seed", "--actors", str(actors), "--db", str(db)],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
    return db


def admin_token(identity_db: Path) -> str:
    """An API token of a new admin account in ``identity_db`` (for ``--writes``)."""
    env = {**os.environ, "WIJKNET_NEW_PASSWORD": "bench-password-1234", "PYTHONPATH": str(ROOT)}
    email = "bench-admin@example.org"
    for cmd in (["user", "create", email, "--admin"], ["token", "create", email]):
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", *cmd, "--identity-db", str(identity_db)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return done.stdout.split()[-1]


def copy_store(db: Path, folder: Path, label: str) -> Path:
    """A copy of ``db`` (and its snapshots) in ``folder``, for one server to write to."""
    out = folder / label.replace(" ", "-").replace(",", "")
    out.mkdir(exist_ok=True)
    for f in db.parent.glob(db.name + "*"):
        if not f.name.endswith(("-wal", "-shm", ".lock", ".members")) and f.is_file():
            shutil.copy(f, out / f.name)
    return out / db.name


def cache_stats(base: str) -> dict[str, int] | None:
    """The server's response cache counters (None: this code has no response cache), summed
    over the workers of a serve group (fresh connections until each worker has answered)."""
    by_worker: dict[int, dict[str, int]] = {}
    for _ in range(500):
        body = httpx.get(f"{base}/healthz", timeout=60).json()
        found = body.get("responseCache")
        if not found:
            return None
        worker = body.get("worker")
        by_worker[worker["rank"] if worker else 0] = dict(found)
        if len(by_worker) == (worker["workers"] if worker else 1):
            return {k: sum(w[k] for w in by_worker.values()) for k in found}
    return None  # a worker never answered: no hit rate rather than a wrong one


def bench_store(
    args: argparse.Namespace,
    actors: int,
    db: Path,
    folder: Path,
    code: Path,
    extra_env: dict[str, str] | None = None,
    token: str | None = None,
) -> dict[str, list[dict]]:
    """Serve ``db`` with the wijknet in ``code`` (a checkout) and run every set against it
    (``token``: an admin's, for the mix's writes)."""
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    env.update({f"WIJKNET_{k}_BUDGET": "1000000000" for k in ("COST", "MUTATION", "EXPENSIVE")})
    env.setdefault("WIJKNET_IDENTITY_DB", str(folder / f"identity-{actors}.db"))
    env["PYTHONPATH"] = str(code)
    console.print(f"serving {actors:,} actors with the code in {code} ...")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--seed-actors",
            "0",
            "--log-level",
            "warning",
        ],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/graphql"
    results: dict[str, list[dict]] = {}
    try:
        deadline = time.monotonic() + 900
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("wijknet serve did not start")
            time.sleep(0.5)
        inis = post(url, "{ initiatives(first: 500) { edges { node { id } } } }")
        ids = [e["node"]["id"] for e in inis["initiatives"]["edges"]]
        assert len(post(url, SUGGEST, i=ids[0])["suggestPartners"]) == 10
        assert len(post(url, TWO_LEVEL)["initiatives"]["edges"]) == 20
        sets = {
            "floor": [body(FLOOR)],
            "two-level": [body(TWO_LEVEL)],
            "suggest": [body(SUGGEST, i=i) for i in ids],
            "mix": mix_bodies(url, writes=token is not None),
        }
        for name, lines in sets.items():
            if args.only and name not in args.only:
                continue
            file = folder / f"{name}-{actors}.txt"
            file.write_text("".join(line + "\n" for line in lines))
            script = folder / f"{name}-{actors}.lua"
            script.write_text(LUA % (file, token or ""))
            for line in lines[:20]:  # every kind of request answers without errors
                headers = {"content-type": "application/json"}
                if line.startswith(AUTH):
                    line = line.removeprefix(AUTH)
                    headers["authorization"] = f"Bearer {token}"
                r = httpx.post(
                    url,
                    content=line.replace("__N__", f"check-{port}"),
                    timeout=120,
                    headers=headers,
                )
                assert r.status_code == 200 and "errors" not in r.json(), r.text[:500]
                if token is not None and "registerActor" in line:  # the write is made
                    assert r.json()["data"]["registerActor"]["__typename"] != "Error", r.text
            run_wrk(url, script, 3, args.connections)  # warm up
            base = f"http://127.0.0.1:{port}"
            before = cache_stats(base)
            results[name] = [
                run_wrk(url, script, args.seconds, args.connections, server.pid)
                for _ in range(args.runs)
            ]
            after = cache_stats(base)
            if before is not None and after is not None:
                hits = after["hits"] - before["hits"]
                asked = hits + after["misses"] - before["misses"]
                asked += after["bypassed"] - before["bypassed"]
                for r in results[name]:
                    r["hit_rate"] = hits / asked if asked else 0.0
    finally:
        server.terminate()
        server.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, nargs="+", default=[3000, 100_000])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", type=lambda s: set(s.split(",")), default=None)
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of an earlier wijknet (git worktree add DIR COMMIT): the same "
        "stores are served by it too, in the same run, and printed beside",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep (and reuse) the seeded stores in DIR"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1],
        help="serve this code with each of these numbers of worker processes (--workers N)",
    )
    parser.add_argument(
        "--no-cache-too",
        action="store_true",
        help="also serve this code with the response cache off (WIJKNET_RESPONSE_CACHE=0)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="serve this code and the baseline with the response cache off only (what a "
        "computed answer costs, before and after)",
    )
    parser.add_argument(
        "--writes",
        action="store_true",
        help="the mix's write (one in 20) is made, by an admin's API token; each server "
        "gets its own copy of the store",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_http needs wrk: apt-get install wrk")
    off = {"WIJKNET_RESPONSE_CACHE": "0"}
    codes: dict[str, tuple[Path, dict[str, str]]] = {}
    for w in args.workers:
        label = "now" if w == 1 else f"now, {w} workers"
        codes[label] = (ROOT, {"WIJKNET_WORKERS": str(w)})
    if args.no_cache_too:
        codes = {"now, no cache": (ROOT, off), **codes}
    if args.baseline is not None:
        codes = {"baseline": (args.baseline, {}), **codes}
    if args.no_cache:
        codes = {
            "now, no cache" + ("" if w == 1 else f", {w} workers"): (
                ROOT,
                {**off, "WIJKNET_WORKERS": str(w)},
            )
            for w in args.workers
        }
        if args.baseline is not None:
            codes = {"baseline, no cache": (args.baseline, off), **codes}
    all_results: dict[tuple[int, str], dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for n in args.actors:
            db = seed(n, folder)
            token = admin_token(Path(tmp) / f"identity-{n}.db") if args.writes else None
            for label, (code, extra) in codes.items():
                served = copy_store(db, Path(tmp), f"{n}-{label}") if args.writes else db
                all_results[n, label] = bench_store(
                    args, n, served, Path(tmp), code.resolve(), extra, token
                )
    table = Table(
        title=f"GraphQL over HTTP, wrk -c{args.connections} on the same "
        f"{os.cpu_count()} cores, median of {args.runs} x {args.seconds} s"
    )
    for col in (
        "actors",
        "code",
        "request",
        "req/s",
        "x floor",
        "p50 ms",
        "p99 ms",
        "CPU ms/req",
        "non-2xx",
        "cache hits",
        "load",
    ):
        table.add_column(col, justify="right")
    table.add_column("runs", justify="right")
    for (actors, label), results in all_results.items():
        floor = statistics.median(r["rps"] for r in results.get("floor", [{"rps": float("nan")}]))
        for name, runs in results.items():
            rps = statistics.median(r["rps"] for r in runs)
            table.add_row(
                f"{actors:,}",
                label,
                name,
                f"{rps:,.0f}",
                f"{rps / floor:.2f}",
                f"{statistics.median(r['p50'] for r in runs):.1f}",
                f"{statistics.median(r['p99'] for r in runs):.1f}",
                f"{statistics.median(r['cpu_ms'] for r in runs):.2f}",
                str(sum(int(r["errors"]) for r in runs)),
                f"{runs[0]['hit_rate']:.0%}" if "hit_rate" in runs[0] else "-",
                f"{statistics.median(r['load'] for r in runs):.1f}",
                " / ".join(f"{r['rps']:,.0f}" for r in runs),
            )
    console.print(table)
    console.print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
