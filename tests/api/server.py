"""Start a real ``wijknet serve`` process for end-to-end tests, and stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    identity_db: Path | None  # the accounts file; None: accounts live in Neo4j

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def kill9(self) -> None:
        self.stop(signal.SIGKILL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(
    store: str,
    log_dir: Path,
    *,
    seed_actors: int = 300,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    timeout: float = 60.0,
) -> Server:
    """Run ``wijknet serve`` on a free port and wait until /healthz answers."""
    port = port or free_port()
    log = log_dir / f"serve-{port}-{time.monotonic_ns()}.log"
    # the per-minute budgets are for people, not for a test session that sends hundreds of
    # requests a minute from one address; tests of the budgets pass their own (tests/hostile)
    lifted = {f"WIJKNET_{k}_BUDGET": "1000000000" for k in ("COST", "MUTATION", "EXPENSIVE")}
    full_env = {
        **os.environ,
        **lifted,
        "WIJKNET_SEED_ACTORS": str(seed_actors),
        **(env or {}),
    }
    identity_db: Path | None = None
    if "://" not in store:  # the embedded store: accounts in a file of the test's own
        full_env.setdefault(
            "WIJKNET_IDENTITY_DB", str(log_dir / f"identity-{port}-{time.monotonic_ns()}.db")
        )
    if full_env.get("WIJKNET_IDENTITY_DB"):
        identity_db = Path(full_env["WIJKNET_IDENTITY_DB"])
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "api.cli",
                "serve",
                "--store",
                store,
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=Path(__file__).resolve().parents[2],
        )
    server = Server(proc, port, log, identity_db)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"wijknet serve exited with {proc.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill9()
    raise RuntimeError(f"wijknet serve did not answer within {timeout} s:\n{server.output()}")
