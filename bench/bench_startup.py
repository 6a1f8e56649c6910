"""``wijknet serve`` start-up: seconds until /readyz answers 200, and peak memory,
from the snapshots beside the store and without them (the baseline, same run).

    python bench/bench_startup.py --db /tmp/100k.db [--repeats 3]

Seed the store first (``wijknet seed --actors 100000 --db /tmp/100k.db``). Each run
starts ``serve`` on the store (no seeding), polls /healthz (which must answer while
the store loads) and /readyz, reads the process's peak RSS (VmHWM) once it is ready,
and stops it (SIGTERM, a clean shutdown). First one start without snapshot files (it
loads the file and writes them: the "first start"), then, per repeat, one start with
``WIJKNET_SNAPSHOTS=false`` (loads everything from SQLite, as before snapshots) and
one from the snapshots, alternating so that both see the same load on the machine.
Prints the median and the spread over the repeats. The snapshots stay beside the
store afterwards (``<db>.graph.snapshot``, ``<db>.index.snapshot``); delete them with
the store.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_start(db: str, timeout: float, *, snapshots: bool) -> tuple[float, float, float]:
    """Seconds to the first /healthz answer, seconds to ready, peak RSS in MiB."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "api.cli", "serve", "--db", db, "--port", str(port)]
        cmd += ["--seed-actors", "0", "--log-level", "warning"]
        env_identity = {
            "WIJKNET_IDENTITY_DB": str(Path(tmp) / "identity.db"),
            "WIJKNET_SNAPSHOTS": "true" if snapshots else "false",
        }
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **env_identity},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        t0 = time.perf_counter()
        first_health = float("nan")
        try:
            while time.perf_counter() - t0 < timeout:
                if proc.poll() is not None:
                    raise SystemExit(f"serve exited with {proc.returncode}")
                try:
                    if first_health != first_health:  # nan: not yet
                        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                        first_health = time.perf_counter() - t0
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                        ready = time.perf_counter() - t0
                        return first_health, ready, peak_rss_mib(proc.pid)
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)  # gently: the poller shares the cores with the server
            raise SystemExit(f"not ready within {timeout} s")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    for old in Path(args.db).parent.glob(Path(args.db).name + ".*.snapshot"):
        old.unlink()
    first = one_start(args.db, args.timeout, snapshots=True)
    print(f"first start (no snapshot yet; writes them): ready {first[1]:.1f} s, ", end="")
    print(f"peak RSS {first[2]:.0f} MiB", flush=True)
    runs: dict[str, list[tuple[float, float, float]]] = {"without": [], "snapshot": []}
    for _ in range(args.repeats):
        runs["without"].append(one_start(args.db, args.timeout, snapshots=False))
        runs["snapshot"].append(one_start(args.db, args.timeout, snapshots=True))
    for mode, label in (("without", "without snapshots"), ("snapshot", "from snapshots")):
        print(f"{label}:")
        for name, values, unit in (
            ("first /healthz answer", [r[0] for r in runs[mode]], "s"),
            ("ready (/readyz 200)", [r[1] for r in runs[mode]], "s"),
            ("peak RSS", [r[2] for r in runs[mode]], "MiB"),
        ):
            print(
                f"  {name:24} median {statistics.median(values):8.1f} {unit}"
                f"   (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
            )
    base = statistics.median(r[1] for r in runs["without"])
    snap = statistics.median(r[1] for r in runs["snapshot"])
    print(
        f"ready: {base / snap:.1f}x faster from snapshots (load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
