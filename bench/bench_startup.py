"""``wijknet serve`` start-up: seconds until /readyz answers 200, and peak memory.

    python bench/bench_startup.py --db /tmp/100k.db [--repeats 3]

Seed the store first (``wijknet seed --actors 100000 --db /tmp/100k.db``). Each run
starts ``serve`` on the store (no seeding), polls /healthz (which must answer while
the store loads) and /readyz, reads the process's peak RSS (VmHWM) once it is ready,
and stops it. Prints the median and the spread over the repeats.
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


def one_start(db: str, timeout: float) -> tuple[float, float, float]:
    """Seconds to the first /healthz answer, seconds to ready, peak RSS in MiB."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "api.cli", "serve", "--db", db, "--port", str(port)]
        cmd += ["--seed-actors", "0", "--log-level", "warning"]
        env_identity = {"WIJKNET_IDENTITY_DB": str(Path(tmp) / "identity.db")}
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
                time.sleep(0.05)
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
    runs = [one_start(args.db, args.timeout) for _ in range(args.repeats)]
    for label, values, unit in (
        ("first /healthz answer", [r[0] for r in runs], "s"),
        ("ready (/readyz 200)", [r[1] for r in runs], "s"),
        ("peak RSS", [r[2] for r in runs], "MiB"),
    ):
        print(
            f"{label:24} median {statistics.median(values):8.1f} {unit}"
            f"   (min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
        )


if __name__ == "__main__":
    main()
