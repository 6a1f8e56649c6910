"""Start a real ``wijknet serve`` process for end-to-end tests, and stop it.

No server outlives the tests, also when a test fails: every server started here is
registered until it is stopped; ``tests/conftest.py`` stops the ones a test started in
its body when that test ends (however it ends), fixtures stop theirs in their
finalizers, ``stop_all`` runs when pytest exits, and the server process gets SIGTERM
from the kernel if pytest itself dies (Linux ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

_running: dict[int, Server] = {}
"""Servers started and not yet stopped, by process id."""


def running() -> list[Server]:
    """The servers started here that have not been stopped yet."""
    return list(_running.values())


def stop_all(servers: list[Server] | None = None) -> None:
    """Stop ``servers`` (default: every server still running)."""
    for server in running() if servers is None else servers:
        server.stop()


atexit.register(stop_all)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM this process when the test process that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


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
        """Stop the process (SIGKILL after 20 s) and wait for it; safe to call twice."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        finally:
            _running.pop(self.proc.pid, None)

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
    timeout: float = 300.0,  # generous: CI may share its two cores with other work
    ready: bool = True,
) -> Server:
    """Run ``wijknet serve`` on a free port and wait until it is ready (/readyz answers 200).

    With ``ready=False``, return as soon as /healthz answers (the server may still be
    loading). The process is killed when it does not get there within ``timeout`` s, and
    also when waiting is interrupted; stopping it afterwards is the caller's job (the
    ``servers`` fixture does it whatever the outcome of the test).
    """
    port = port or free_port()
    log = log_dir / f"serve-{port}-{time.monotonic_ns()}.log"
    # the per-minute budgets are for people, not for a test session that sends hundreds of
    # requests a minute from one address; tests of the budgets pass their own (tests/hostile)
    lifted = {f"WIJKNET_{k}_BUDGET": "1000000000" for k in ("COST", "MUTATION", "EXPENSIVE")}
    # nor may a test depend on speed: a request on a busy CI machine may take far longer
    # than the 10 s a person would wait (tests of the deadline set their own)
    lifted["WIJKNET_DEADLINE"] = "600"
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
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = Server(proc, port, log, identity_db)
    _running[proc.pid] = server
    url = f"http://127.0.0.1:{port}/{'readyz' if ready else 'healthz'}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"wijknet serve exited with {proc.returncode}:\n{server.output()}"
                )
            try:
                if httpx.get(url, timeout=5).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        try:
            where = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).text
        except httpx.HTTPError as exc:
            where = f"/healthz does not answer: {exc}"
        raise RuntimeError(
            f"wijknet serve was not ready within {timeout} s ({where}):\n{server.output()}"
        )
    except BaseException:
        server.kill9()
        raise


class Servers:
    """Starts ``wijknet serve`` processes and stops every one of them in :meth:`stop_all`."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Server] = []

    def start(self, store: str, **kwargs: Any) -> Server:
        server = start_server(store, self.log_dir, **kwargs)
        self.started.append(server)
        return server

    def stop_all(self) -> None:
        while self.started:
            self.started.pop().stop()
