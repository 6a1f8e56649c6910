"""``wijknet serve --workers N`` on the embedded store: N processes, one socket, one file.

The parent process takes the store's lock (``<store>.lock``: any other program that
opens the file for writing is told this process holds it), seeds an empty store, binds
the listening socket and forks the workers. Each worker inherits the lock and the
socket, opens the store as a member of the group (``EmbeddedStore.open(group_lock=)``),
keeps the graph and the matching index in its own memory and serves requests; before
each request it applies what the other workers committed (``EmbeddedStore.catch_up``).

The parent restarts a worker that dies (``kill -9``) once it had been ready, and stops
the group on SIGTERM or Ctrl-C: every worker but one first, then the last, which writes
the snapshots (the last member out, ``EmbeddedStore.last_member``). A worker that
fails while starting stops the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import mmap
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from api.settings import Settings
from graph.embedded import take_lock
from graph.errors import StoreUnavailable

log = logging.getLogger("wijknet")


@dataclass(slots=True)
class Worker:
    """One worker of a serve group: which one, and the group's lock and readiness."""

    rank: int
    count: int
    lock: int  # the descriptor of <store>.lock the parent holds (inherited)
    _ready: mmap.mmap  # shared by the group: per worker, whether it is ready now, and
    # (after those) whether it was ready since it was started

    def mark_ready(self, ready: bool) -> None:
        self._ready[self.rank] = 1 if ready else 0
        if ready:
            self._ready[self.count + self.rank] = 1

    def all_ready(self) -> bool:
        return all(self._ready[i] for i in range(self.count))

    def ready_count(self) -> int:
        return sum(1 for i in range(self.count) if self._ready[i])


def serve_group(
    settings: Settings,
    run_worker: Callable[[Worker, socket.socket], int],
) -> int:
    """Run ``settings.workers`` workers of the embedded store on one socket; returns the
    exit code. ``run_worker(worker, sock)`` serves in a forked child until it is told
    to stop, and returns that child's exit code."""
    count = settings.workers
    lock = take_lock(settings.store)
    try:
        asyncio.run(_seed_if_empty(settings, lock))
        sock = _bind(settings.host, settings.port)
    except BaseException:
        os.close(lock)
        raise
    ready = mmap.mmap(-1, 2 * count)
    parent = os.getpid()
    children: dict[int, int] = {}  # pid -> rank

    def start(rank: int) -> None:
        ready[rank] = ready[count + rank] = 0
        # no stop signal between the fork and knowing the child's pid
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for signum in _STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                _die_with(parent)
                code = run_worker(Worker(rank, count, lock, ready), sock)
            except BaseException as exc:  # report and leave, never return into the parent's code
                print(f"wijknet worker {rank}: {exc}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = rank
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    for signum in _STOP_SIGNALS:
        signal.signal(signum, stop)
    failed = False
    try:
        for rank in range(count):
            start(rank)
        while children:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            rank = children.pop(pid, -1)
            if rank < 0:
                continue
            if ready[count + rank]:  # it had been ready: restart it
                print(
                    f"wijknet worker {rank} (pid {pid}) ended ({_how(status)}): restarting it",
                    file=sys.stderr,
                )
                start(rank)
            else:
                print(f"wijknet worker {rank} could not start ({_how(status)})", file=sys.stderr)
                failed = True
                break
    except _Stop:
        pass
    finally:
        for signum in _STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)
        _stop_all(children)
        os.close(lock)
        sock.close()
    return 1 if failed else 0


_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


class _Stop(Exception):
    """SIGTERM or Ctrl-C reached the parent of a serve group."""


def _stop_all(children: dict[int, int]) -> None:
    """SIGTERM every worker but the lowest-ranked and wait for them; then that one, which
    is then the last member out and writes the snapshots."""
    if not children:
        return
    last = min(children, key=children.__getitem__)
    for group in ([p for p in children if p != last], [last]):
        for pid in group:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in group:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    children.clear()


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StoreUnavailable(f"cannot listen on {host}:{port}: {exc}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with(parent: int) -> None:
    """Ask Linux to SIGTERM this worker when the parent dies (so the file's lock, which
    the workers share with it, is not kept by orphans); leave if it is gone already."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


async def _seed_if_empty(settings: Settings, lock: int) -> None:
    """Seed an empty store before the workers start (one process seeds, not N)."""
    if not settings.seed_actors:
        return
    from api.stores import open_store
    from seed_data import seed_store

    # (with ``snapshot`` a lazy open reads no ids: only whether there is a first row)
    store = await open_store(settings, for_import=True, snapshot=True, group_lock=lock)
    try:
        if await store.is_empty():
            log.info("empty store: seeding %d synthetic actors", settings.seed_actors)
            await seed_store(store, actors=settings.seed_actors, seed=settings.seed)
    finally:
        await store.close()
