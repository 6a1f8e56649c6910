"""The ``IntroductionStore`` port and its SQLite adapter.

Introductions live beside the accounts, not in the graph: they are private
correspondence between people (who asked whom, a message, an answer), never a fact
of the network that matching, the map, paths or exports may use. The SQLite adapter
keeps them in the account store's file (``wijknet.identity.db``), with the same
``secure_delete``, so an erasure's WAL truncation (``IdentityStore.scrub``) leaves
no bytes of them; the Neo4j adapter (:mod:`api.introductions.neo4j_store`) keeps them
as ``IdIntroduction`` nodes beside the ``IdAccount`` nodes.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from api.introductions.model import Introduction, IntroState
from api.sqlite_file import SqliteFile


@runtime_checkable
class IntroductionStore(Protocol):
    """Durable introductions, found by id or by any actor that takes part."""

    async def add(self, intro: Introduction) -> None: ...
    async def get(self, intro_id: str) -> Introduction | None: ...
    async def update(self, intro: Introduction) -> None:
        """Store the new ``state``, ``answered`` and ``declined_by`` of ``intro``."""
        ...

    async def of_actor(self, actor_id: str) -> list[Introduction]:
        """Every introduction the actor takes part in (sender, candidate or via),
        newest first."""
        ...

    async def delete_of_actor(self, actor_id: str) -> int:
        """Remove every introduction the actor takes part in (erasure); how many."""
        ...

    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS introductions (
    id TEXT PRIMARY KEY, initiative_id TEXT NOT NULL, sender_id TEXT NOT NULL,
    candidate_id TEXT NOT NULL, via_id TEXT, reasons_nl TEXT NOT NULL,
    reasons_en TEXT NOT NULL, message TEXT NOT NULL, state TEXT NOT NULL,
    created TEXT NOT NULL, answered TEXT, declined_by TEXT
);
CREATE INDEX IF NOT EXISTS introductions_sender ON introductions (sender_id);
CREATE INDEX IF NOT EXISTS introductions_candidate ON introductions (candidate_id);
CREATE INDEX IF NOT EXISTS introductions_via ON introductions (via_id);
"""
_COLUMNS = (
    "id, initiative_id, sender_id, candidate_id, via_id, reasons_nl, reasons_en, message, "
    "state, created, answered, declined_by"
)
_PARTY = "sender_id = ? OR candidate_id = ? OR via_id = ?"


def to_record(intro: Introduction) -> dict[str, Any]:
    """``intro`` as plain values (both adapters store these)."""
    return {
        "id": intro.id,
        "initiative_id": intro.initiative_id,
        "sender_id": intro.sender_id,
        "candidate_id": intro.candidate_id,
        "via_id": intro.via_id,
        "reasons_nl": json.dumps(list(intro.reasons_nl)),
        "reasons_en": json.dumps(list(intro.reasons_en)),
        "message": intro.message,
        "state": intro.state.value,
        "created": intro.created.isoformat(),
        "answered": intro.answered.isoformat() if intro.answered else None,
        "declined_by": intro.declined_by,
    }


def from_record(r: dict[str, Any]) -> Introduction:
    return Introduction(
        id=r["id"],
        initiative_id=r["initiative_id"],
        sender_id=r["sender_id"],
        candidate_id=r["candidate_id"],
        via_id=r.get("via_id"),
        reasons_nl=tuple(json.loads(r["reasons_nl"])),
        reasons_en=tuple(json.loads(r["reasons_en"])),
        message=r["message"],
        state=IntroState(r["state"]),
        created=datetime.fromisoformat(r["created"]),
        answered=datetime.fromisoformat(r["answered"]) if r.get("answered") else None,
        declined_by=r.get("declined_by"),
    )


def newest_first(found: list[Introduction]) -> list[Introduction]:
    return sorted(found, key=lambda i: (i.created, i.id), reverse=True)


class SqliteIntroductionStore(SqliteFile):
    """``IntroductionStore`` in the account store's SQLite file (its own connection)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, _SCHEMA, named_rows=True)

    @classmethod
    async def open(cls, path: str) -> SqliteIntroductionStore:
        return await asyncio.to_thread(cls, path)

    async def add(self, intro: Introduction) -> None:
        row = to_record(intro)
        marks = ", ".join(f":{c.strip()}" for c in _COLUMNS.split(","))
        sql = f"INSERT INTO introductions ({_COLUMNS}) VALUES ({marks})"
        await self._run(lambda c: c.execute(sql, row))

    async def get(self, intro_id: str) -> Introduction | None:
        def work(conn: sqlite3.Connection) -> Introduction | None:
            sql = f"SELECT {_COLUMNS} FROM introductions WHERE id = ?"
            row = conn.execute(sql, (intro_id,)).fetchone()
            return from_record(dict(row)) if row else None

        return await self._run(work)

    async def update(self, intro: Introduction) -> None:
        row = to_record(intro)
        sql = (
            "UPDATE introductions SET state = :state, answered = :answered, "
            "declined_by = :declined_by WHERE id = :id"
        )
        await self._run(lambda c: c.execute(sql, row))

    async def of_actor(self, actor_id: str) -> list[Introduction]:
        def work(conn: sqlite3.Connection) -> list[Introduction]:
            sql = f"SELECT {_COLUMNS} FROM introductions WHERE {_PARTY}"
            rows = conn.execute(sql, (actor_id, actor_id, actor_id)).fetchall()
            return newest_first([from_record(dict(r)) for r in rows])

        return await self._run(work)

    async def delete_of_actor(self, actor_id: str) -> int:
        def work(conn: sqlite3.Connection) -> int:
            sql = f"DELETE FROM introductions WHERE {_PARTY}"
            return conn.execute(sql, (actor_id, actor_id, actor_id)).rowcount

        return await self._run(work)

    async def close(self) -> None:
        def work() -> None:
            with self._lock:
                self._conn.close()

        await asyncio.to_thread(work)
