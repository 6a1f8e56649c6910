"""suggestPartners through GraphQL over HTTP: requests per second on this machine.

    python bench/bench_http.py [--actors 100000] [--seconds 15] [--runs 3]

Seeds a temporary embedded store, starts ``wijknet serve`` (one process) on
127.0.0.1, and drives it with ``wrk`` (Debian package ``wrk``) from the same
machine: first the floor, ``{ __typename }`` through the same GraphQL stack,
then ``suggestPartners(first: 10)`` with reasons and paths over a rotating set
of initiatives. Prints the median requests/s and latency of ``--runs`` runs and
the ratio to the floor. wrk and the server share the 2 cores.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console()

SUGGEST = (
    "query($i: ID) { suggestPartners(initiative: $i, first: 10) { actor { id name } score "
    "reasons { code text } path } }"
)

LUA = """
local bodies = {}
for line in io.lines("%s") do bodies[#bodies + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"},
                    bodies[(n %% #bodies) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("bench_http needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "http.db"
        console.print(f"seeding {args.actors:,} actors ...")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "api.cli",
                "seed",
                "--actors",
                str(args.actors),
                "--db",
                str(db),
            ],
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        port = free_port()
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
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/graphql"
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("wijknet serve did not start")
                time.sleep(0.2)
            page = httpx.post(
                url,
                json={"query": "{ initiatives(first: 500) { edges { node { id } } } }"},
                timeout=60,
            ).json()
            ids = [e["node"]["id"] for e in page["data"]["initiatives"]["edges"]]
            floor_body = folder / "floor.txt"
            floor_body.write_text(json.dumps({"query": "{ __typename }"}) + "\n")
            bodies = folder / "suggest.txt"
            bodies.write_text(
                "".join(json.dumps({"query": SUGGEST, "variables": {"i": i}}) + "\n" for i in ids)
            )
            check = httpx.post(url, json={"query": SUGGEST, "variables": {"i": ids[0]}}, timeout=60)
            assert len(check.json()["data"]["suggestPartners"]) == 10, check.text
            results: dict[str, list[dict[str, float]]] = {"floor": [], "suggest": []}
            for name, body in (("floor", floor_body), ("suggest", bodies)):
                script = folder / f"{name}.lua"
                script.write_text(LUA % body)
                run_wrk(url, script, 3, args.connections)  # warm up
                for _ in range(args.runs):
                    results[name].append(run_wrk(url, script, args.seconds, args.connections))
        finally:
            server.terminate()
            server.wait(timeout=60)
    table = Table(
        title=f"GraphQL over HTTP, {args.actors:,} actors, 1 server process, "
        f"wrk -c{args.connections} on the same 2 cores"
    )
    for col in ("request", "req/s (median)", "p50 ms", "p99 ms", "non-2xx", "runs"):
        table.add_column(col, justify="right")
    med = {}
    for name, runs in results.items():
        med[name] = statistics.median(r["rps"] for r in runs)
        table.add_row(
            name,
            f"{med[name]:,.0f}",
            f"{statistics.median(r['p50'] for r in runs):.1f}",
            f"{statistics.median(r['p99'] for r in runs):.1f}",
            str(sum(int(r["errors"]) for r in runs)),
            " / ".join(f"{r['rps']:,.0f}" for r in runs),
        )
    console.print(table)
    console.print(
        f"suggestPartners runs at {med['suggest'] / med['floor']:.2f}x the floor "
        f"({{ __typename }}) of the same server; {len(ids)} initiatives in rotation."
    )


if __name__ == "__main__":
    main()
