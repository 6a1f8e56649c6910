"""``IdentityStore`` in Neo4j, for deployments whose graph lives there.

Several API workers behind a load balancer must share sessions, tokens, rate of
revocation and the audit log; keeping them in the same Neo4j database as the
graph (labels ``IdAccount``, ``IdSession``, ``IdToken``, ``IdCode``, ``IdOidc``,
``IdAudit``, ``IdMeta``; never ``Node``, so the graph's queries never see them)
gives every worker the same view with nothing else to run. All Cypher of this
adapter is in the constants below, parameterised.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, LiteralString

import neo4j
from neo4j.exceptions import ConstraintError, Neo4jError, ServiceUnavailable

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
from api.identity.store import REDACTED, EmailTaken, IdentityError

_SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT wijknet_id_account IF NOT EXISTS FOR (a:IdAccount) REQUIRE a.id IS UNIQUE",
    "CREATE CONSTRAINT wijknet_id_email IF NOT EXISTS FOR (a:IdAccount) REQUIRE a.email IS UNIQUE",
    "CREATE INDEX wijknet_id_actor IF NOT EXISTS FOR (a:IdAccount) ON (a.actor_id)",
    "CREATE CONSTRAINT wijknet_id_session IF NOT EXISTS "
    "FOR (s:IdSession) REQUIRE s.digest IS UNIQUE",
    "CREATE INDEX wijknet_id_session_account IF NOT EXISTS FOR (s:IdSession) ON (s.account_id)",
    "CREATE INDEX wijknet_id_token_account IF NOT EXISTS FOR (t:IdToken) ON (t.account_id)",
    "CREATE CONSTRAINT wijknet_id_token IF NOT EXISTS FOR (t:IdToken) REQUIRE t.digest IS UNIQUE",
    "CREATE INDEX wijknet_id_token_id IF NOT EXISTS FOR (t:IdToken) ON (t.id)",
    "CREATE CONSTRAINT wijknet_id_code IF NOT EXISTS FOR (c:IdCode) REQUIRE c.digest IS UNIQUE",
    "CREATE INDEX wijknet_id_oidc IF NOT EXISTS FOR (o:IdOidc) ON (o.issuer, o.subject)",
    "CREATE INDEX wijknet_id_audit IF NOT EXISTS FOR (e:IdAudit) ON (e.seq)",
    "CREATE CONSTRAINT wijknet_id_rate IF NOT EXISTS FOR (r:IdRate) REQUIRE r.key IS UNIQUE",
    "CREATE INDEX wijknet_id_rate_until IF NOT EXISTS FOR (r:IdRate) ON (r.until)",
)
_ADD_ACCOUNT: Final = (
    "CREATE (a:IdAccount {id: $id, email: $email, password_hash: $password_hash, "
    "verified: $verified, disabled: $disabled, actor_id: $actor_id, name: $name, "
    "created: $created, grants: $grants})"
)
_ACCOUNT_BY: Final[dict[str, LiteralString]] = {
    "id": "MATCH (a:IdAccount {id: $value}) RETURN a",
    "email": "MATCH (a:IdAccount {email: $value}) RETURN a",
    "actor_id": "MATCH (a:IdAccount {actor_id: $value}) RETURN a",
}
_ACCOUNTS: Final = "MATCH (a:IdAccount) RETURN a ORDER BY a.email"
_UPDATE_ACCOUNT: Final = "MATCH (a:IdAccount {id: $id}) SET a += $values"
_DELETE_ACCOUNT: Final[tuple[LiteralString, ...]] = (
    "MATCH (x:IdSession {account_id: $id}) DELETE x",
    "MATCH (x:IdToken {account_id: $id}) DELETE x",
    "MATCH (x:IdCode {account_id: $id}) DELETE x",
    "MATCH (x:IdOidc {account_id: $id}) DELETE x",
    "MATCH (a:IdAccount {id: $id}) DELETE a",
)
_GRANT_ON: Final = (
    "MATCH (a:IdAccount {id: $id}) "
    "SET a.grants = CASE WHEN $g IN a.grants THEN a.grants ELSE a.grants + $g END"
)
_GRANT_OFF: Final = "MATCH (a:IdAccount {id: $id}) SET a.grants = [g IN a.grants WHERE g <> $g]"
_ADD_SESSION: Final = "CREATE (s:IdSession) SET s = $props"
_SESSION: Final = "MATCH (s:IdSession {digest: $digest}) RETURN s"
_SESSIONS: Final = "MATCH (s:IdSession {account_id: $id}) RETURN s ORDER BY s.created"
_DELETE_SESSION: Final = "MATCH (s:IdSession {digest: $digest}) DELETE s"
_ADD_TOKEN: Final = "CREATE (t:IdToken) SET t = $props"
_TOKEN: Final = "MATCH (t:IdToken {digest: $digest}) RETURN t"
_TOKENS: Final = "MATCH (t:IdToken {account_id: $id}) RETURN t ORDER BY t.created, t.id"
_TOUCH_TOKEN: Final = "MATCH (t:IdToken {id: $id}) SET t.last_used = $at"
_DELETE_TOKEN: Final = "MATCH (t:IdToken {id: $id}) DELETE t"
_ADD_CODE: Final = "CREATE (c:IdCode) SET c = $props"
_TAKE_CODE: Final = (
    "MATCH (c:IdCode {digest: $digest, purpose: $purpose}) "
    "WITH c, c.account_id AS account_id, c.expires AS expires DELETE c "
    "RETURN account_id, expires"
)
_DROP_OLD_CODES: Final = "MATCH (c:IdCode) WHERE c.expires < $now DELETE c"
_LINK_OIDC: Final = (
    "MERGE (o:IdOidc {issuer: $issuer, subject: $subject}) SET o.account_id = $account_id"
)
_OIDC: Final = "MATCH (o:IdOidc {issuer: $issuer, subject: $subject}) RETURN o.account_id AS id"
_AUDIT: Final = (
    "MERGE (m:IdMeta {key: 'audit_seq'}) ON CREATE SET m.value = 0 "
    "SET m.value = m.value + 1 "
    "CREATE (e:IdAudit) SET e = $props, e.seq = m.value"
)
_AUDIT_LOG: Final = "MATCH (e:IdAudit) WHERE e.seq > $after RETURN e ORDER BY e.seq LIMIT $limit"
_ALL_AUDIT: Final = "MATCH (e:IdAudit) RETURN e"
_SET_AUDIT: Final = "MATCH (e:IdAudit {seq: $seq}) SET e += $values"
# One counter node per key; setting a property first takes its write lock, so workers
# that hit the same key at once count one after the other.
_HIT: Final = (
    "MERGE (r:IdRate {key: $key}) SET r.locked = true "
    "WITH r, [t IN coalesce(r.hits, []) WHERE t > $since] AS recent "
    "SET r.hits = CASE WHEN size(recent) < $limit THEN recent + $at ELSE recent END, "
    "r.until = $until REMOVE r.locked "
    "RETURN size(recent) < $limit AS ok"
)
_DROP_OLD_HITS: Final = "MATCH (r:IdRate) WHERE r.until < $at WITH r LIMIT 1000 DELETE r"
_SECRET: Final = (
    "MERGE (m:IdMeta {key: 'secret_key'}) ON CREATE SET m.value = $fresh RETURN m.value AS v"
)


def _grant_key(grant: Grant) -> str:
    return f"{grant.kind.value}:{grant.target}"


def _account(node: Any) -> Account:
    grants = []
    for raw in sorted(node.get("grants") or []):
        kind, _, target = str(raw).partition(":")
        grants.append(Grant(GrantKind(kind), target))
    return Account(
        id=node["id"],
        email=node["email"],
        password_hash=node["password_hash"],
        verified=bool(node["verified"]),
        disabled=bool(node["disabled"]),
        actor_id=node.get("actor_id"),
        name=node.get("name") or "",
        created=datetime.fromisoformat(node["created"]),
        grants=tuple(grants),
    )


def _session(node: Any) -> Session:
    return Session(
        digest=node["digest"],
        account_id=node["account_id"],
        csrf=node["csrf"],
        created=datetime.fromisoformat(node["created"]),
        expires=datetime.fromisoformat(node["expires"]),
        user_agent=node.get("user_agent") or "",
    )


def _token(node: Any) -> ApiToken:
    last = node.get("last_used")
    return ApiToken(
        id=node["id"],
        account_id=node["account_id"],
        name=node["name"],
        digest=node["digest"],
        created=datetime.fromisoformat(node["created"]),
        expires=datetime.fromisoformat(node["expires"]),
        last_used=datetime.fromisoformat(last) if last else None,
    )


class Neo4jIdentityStore:
    """``IdentityStore`` over the official async driver (its own connection pool)."""

    def __init__(self, driver: neo4j.AsyncDriver, database: str) -> None:
        self._driver = driver
        self._db = database

    @property
    def driver(self) -> neo4j.AsyncDriver:
        """The connection pool, shared with the introductions kept beside the accounts."""
        return self._driver

    @classmethod
    async def open(
        cls, uri: str, *, user: str, password: str, database: str = "neo4j"
    ) -> Neo4jIdentityStore:
        # fail fast like the graph store: an outage is an answer within seconds, not a hang
        driver = neo4j.AsyncGraphDatabase.driver(
            uri,
            auth=(user, password),
            max_transaction_retry_time=5,
            connection_timeout=5,
            connection_acquisition_timeout=10,
        )
        store = cls(driver, database)
        try:
            for statement in _SCHEMA:
                await store._q(statement)
        except BaseException:
            await driver.close()
            raise
        return store

    async def _q(
        self, query: LiteralString, *, write: bool = True, **params: Any
    ) -> list[neo4j.Record]:
        try:
            records, _, _ = await self._driver.execute_query(
                query,
                params,
                database_=self._db,
                routing_=neo4j.RoutingControl.WRITE if write else neo4j.RoutingControl.READ,
            )
        except ConstraintError:
            raise
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            raise IdentityError(f"the account store is unavailable: {exc}") from exc
        return list(records)

    # --- accounts -------------------------------------------------------------------

    async def add_account(self, account: Account) -> None:
        try:
            await self._q(
                _ADD_ACCOUNT,
                id=account.id,
                email=account.email,
                password_hash=account.password_hash,
                verified=account.verified,
                disabled=account.disabled,
                actor_id=account.actor_id,
                name=account.name,
                created=account.created.isoformat(),
                grants=[_grant_key(g) for g in account.grants],
            )
        except ConstraintError:
            raise EmailTaken("an account with that e-mail address exists") from None

    async def _one(self, by: str, value: str) -> Account | None:
        rows = await self._q(_ACCOUNT_BY[by], write=False, value=value)
        return _account(rows[0]["a"]) if rows else None

    async def account(self, account_id: str) -> Account | None:
        return await self._one("id", account_id)

    async def account_by_email(self, email: str) -> Account | None:
        return await self._one("email", email)

    async def account_by_actor(self, actor_id: str) -> Account | None:
        return await self._one("actor_id", actor_id)

    async def accounts(self) -> list[Account]:
        return [_account(r["a"]) for r in await self._q(_ACCOUNTS, write=False)]

    async def update_account(self, account_id: str, **values: Any) -> None:
        allowed = {"email", "password_hash", "verified", "disabled", "actor_id", "name"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not account fields: {sorted(unknown)}")
        try:
            await self._q(_UPDATE_ACCOUNT, id=account_id, values=values)
        except ConstraintError:
            raise EmailTaken("an account with that e-mail address exists") from None

    async def delete_account(self, account_id: str) -> None:
        async def work(tx: neo4j.AsyncManagedTransaction) -> None:
            for statement in _DELETE_ACCOUNT:
                await (await tx.run(statement, id=account_id)).consume()

        try:
            async with self._driver.session(database=self._db) as session:
                await session.execute_write(work)
        except (Neo4jError, ServiceUnavailable, OSError) as exc:
            raise IdentityError(f"the account store is unavailable: {exc}") from exc

    async def set_grant(self, account_id: str, grant: Grant, *, on: bool = True) -> None:
        await self._q(_GRANT_ON if on else _GRANT_OFF, id=account_id, g=_grant_key(grant))

    # --- sessions and tokens --------------------------------------------------------

    async def add_session(self, session: Session) -> None:
        props = {
            "digest": session.digest,
            "account_id": session.account_id,
            "csrf": session.csrf,
            "created": session.created.isoformat(),
            "expires": session.expires.isoformat(),
            "user_agent": session.user_agent,
        }
        await self._q(_ADD_SESSION, props=props)

    async def session(self, digest: str) -> Session | None:
        rows = await self._q(_SESSION, write=False, digest=digest)
        return _session(rows[0]["s"]) if rows else None

    async def sessions(self, account_id: str) -> list[Session]:
        return [_session(r["s"]) for r in await self._q(_SESSIONS, write=False, id=account_id)]

    async def delete_session(self, digest: str) -> None:
        await self._q(_DELETE_SESSION, digest=digest)

    async def add_token(self, token: ApiToken) -> None:
        props = {
            "id": token.id,
            "digest": token.digest,
            "account_id": token.account_id,
            "name": token.name,
            "created": token.created.isoformat(),
            "expires": token.expires.isoformat(),
        }
        await self._q(_ADD_TOKEN, props=props)

    async def token(self, digest: str) -> ApiToken | None:
        rows = await self._q(_TOKEN, write=False, digest=digest)
        return _token(rows[0]["t"]) if rows else None

    async def tokens(self, account_id: str) -> list[ApiToken]:
        return [_token(r["t"]) for r in await self._q(_TOKENS, write=False, id=account_id)]

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self._q(_TOUCH_TOKEN, id=token_id, at=at.isoformat())

    async def delete_token(self, token_id: str) -> None:
        await self._q(_DELETE_TOKEN, id=token_id)

    # --- codes, OIDC links ----------------------------------------------------------

    async def add_code(
        self, digest: str, account_id: str, purpose: CodePurpose, expires: datetime
    ) -> None:
        props = {
            "digest": digest,
            "account_id": account_id,
            "purpose": purpose.value,
            "expires": expires.isoformat(),
        }
        await self._q(_ADD_CODE, props=props)

    async def take_code(self, digest: str, purpose: CodePurpose) -> str | None:
        rows = await self._q(_TAKE_CODE, digest=digest, purpose=purpose.value)
        await self._q(_DROP_OLD_CODES, now=now().isoformat())
        if not rows or datetime.fromisoformat(rows[0]["expires"]) <= now():
            return None
        return str(rows[0]["account_id"])

    async def link_oidc(self, issuer: str, subject: str, account_id: str) -> None:
        await self._q(_LINK_OIDC, issuer=issuer, subject=subject, account_id=account_id)

    async def account_by_oidc(self, issuer: str, subject: str) -> str | None:
        rows = await self._q(_OIDC, write=False, issuer=issuer, subject=subject)
        return str(rows[0]["id"]) if rows else None

    # --- audit ----------------------------------------------------------------------

    async def audit(self, entry: AuditEntry) -> None:
        props = {
            "at": entry.at.isoformat(),
            "account_id": entry.account_id,
            "actor_id": entry.actor_id,
            "action": entry.action,
            "target": entry.target,
            "details": entry.details,
        }
        await self._q(_AUDIT, props=props)

    async def audit_log(self, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        rows = await self._q(_AUDIT_LOG, write=False, after=after, limit=limit)
        return [
            AuditEntry(
                seq=int(r["e"]["seq"]),
                at=datetime.fromisoformat(r["e"]["at"]),
                account_id=r["e"].get("account_id"),
                actor_id=r["e"].get("actor_id"),
                action=r["e"]["action"],
                target=r["e"]["target"],
                details=r["e"]["details"],
            )
            for r in rows
        ]

    async def redact_audit(self, ids: Sequence[str], strings: Sequence[str]) -> int:
        needles = [s for s in (*ids, *strings) if s]
        touched = 0
        for row in await self._q(_ALL_AUDIT, write=False):
            e = row["e"]
            account_id, actor_id = e.get("account_id"), e.get("actor_id")
            target, details = e["target"], e["details"]
            fields = [account_id or "", actor_id or "", target, details]
            if not any(n in f for n in needles for f in fields):
                continue
            by_person = account_id in ids or actor_id in ids
            values = {
                "account_id": REDACTED if account_id in ids else account_id,
                "actor_id": REDACTED if actor_id in ids else actor_id,
                "target": REDACTED if by_person or any(n in target for n in needles) else target,
                "details": f'"{REDACTED}"'
                if by_person or any(n in details for n in needles)
                else details,
            }
            await self._q(_SET_AUDIT, seq=e["seq"], values=values)
            touched += 1
        return touched

    # --- rate limits (one set of counters for every worker) ---------------------------

    async def hit(self, key: str, limit: int, window: float) -> bool:
        at = time.time()
        await self._q(_DROP_OLD_HITS, at=at)
        rows = await self._q(
            _HIT, key=key, since=at - window, at=at, until=at + window, limit=limit
        )
        return bool(rows[0]["ok"])

    async def secret_key(self) -> str:
        rows = await self._q(_SECRET, fresh=secrets.token_hex(32))
        return str(rows[0]["v"])

    async def scrub(self) -> None:
        """Nothing to do from here: see the README on Neo4j's transaction logs."""

    async def close(self) -> None:
        await self._driver.close()
