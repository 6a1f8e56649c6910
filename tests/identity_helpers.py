"""Accounts and bearer tokens for tests that talk to a real ``wijknet serve``.

    creds = await make_account(server, actor="res-0000001", staff_of=["org-..."])
    async with gql_session(server, creds.token) as session:
        await session.execute(...)

``make_account`` writes straight into the server's account store (its SQLite file,
or Neo4j), as ``wijknet user create`` and ``wijknet token create`` do beside a
running server; every
request after that authenticates with the token over HTTP like any client.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from gql import Client
from gql.client import AsyncClientSession
from gql.transport.aiohttp import AIOHTTPTransport

from api.identity import (
    Grant,
    GrantKind,
    Identity,
    IdentityConfig,
    IdentityStore,
    Mailer,
    SqliteIdentityStore,
)
from tests.api.server import Server
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True, slots=True)
class Credentials:
    account_id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_account(
    server: Server,
    *,
    actor: str | None = None,
    admin: bool = False,
    staff_of: Iterable[str] = (),
    officer_of: Iterable[str] = (),
    email: str | None = None,
) -> Credentials:
    """A verified account of ``server`` acting as ``actor``, with grants and a token."""
    store = await open_identity_store(server)
    try:
        identity = Identity(store, Mailer(None), IdentityConfig())
        address = email or f"test-{secrets.token_hex(4)}@example.org"
        account = await identity.create_account(address, PASSWORD, verified=True, admin=admin)
        if actor:
            await identity.bind_actor(account.id, actor)
        for body in staff_of:
            await identity.grant(account.id, Grant(GrantKind.STAFF, body))
        for code in officer_of:
            await identity.grant(account.id, Grant(GrantKind.OFFICER, code))
        token, _ = await identity.create_token(account.id, "test")
    finally:
        await store.close()
    return Credentials(account.id, address, PASSWORD, token)


async def open_identity_store(server: Server) -> IdentityStore:
    """The account store ``server`` uses: its SQLite file, or the Neo4j test server."""
    if server.identity_db is not None:
        return await SqliteIdentityStore.open(str(server.identity_db))
    from api.identity.neo4j_store import Neo4jIdentityStore

    return await Neo4jIdentityStore.open(NEO4J_URI or "", user=NEO4J_USER, password=NEO4J_PASSWORD)


@asynccontextmanager
async def gql_session(
    server: Server, token: str | None = None
) -> AsyncIterator[AsyncClientSession]:
    """A gql session to ``server``, sending ``token`` as a bearer token (anonymous if None)."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    transport = AIOHTTPTransport(url=server.url, headers=headers, ssl=False)
    async with Client(transport=transport, fetch_schema_from_transport=False) as session:
        yield session


async def audit_log(server: Server, admin_token: str, after: int = 0) -> list[dict[str, Any]]:
    """Every audit entry after ``after`` (paged through), as an admin reads them."""
    query = "query($a: Int!) { auditLog(after: $a, first: 500) { seq accountId actorId action "
    query += "target details } }"
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=60) as http:
        while True:
            r = await http.post(
                server.url,
                json={"query": query, "variables": {"a": after}},
                headers={"Authorization": f"Bearer {admin_token}"},
            )
            page: list[dict[str, Any]] = r.json()["data"]["auditLog"]
            if not page:
                return found
            found += page
            after = page[-1]["seq"]
