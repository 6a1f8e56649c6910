"""Seeding and start-up of the embedded store, against a raw-SQLite floor.

    python bench/bench_seed.py [--sizes 100000 1000000] [--startups 3]

For each size it runs ``wijknet seed --actors N`` in a fresh process and reports
wall time, nodes/s, relationships/s and peak memory (RSS of that process), then
the start-up time of ``wijknet serve`` on that store (until /healthz answers;
median of ``--startups`` runs). As a baseline, measured in the same run, it
writes the same number of rows, of the same size, straight into SQLite with
``executemany`` (no validation, no in-memory graph, no generator): the floor
that wijknet's import can approach, not beat.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sqlite3
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


def run_seed(actors: int, db: Path) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "seed", "--actors", str(actors), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        text=True,
    )
    out, _ = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"seed failed:\n{out}")
    match = re.search(
        r"seeded ([\d,]+) nodes and ([\d,]+) relationships.*peak memory ([\d,]+) MiB", out, re.S
    )
    assert match, out
    nodes, rels, rss = (int(g.replace(",", "")) for g in match.groups())
    return {"wall": wall, "nodes": nodes, "rels": rels, "rss_mib": rss}


def sqlite_floor(nodes: int, rels: int, folder: Path) -> float:
    """Seconds to write the same row counts straight into SQLite (same schema, same fsyncs)."""
    db = folder / "floor.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE nodes (id TEXT PRIMARY KEY, kind TEXT, props TEXT) WITHOUT ROWID")
    conn.execute(
        "CREATE TABLE rels (src TEXT, type TEXT, dst TEXT, props TEXT, "
        "PRIMARY KEY (src, type, dst)) WITHOUT ROWID"
    )
    props = json.dumps({"name": "Jan de Vries", "visibility": "private", "matchable": False})
    started = time.perf_counter()
    batch = 50_000
    for start in range(0, nodes, batch):
        rows = [
            (f"res-{i:07d}", "Resident", props) for i in range(start, min(nodes, start + batch))
        ]
        with conn:
            conn.executemany("INSERT INTO nodes VALUES (?, ?, ?)", rows)
    for start in range(0, rels, batch):
        rows = [
            (f"res-{i % nodes:07d}", "KNOWS", f"res-{(i * 7919) % nodes:07d}-{i}", "{}")
            for i in range(start, min(rels, start + batch))
        ]
        with conn:
            conn.executemany("INSERT INTO rels VALUES (?, ?, ?, ?)", rows)
    took = time.perf_counter() - started
    conn.close()
    return took


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def startup(db: Path) -> tuple[float, float]:
    """Seconds until ``wijknet serve`` answers /healthz, and its RSS then (MiB)."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit("serve exited early")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    took = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
            if time.perf_counter() - started > 600:
                raise SystemExit("serve did not start within 600 s")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
        return took, rss
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--startups", type=int, default=3, help="serve start-ups per size (median)")
    args = parser.parse_args()
    table = Table(title="wijknet seed into the embedded store")
    for col in (
        "actors",
        "nodes",
        "rels",
        "wall s",
        "nodes/s",
        "rels/s",
        "rows/s",
        "peak MiB",
        "SQLite floor s",
        "wall / floor",
        "serve start s (median)",
        "serve MiB",
    ):
        table.add_column(col, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in args.sizes:
            db = folder / f"seed-{size}.db"
            console.print(f"seeding {size:,} actors ...")
            r = run_seed(size, db)
            floor = sqlite_floor(int(r["nodes"]), int(r["rels"]), folder)
            (folder / "floor.db").unlink()
            starts = [startup(db) for _ in range(args.startups)]
            start_s = statistics.median(s for s, _ in starts)
            rss = statistics.median(m for _, m in starts)
            rows = r["nodes"] + r["rels"]
            table.add_row(
                f"{size:,}",
                f"{int(r['nodes']):,}",
                f"{int(r['rels']):,}",
                f"{r['wall']:.1f}",
                f"{r['nodes'] / r['wall']:,.0f}",
                f"{r['rels'] / r['wall']:,.0f}",
                f"{rows / r['wall']:,.0f}",
                f"{r['rss_mib']:,.0f}",
                f"{floor:.1f}",
                f"{r['wall'] / floor:.1f}x",
                f"{start_s:.1f}",
                f"{rss:,.0f}",
            )
            for p in folder.glob(f"seed-{size}.db*"):
                p.unlink()
    console.print(table)
    console.print(
        "wall = the whole `wijknet seed` process (start, generate, validate, write, fsync); "
        "nodes/s and rels/s divide the same wall time. Floor = bare executemany of as many rows."
    )


if __name__ == "__main__":
    main()
