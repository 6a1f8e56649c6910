"""The ``IdentityStore`` port and its SQLite adapter.

Both deployments keep identity in SQLite: beside the embedded store's file
(``wijknet.db`` -> ``wijknet.identity.db``) and, for Neo4j, in the file that
``WIJKNET_IDENTITY_DB`` names (see the README for why). The file runs with
``secure_delete`` so that a deleted row leaves no bytes behind, and
:meth:`SqliteIdentityStore.scrub` truncates the WAL after an erasure.
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from api.identity.model import (
    Account,
    ApiToken,
    AuditEntry,
    CodePurpose,
    Grant,
    GrantKind,
    Session,
    now,
)
from api.sqlite_file import SqliteFile


class IdentityError(Exception):
    """Identity could not do what was asked; the message says why (safe to show)."""


class EmailTaken(IdentityError):
    pass


@runtime_checkable
class IdentityStore(Protocol):
    """Durable accounts, grants, sessions, tokens, one-time codes and the audit log."""

    async def add_account(self, account: Account) -> None: ...
    async def account(self, account_id: str) -> Account | None: ...
    async def account_by_email(self, email: str) -> Account | None: ...
    async def account_by_actor(self, actor_id: str) -> Account | None: ...
    async def accounts(self) -> list[Account]: ...
    async def update_account(self, account_id: str, **values: Any) -> None: ...
    async def delete_account(self, account_id: str) -> None: ...
    async def set_grant(self, account_id: str, grant: Grant, *, on: bool = True) -> None: ...

    async def add_session(self, session: Session) -> None: ...
    async def session(self, digest: str) -> Session | None: ...
    async def sessions(self, account_id: str) -> list[Session]: ...
    async def delete_session(self, digest: str) -> None: ...

    async def add_token(self, token: ApiToken) -> None: ...
    async def token(self, digest: str) -> ApiToken | None: ...
    async def tokens(self, account_id: str) -> list[ApiToken]: ...
    async def touch_token(self, token_id: str, at: datetime) -> None: ...
    async def delete_token(self, token_id: str) -> None: ...

    async def add_code(
        self, digest: str, account_id: str, purpose: CodePurpose, expires: datetime
    ) -> None: ...
    async def take_code(self, digest: str, purpose: CodePurpose) -> str | None: ...

    async def link_oidc(self, issuer: str, subject: str, account_id: str) -> None: ...
    async def account_by_oidc(self, issuer: str, subject: str) -> str | None: ...

    async def audit(self, entry: AuditEntry) -> None: ...
    async def audit_log(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]: ...
    async def redact_audit(self, ids: Sequence[str], strings: Sequence[str]) -> int: ...

    async def hit(self, key: str, limit: int, window: float) -> bool:
        """Count one attempt against ``key``: False (and not counted) when ``limit``
        attempts already fall within the last ``window`` seconds.

        The counters live in the store, so every API worker that shares it shares them.
        """
        ...

    async def secret_key(self) -> str:
        """The key that signs session cookies: made once, then kept."""
        ...

    async def scrub(self) -> None:
        """Make deleted data unrecoverable from the files (after an erasure)."""
        ...

    async def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
    verified INTEGER NOT NULL, disabled INTEGER NOT NULL, actor_id TEXT, name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_actor ON accounts (actor_id);
CREATE TABLE IF NOT EXISTS grants (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (account_id, kind, target)
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL, user_agent TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL, last_used TEXT
);
CREATE TABLE IF NOT EXISTS codes (
    digest TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL, expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oidc_links (
    issuer TEXT NOT NULL, subject TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (issuer, subject)
);
CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL, until REAL NOT NULL);
CREATE INDEX IF NOT EXISTS hits_key ON hits (key, at);
CREATE INDEX IF NOT EXISTS hits_until ON hits (until);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, account_id TEXT, actor_id TEXT,
    action TEXT NOT NULL, target TEXT NOT NULL, details TEXT NOT NULL
);
"""
_ACCOUNT_COLUMNS = ("email", "password_hash", "verified", "disabled", "actor_id", "name")
REDACTED = "[erased]"


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


class SqliteIdentityStore(SqliteFile):
    """``IdentityStore`` in one SQLite file (WAL, ``synchronous=FULL``, ``secure_delete``)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, _SCHEMA)

    @classmethod
    async def open(cls, path: str) -> SqliteIdentityStore:
        return await asyncio.to_thread(cls, path)

    # --- accounts -------------------------------------------------------------------

    def _account_row(self, conn: sqlite3.Connection, row: tuple[Any, ...] | None) -> Account | None:
        if row is None:
            return None
        grants = tuple(
            Grant(GrantKind(k), t)
            for k, t in conn.execute(
                "SELECT kind, target FROM grants WHERE account_id = ? ORDER BY kind, target",
                (row[0],),
            )
        )
        return Account(
            id=row[0],
            email=row[1],
            password_hash=row[2],
            verified=bool(row[3]),
            disabled=bool(row[4]),
            actor_id=row[5],
            name=row[6],
            created=datetime.fromisoformat(row[7]),
            grants=grants,
        )

    async def add_account(self, account: Account) -> None:
        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(
                    "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        account.id,
                        account.email,
                        account.password_hash,
                        int(account.verified),
                        int(account.disabled),
                        account.actor_id,
                        account.name,
                        _ts(account.created),
                    ),
                )
            except sqlite3.IntegrityError:
                raise EmailTaken("an account with that e-mail address exists") from None
            conn.executemany(
                "INSERT INTO grants VALUES (?, ?, ?)",
                [(account.id, g.kind.value, g.target) for g in account.grants],
            )

        await self._run(work)

    async def _one(self, where: str, value: str) -> Account | None:
        def work(conn: sqlite3.Connection) -> Account | None:
            row = conn.execute(f"SELECT * FROM accounts WHERE {where} = ?", (value,)).fetchone()
            return self._account_row(conn, row)

        return await self._run(work)

    async def account(self, account_id: str) -> Account | None:
        return await self._one("id", account_id)

    async def account_by_email(self, email: str) -> Account | None:
        return await self._one("email", email)

    async def account_by_actor(self, actor_id: str) -> Account | None:
        return await self._one("actor_id", actor_id)

    async def accounts(self) -> list[Account]:
        def work(conn: sqlite3.Connection) -> list[Account]:
            rows = conn.execute("SELECT * FROM accounts ORDER BY email").fetchall()
            return [a for r in rows if (a := self._account_row(conn, r)) is not None]

        return await self._run(work)

    async def update_account(self, account_id: str, **values: Any) -> None:
        unknown = set(values) - set(_ACCOUNT_COLUMNS)
        if unknown:
            raise ValueError(f"not account fields: {sorted(unknown)}")
        if not values:
            return
        cols = ", ".join(f"{k} = ?" for k in values)
        params = [int(v) if isinstance(v, bool) else v for v in values.values()]

        def work(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(f"UPDATE accounts SET {cols} WHERE id = ?", (*params, account_id))
            except sqlite3.IntegrityError:
                raise EmailTaken("an account with that e-mail address exists") from None

        await self._run(work)

    async def delete_account(self, account_id: str) -> None:
        await self._run(lambda c: c.execute("DELETE FROM accounts WHERE id = ?", (account_id,)))

    async def set_grant(self, account_id: str, grant: Grant, *, on: bool = True) -> None:
        sql = (
            "INSERT OR IGNORE INTO grants VALUES (?, ?, ?)"
            if on
            else "DELETE FROM grants WHERE account_id = ? AND kind = ? AND target = ?"
        )
        await self._run(lambda c: c.execute(sql, (account_id, grant.kind.value, grant.target)))

    # --- sessions -------------------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        s = session
        row = (s.digest, s.account_id, s.csrf, _ts(s.created), _ts(s.expires), s.user_agent)
        await self._run(lambda c: c.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)", row))

    @staticmethod
    def _session(row: tuple[Any, ...]) -> Session:
        return Session(
            digest=row[0],
            account_id=row[1],
            csrf=row[2],
            created=datetime.fromisoformat(row[3]),
            expires=datetime.fromisoformat(row[4]),
            user_agent=row[5],
        )

    async def session(self, digest: str) -> Session | None:
        def work(conn: sqlite3.Connection) -> Session | None:
            row = conn.execute("SELECT * FROM sessions WHERE digest = ?", (digest,)).fetchone()
            return self._session(row) if row else None

        return await self._run(work)

    async def sessions(self, account_id: str) -> list[Session]:
        def work(conn: sqlite3.Connection) -> list[Session]:
            sql = "SELECT * FROM sessions WHERE account_id = ? ORDER BY created"
            return [self._session(r) for r in conn.execute(sql, (account_id,))]

        return await self._run(work)

    async def delete_session(self, digest: str) -> None:
        await self._run(lambda c: c.execute("DELETE FROM sessions WHERE digest = ?", (digest,)))

    # --- API tokens -----------------------------------------------------------------

    async def add_token(self, token: ApiToken) -> None:
        t = token
        row = (t.id, t.digest, t.account_id, t.name, _ts(t.created), _ts(t.expires), None)
        await self._run(lambda c: c.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)", row))

    @staticmethod
    def _token(row: tuple[Any, ...]) -> ApiToken:
        return ApiToken(
            id=row[0],
            digest=row[1],
            account_id=row[2],
            name=row[3],
            created=datetime.fromisoformat(row[4]),
            expires=datetime.fromisoformat(row[5]),
            last_used=_dt(row[6]),
        )

    async def token(self, digest: str) -> ApiToken | None:
        def work(conn: sqlite3.Connection) -> ApiToken | None:
            row = conn.execute("SELECT * FROM tokens WHERE digest = ?", (digest,)).fetchone()
            return self._token(row) if row else None

        return await self._run(work)

    async def tokens(self, account_id: str) -> list[ApiToken]:
        def work(conn: sqlite3.Connection) -> list[ApiToken]:
            sql = "SELECT * FROM tokens WHERE account_id = ? ORDER BY created, id"
            return [self._token(r) for r in conn.execute(sql, (account_id,))]

        return await self._run(work)

    async def touch_token(self, token_id: str, at: datetime) -> None:
        sql = "UPDATE tokens SET last_used = ? WHERE id = ?"
        await self._run(lambda c: c.execute(sql, (_ts(at), token_id)))

    async def delete_token(self, token_id: str) -> None:
        await self._run(lambda c: c.execute("DELETE FROM tokens WHERE id = ?", (token_id,)))

    # --- one-time codes (e-mail verification, password reset) -----------------------

    async def add_code(
        self, digest: str, account_id: str, purpose: CodePurpose, expires: datetime
    ) -> None:
        row = (digest, account_id, purpose.value, _ts(expires))
        await self._run(lambda c: c.execute("INSERT INTO codes VALUES (?, ?, ?, ?)", row))

    async def take_code(self, digest: str, purpose: CodePurpose) -> str | None:
        """The account a valid code belongs to; a code works once."""

        def work(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT account_id, expires FROM codes WHERE digest = ? AND purpose = ?",
                (digest, purpose.value),
            ).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM codes WHERE digest = ?", (digest,))
            conn.execute("DELETE FROM codes WHERE expires < ?", (_ts(now()),))
            return str(row[0]) if datetime.fromisoformat(row[1]) > now() else None

        return await self._run(work)

    # --- OIDC links -----------------------------------------------------------------

    async def link_oidc(self, issuer: str, subject: str, account_id: str) -> None:
        sql = "INSERT OR REPLACE INTO oidc_links VALUES (?, ?, ?)"
        await self._run(lambda c: c.execute(sql, (issuer, subject, account_id)))

    async def account_by_oidc(self, issuer: str, subject: str) -> str | None:
        def work(conn: sqlite3.Connection) -> str | None:
            row = conn.execute(
                "SELECT account_id FROM oidc_links WHERE issuer = ? AND subject = ?",
                (issuer, subject),
            ).fetchone()
            return str(row[0]) if row else None

        return await self._run(work)

    # --- audit log ------------------------------------------------------------------

    async def audit(self, entry: AuditEntry) -> None:
        e = entry
        row = (_ts(e.at), e.account_id, e.actor_id, e.action, e.target, e.details)
        sql = "INSERT INTO audit (at, account_id, actor_id, action, target, details) "
        await self._run(lambda c: c.execute(sql + "VALUES (?, ?, ?, ?, ?, ?)", row))

    async def audit_log(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        def work(conn: sqlite3.Connection) -> list[AuditEntry]:
            rows = conn.execute(
                "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            )
            return [
                AuditEntry(
                    seq=r[0],
                    at=datetime.fromisoformat(r[1]),
                    account_id=r[2],
                    actor_id=r[3],
                    action=r[4],
                    target=r[5],
                    details=r[6],
                )
                for r in rows
            ]

        return await self._run(work)

    async def redact_audit(self, ids: Sequence[str], strings: Sequence[str]) -> int:
        """Blank the values of entries that name an erased person's ids or strings.

        The entry stays (something changed, then), but who and what become
        ``[erased]``: all of target and details in the person's own entries, and
        in others' entries the parts that name them. Returns how many were touched.
        """
        needles = [s for s in (*ids, *strings) if s]

        def work(conn: sqlite3.Connection) -> int:
            touched = 0
            for seq, account_id, actor_id, target, details in conn.execute(
                "SELECT seq, account_id, actor_id, target, details FROM audit"
            ).fetchall():
                fields = [account_id or "", actor_id or "", target, details]
                if not any(n in f for n in needles for f in fields):
                    continue
                by_person = account_id in ids or actor_id in ids  # all of it is theirs
                conn.execute(
                    "UPDATE audit SET account_id = ?, actor_id = ?, target = ?, details = ? "
                    "WHERE seq = ?",
                    (
                        REDACTED if account_id in ids else account_id,
                        REDACTED if actor_id in ids else actor_id,
                        REDACTED if by_person or any(n in target for n in needles) else target,
                        f'"{REDACTED}"'
                        if by_person or any(n in details for n in needles)
                        else details,
                        seq,
                    ),
                )
                touched += 1
            return touched

        return await self._run(work)

    # --- rate limits (shared by every process that opens the file) ---------------------

    async def hit(self, key: str, limit: int, window: float) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            at = time.time()
            conn.execute("DELETE FROM hits WHERE until < ?", (at,))
            (recent,) = conn.execute(
                "SELECT count(*) FROM hits WHERE key = ? AND at > ?", (key, at - window)
            ).fetchone()
            if recent >= limit:
                return False
            conn.execute("INSERT INTO hits VALUES (?, ?, ?)", (key, at, at + window))
            return True

        return await self._run(work)

    async def secret_key(self) -> str:
        def work(conn: sqlite3.Connection) -> str:
            fresh = secrets.token_hex(32)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('secret_key', ?)", (fresh,))
            row = conn.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()
            return str(row[0])

        return await self._run(work)

    async def scrub(self) -> None:
        def work() -> None:
            with self._lock:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        await asyncio.to_thread(work)

    async def close(self) -> None:
        def work() -> None:
            with self._lock:
                self._conn.close()

        await asyncio.to_thread(work)
