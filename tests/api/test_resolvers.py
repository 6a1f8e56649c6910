"""The streamlined resolvers (api.resolvers) answer exactly as strawberry's own do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import Enum
from typing import Any

import pytest
import strawberry

from api.context import Context
from api.limits import Policy, current_policy
from api.policy import Viewer
from api.resolvers import FastExecutionContext, streamline
from api.schema import build_schema, schema
from graph.embedded import EmbeddedStore
from graph.model import Actor, Initiative, NodeKind, RelType, Visibility
from graph.store import Direction, NodeFilter
from seed_data import seed_store

PLAIN = build_schema(streamlined=False)

QUERIES = [
    "{ initiatives(first: 20) { edges { node { name members { actor { name } } } } } }",
    "{ actors(first: 30) { totalCount edges { cursor node { __typename id name kind redacted "
    "visibility matchable description email website source { kind detail demo } "
    "place { name displayName code level verified cbsCode inhabitants { count year source }"
    " parent { name } } skills { name nameEn category } interests { name } "
    "... on Freelancer { profession } ... on Body { subtype staff { name } } "
    "... on Enterprise { legalForm revenueModels members { role since actor { name } } } "
    "memberships { role group { __typename ... on Initiative { id name stage } } } "
    "knows { id name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
    "{ initiatives(first: 30) { totalCount edges { node { id name description stage started "
    "redacted visibility viewerCoordinates place { name children { code } } "
    "themes { name(lang: EN) } needs { urgency note skill { name } coveredBy { id } } "
    "supporters { how actor { name } } partners { id } instruments { name } } } } }",
    "{ places(first: 50) { edges { node { code name level parent { code } actors(first: 5) "
    "{ totalCount edges { node { name } } } initiatives(first: 5) { edges { node { name } } }"
    " } } } }",
    "{ skills { id name nameNl source { kind } } themes { id name } "
    "instruments { id name description source { kind } offeredBy conditions steps url } }",
    '{ nope: actor(id: "no-such-id") { name } stats { nodeCount relationshipCount '
    "nodes { name count } } }",
]


@pytest.fixture(scope="module")
async def city(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore.open(str(tmp_path_factory.mktemp("city") / "city.db"))
    await seed_store(store, actors=400, seed=11)
    yield store
    await store.close()


async def _both(store: EmbeddedStore, query: str, viewer: Viewer, lang: str) -> list[Any]:
    out = []
    for built in (schema, PLAIN):
        ctx = Context(store=store, viewer=viewer, lang=lang)
        result = await built.execute(query, context_value=ctx)
        errors = [(e.message, e.path) for e in result.errors or []]
        out.append((result.data, errors))
    return out


async def _viewers(store: EmbeddedStore) -> list[Viewer]:
    """Anonymous, a private resident (sees own circle), a member of an initiative, admin."""
    IN = Direction.IN
    page = await store.list_nodes(NodeFilter(kinds=frozenset({NodeKind.RESIDENT})), first=50)
    private = next(
        n for n in page.items if isinstance(n, Actor) and n.visibility is not Visibility.PUBLIC
    )
    inis = await store.list_nodes(NodeFilter(kinds=frozenset({NodeKind.INITIATIVE})), first=5)
    ini = next(n for n in inis.items if isinstance(n, Initiative))
    members = (await store.neighbours([ini.id], types=[RelType.MEMBER_OF], direction=IN))[ini.id]
    member = next(n.node.id for n in members if isinstance(n.node, Actor))
    return [
        Viewer(),
        Viewer(actor_id=private.id),
        Viewer(actor_id=member),
        Viewer(account_id="admin", is_admin=True),
    ]


async def test_the_same_answers_as_strawberrys_own_resolvers(city: EmbeddedStore) -> None:
    token = current_policy.set(Policy(max_cost=10**9))
    try:
        for viewer in await _viewers(city):
            for query in QUERIES:
                for lang in ("nl", "en"):
                    fast, plain = await _both(city, query, viewer, lang)
                    assert fast == plain, (viewer, query, lang)
                    assert fast[0] is not None
    finally:
        current_policy.reset(token)


def test_plain_fields_and_resolvers_without_arguments_skip_strawberrys_wrappers() -> None:
    types: dict[str, Any] = schema._schema.type_map
    member = types["Member"].fields
    assert getattr(member["since"].resolve, "_attribute", None) == "since"
    place = types["Place"].fields
    assert getattr(place["displayName"].resolve, "_attribute", None) == "display_name"
    # `parent` is a method without arguments: called directly (eagerly), no wrapper
    assert place["parent"].resolve.__wrapped__.__qualname__ == "direct.<locals>.resolve"
    # `actors` takes arguments: strawberry converts them, as before
    assert "direct" not in place["actors"].resolve.__wrapped__.__qualname__


# --- the leaf shortcut reports what graphql-core reports --------------------------


class Colour(Enum):
    RED = "red"


@strawberry.type
class Thing:
    name: str
    maybe: str | None
    count: int
    colour: Colour


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        return [
            Thing(name="a", maybe=None, count=1, colour=Colour.RED),
            Thing(name=None, maybe="m", count=2, colour=Colour.RED),  # type: ignore[arg-type]
            Thing(name="c", maybe="m", count="many", colour=Colour.RED),  # type: ignore[arg-type]
            Thing(name="d", maybe="m", count=4, colour="blue"),  # type: ignore[arg-type]
            Thing(name="e", maybe=ValueError("boom"), count=5, colour=Colour.RED),  # type: ignore[arg-type]
        ]


async def test_odd_values_give_graphql_cores_errors() -> None:
    fast = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext)
    streamline(fast)
    plain = strawberry.Schema(query=Query)
    query = "{ things { name maybe count colour } }"
    got, want = await fast.execute(query), await plain.execute(query)
    assert got.data == want.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in want.errors or []
    ]
    assert len(want.errors or []) == 4
