"""Fixtures for API tests: a running server (per store) and a gql client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.aiohttp import AIOHTTPTransport

from tests.api.server import Server, start_server
from tests.conftest import NEO4J_PASSWORD, NEO4J_URI, NEO4J_USER, STORE_KINDS, need_neo4j


@pytest.fixture(scope="session", params=STORE_KINDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """``wijknet serve`` over a freshly seeded store of each kind, for the whole session."""
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    env: dict[str, str] = {}
    if request.param == "embedded":
        store = str(folder / "api.db")
    else:
        need_neo4j()
        import asyncio

        from tests.conftest import clear_neo4j

        asyncio.run(clear_neo4j())
        store = NEO4J_URI or ""
        env = {"WIJKNET_NEO4J_USER": NEO4J_USER, "WIJKNET_NEO4J_PASSWORD": NEO4J_PASSWORD}
    # generous: seeding Neo4j on a busy machine can take minutes; no test depends on speed
    srv = start_server(store, folder, seed_actors=300, env=env, timeout=300)
    yield srv
    srv.stop()


@pytest.fixture
async def client(server: Server) -> AsyncIterator[AsyncClientSession]:
    transport = AIOHTTPTransport(url=server.url, ssl=False)
    async with Client(transport=transport, fetch_schema_from_transport=True) as session:
        yield session


async def run(session: AsyncClientSession, query: str, **variables: Any) -> dict[str, Any]:
    request = GraphQLRequest(query, variable_values=variables or None)
    result: dict[str, Any] = await session.execute(request)
    return result


def artifacts() -> Path:
    out = Path(__file__).resolve().parents[2] / "test-artifacts"
    out.mkdir(exist_ok=True)
    return out
