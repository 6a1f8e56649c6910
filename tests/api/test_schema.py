"""Schema execution in-process: drift, DataLoader batching, privacy in one place."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from api.context import Context
from api.limits import Policy, current_policy
from api.policy import Viewer
from api.schema import schema
from api.validation import validation_cache
from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from seed_data import seed_store
from tests.contract import tiny

ROOT = Path(__file__).resolve().parents[2]


def test_checked_in_schema_matches_the_code() -> None:
    checked_in = (ROOT / "schema.graphql").read_text()
    assert checked_in == schema.as_str() + "\n", (
        "schema.graphql is stale: run `wijknet schema > schema.graphql`"
    )


class CountingStore:
    """Wraps a store and counts calls per method. It says it is not in memory, so the
    API batches its reads as it does for a store a round trip away (Neo4j)."""

    in_memory = False

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.log: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if callable(attr):

            def counted(*args: Any, **kwargs: Any) -> Any:
                self.calls[name] += 1
                self.log.append((name, kwargs))
                return attr(*args, **kwargs)

            return counted
        return attr


@pytest.fixture
async def city(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore.open(str(tmp_path / "city.db"))
    await seed_store(store, actors=600, seed=7)
    yield store
    await store.close()


@pytest.fixture
async def tiny_store(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore.open(str(tmp_path / "tiny.db"))
    await store.upsert(tiny.nodes(), tiny.rels())
    yield store
    await store.close()


async def execute(
    store: Any, query: str, viewer: Viewer | None = None, **variables: Any
) -> dict[str, Any]:
    ctx = Context(store=store, viewer=viewer or Viewer())
    result = await schema.execute(query, context_value=ctx, variable_values=variables)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


NESTED = """query($n: Int!) { initiatives(first: $n) { edges { node { name
  place { name parent { name } } themes { name } needs { skill { name } }
  members { role actor { name place { name } skills { name }
    memberships { group { ... on Initiative { name members { actor { id } } } } } } } } } } }"""


async def test_nested_lists_cost_a_bounded_number_of_store_calls(city: EmbeddedStore) -> None:
    small, large = CountingStore(city), CountingStore(city)
    data_small = await execute(small, NESTED, n=3)
    # 40 x members x memberships x members is over the cost limit (api.limits): lift it,
    # this test is about batching
    token = current_policy.set(Policy(max_cost=10**9))
    try:
        data_large = await execute(large, NESTED, n=40)
    finally:
        current_policy.reset(token)
    assert len(data_large["initiatives"]["edges"]) == 40
    members = sum(len(e["node"]["members"]) for e in data_large["initiatives"]["edges"])
    assert members > 80
    # about one call per level of the query (a few more where redacted names look up the
    # wijk of a buurt), however many rows each level has: 13x the rows, not 13x the calls
    assert small.calls["neighbours"] <= 14
    assert large.calls["neighbours"] <= 14
    assert large.calls["list_nodes"] == small.calls["list_nodes"] == 1
    assert data_small["initiatives"]["edges"]


async def test_a_store_in_memory_is_read_directly_with_the_same_answer(
    city: EmbeddedStore,
) -> None:
    token = current_policy.set(Policy(max_cost=10**9))
    try:
        batched = await execute(CountingStore(city), NESTED, n=40)
        direct = await execute(city, NESTED, n=40)
    finally:
        current_policy.reset(token)
    assert direct == batched


async def test_private_resident_is_shown_as_bewoner_in_wijk(tiny_store: EmbeddedStore) -> None:
    data = await execute(
        tiny_store,
        '{ actor(id: "ann") { name redacted description email knows { id } skills { id } '
        "memberships { role } place { code name } } }",
    )
    # ann lives in buurt BU1; a redacted actor shows the wijk only
    assert data["actor"] == {
        "name": "Bewoner in Wijk Een",
        "redacted": True,
        "description": None,
        "email": None,
        "knows": [],
        "skills": [],
        "memberships": [],
        "place": {"code": "WK1", "name": "Wijk Een"},
    }


async def test_public_actor_in_full_and_in_english(tiny_store: EmbeddedStore) -> None:
    data = await execute(
        tiny_store, '{ actor(id: "bob") { name email knows { name } skills { name nameEn } } }'
    )
    assert data["actor"]["name"] == "Bob Bakker"
    # a public profile is not consent to be mailed: a person's contact goes to whom they
    # agreed (ties, accepted introductions), never to everyone
    assert data["actor"]["email"] is None
    mine = await execute(
        tiny_store, '{ actor(id: "bob") { email } }', viewer=Viewer(actor_id="bob")
    )
    assert mine["actor"]["email"] == "bob@example.org"
    # bob's tie to private ann is hers too: not shown; his tie to cas in full
    assert [k["name"] for k in data["actor"]["knows"]] == ["Cas Jansen"]
    assert data["actor"]["skills"] == [
        {"name": "Zonnepanelen installeren", "nameEn": "Solar installation"}
    ]
    ctx = Context(store=tiny_store, lang="en")
    result = await schema.execute(
        '{ actor(id: "ann") { name } skills { name } }', context_value=ctx
    )
    assert result.data is not None
    assert result.data["actor"]["name"] == "Resident in Wijk Een"
    assert "Solar installation" in [s["name"] for s in result.data["skills"]]


async def test_an_actor_sees_itself_in_full(tiny_store: EmbeddedStore) -> None:
    data = await execute(tiny_store, '{ actor(id: "ann") { name } }', viewer=Viewer(actor_id="ann"))
    assert data["actor"]["name"] == "Ann de Vries"


async def test_text_search_never_finds_private_people(tiny_store: EmbeddedStore) -> None:
    data = await execute(tiny_store, '{ actors(text: "ann") { totalCount } }')
    assert data["actors"]["totalCount"] == 0
    data = await execute(tiny_store, '{ actors(text: "dora") { edges { node { id } } } }')
    assert data["actors"]["edges"] == [{"node": {"id": "dora"}}]


async def test_path_through_social_ties(tiny_store: EmbeddedStore) -> None:
    query = (
        '{ path(from: "ann", to: "gem") { length nodes { id ... on Actor { name } } '
        "steps { type from to } } }"
    )
    # ann is private: only she may trace a path from her
    assert (await execute(tiny_store, query))["path"] is None
    data = await execute(tiny_store, query, viewer=Viewer(actor_id="ann"))
    path = data["path"]
    assert [n["id"] for n in path["nodes"]] == ["ann", "bob", "cas", "gem"]
    assert [s["type"] for s in path["steps"]] == ["KNOWS", "KNOWS", "WORKS_FOR"]
    none = await execute(
        tiny_store,
        '{ path(from: "ann", to: "gem", maxHops: 2) { length } }',
        viewer=Viewer(actor_id="ann"),
    )
    assert none["path"] is None


async def test_enterprise_and_place_fields(tiny_store: EmbeddedStore) -> None:
    data = await execute(
        tiny_store,
        '{ actor(id: "ent") { ... on Enterprise { legalForm revenueModels subtype '
        'offers { id } partners { id } } } place(code: "SD1") { parent { code } '
        "children { code } actors(first: 10) { totalCount } initiatives { totalCount } } }",
    )
    assert data["actor"] == {
        "legalForm": "STICHTING",
        "revenueModels": ["ROOM_RENTAL", "SUBSIDIES"],
        "subtype": "bewonersbedrijf",
        "offers": [{"id": "grants"}],
        "partners": [{"id": "ini1"}],
    }
    assert data["place"] == {
        "parent": {"code": "GM1"},
        "children": [{"code": "WK1"}, {"code": "WK2"}],
        "actors": {"totalCount": 3},  # ann (private, in BU1) counts only for whom may see her
        "initiatives": {"totalCount": 2},
    }


async def test_validation_runs_once_per_distinct_query(tiny_store: EmbeddedStore) -> None:
    validation_cache.clear()
    query = "{ stats { nodeCount } }"
    for _ in range(5):
        await execute(tiny_store, query)
    assert (validation_cache.misses, validation_cache.hits) == (1, 4)
    # the limits still apply to a cached document, and its errors are cached too
    deep = "{ actors { edges { node { " + "knows { " * 14 + "id" + " }" * 14 + " } } } }"
    for _ in range(2):
        result = await schema.execute(deep, context_value=Context(store=tiny_store))
        assert result.errors
        assert "depth" in result.errors[0].message
    assert (validation_cache.misses, validation_cache.hits) == (2, 5)
    many = "{ " + " ".join(f"a{i}: __typename" for i in range(1500)) + " }"
    result = await schema.execute(many, context_value=Context(store=tiny_store))
    assert result.errors
    assert "tokens" in result.errors[0].message


@pytest.mark.parametrize(
    ("query", "counted"),
    [
        ("{ actors(first: 2) { edges { node { id } } } }", False),
        ("{ actors(first: 2) { totalCount } }", True),
        ("{ actors(first: 2) { ...C } } fragment C on ActorConnection { totalCount }", True),
        ("{ places(first: 2) { edges { node { id } } } }", False),
        ('{ place(code: "GM1") { initiatives { totalCount } } }', True),
    ],
)
async def test_the_store_counts_only_when_total_count_is_asked(
    tiny_store: EmbeddedStore, query: str, counted: bool
) -> None:
    store = CountingStore(tiny_store)
    await execute(store, query)
    asked = [kw["count"] for name, kw in store.log if name == "list_nodes"]
    assert asked == [counted]


async def test_redacted_names_are_looked_up_only_when_asked(tiny_store: EmbeddedStore) -> None:
    store = CountingStore(tiny_store)
    # lists hold only what the viewer sees in full; a lookup by id shows the redacted
    query = '{ actor(id: "ann") { id redacted %s } }'
    plain = await execute(store, query % "")
    assert plain["actor"]["redacted"] is True
    assert store.calls["neighbours"] == 0
    named = await execute(store, query % "name")
    assert store.calls["neighbours"] >= 1
    assert " in " in named["actor"]["name"]
