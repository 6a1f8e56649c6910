"""One SQLite file opened the way wijknet keeps personal data: WAL, ``synchronous=FULL``,
``secure_delete`` (erased values leave no bytes behind), one connection behind a lock,
every piece of work in its own ``BEGIN IMMEDIATE`` transaction on a worker thread.

The account store and the introduction store (which shares the account store's file)
both build on it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class SqliteFile:
    def __init__(self, path: str, schema: str, *, named_rows: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.executescript(schema)
        if named_rows:
            conn.row_factory = sqlite3.Row
        self._conn = conn

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._conn)
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
                return result

        return await asyncio.to_thread(locked)

    def version(self) -> tuple[int, int] | None:
        """What changes whenever the file's data does: SQLite's ``data_version`` (bumped by
        every commit of another connection, in this process or another, such as a CLI
        ``wijknet grant``) and this connection's own ``total_changes``. None when the
        connection is busy on a worker thread (the caller must then assume a change):
        this never waits, so it may be called on the event loop."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            (data_version,) = self._conn.execute("PRAGMA data_version").fetchone()
            return int(data_version), self._conn.total_changes
        except sqlite3.Error:
            return None
        finally:
            self._lock.release()
