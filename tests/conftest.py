"""Shared fixtures: one fresh store per test, over every store wijknet has.

The Neo4j half needs the test server that ``tools/run-tests`` starts (it exports
``WIJKNET_TEST_NEO4J_URI``/``_USER``/``_PASSWORD``). Without it those tests skip,
unless ``WIJKNET_REQUIRE_NEO4J=1`` (set by ``tools/run-tests`` and CI), where a
missing server is an error.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from tests.api import server as registry
from tests.api.server import Servers

NEO4J_URI = os.environ.get("WIJKNET_TEST_NEO4J_URI")
NEO4J_USER = os.environ.get("WIJKNET_TEST_NEO4J_USER", "neo4j")
NEO4J_PASSWORD = os.environ.get("WIJKNET_TEST_NEO4J_PASSWORD", "")
REQUIRE_NEO4J = os.environ.get("WIJKNET_REQUIRE_NEO4J") == "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A server a test starts in its body is stopped when the test ends, also on failure
    (servers of fixtures are stopped by their fixtures' finalizers)."""
    before = {id(s) for s in registry.running()}
    try:
        yield
    finally:
        registry.stop_all([s for s in registry.running() if id(s) not in before])


STORE_KINDS = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]


def need_neo4j() -> None:
    if NEO4J_URI:
        return
    if REQUIRE_NEO4J:
        pytest.fail("WIJKNET_REQUIRE_NEO4J=1 but no test server: run tools/run-tests")
    pytest.skip("no Neo4j test server (tools/run-tests starts one)")


async def clear_neo4j() -> None:
    """Delete every node of the test server (constraints and indexes stay)."""
    import neo4j

    async with neo4j.AsyncGraphDatabase.driver(
        NEO4J_URI or "", auth=(NEO4J_USER, NEO4J_PASSWORD)
    ) as driver:
        await driver.execute_query("MATCH (n) DETACH DELETE n")


async def open_neo4j(*, clear: bool) -> GraphStore:
    from graph.neo4j_store import Neo4jStore

    if clear:
        await clear_neo4j()
    return await Neo4jStore.open(NEO4J_URI or "", user=NEO4J_USER, password=NEO4J_PASSWORD)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    """Start ``wijknet serve`` processes with ``servers.start(store, ...)``; all are stopped
    after the test, also when it fails."""
    started = Servers(tmp_path)
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(params=STORE_KINDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[GraphStore]:
    """A fresh, empty store of each kind."""
    if request.param == "embedded":
        st: GraphStore = EmbeddedStore.open(str(tmp_path / "contract.db"))
    else:
        need_neo4j()
        st = await open_neo4j(clear=True)
    try:
        yield st
    finally:
        await st.close()
