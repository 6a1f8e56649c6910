"""The network map builds only what a query asks for, and answers it as the whole map does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.context import Context
from api.limits import Policy, current_policy
from api.policy import Viewer
from api.schema import schema
from graph.embedded import EmbeddedStore
from matching import MatchIndex, build_index
from seed_data import seed_store

NODE = (
    "id label kind redacted community broker wijkenReached reach degree place themes inside "
    "x y provenance"
)
FIGURES = (
    "place { code } actors { kind count } initiatives { theme { id } count } initiativeCount "
    "ties density residents residentsInvolved shareInvolved shareBasis shareOfRegistered "
    "demo { actors initiatives ties residents residentsInvolved any }"
)
PARTS = {
    "nodes": f"nodes {{ {NODE} }}",
    "edges": "edges { source target relation provenance }",
    "communities": f"communities {{ id size kinds {{ kind count }} places {{ place {{ code }} "
    f"count }} themes {{ theme {{ id }} count }} brokers {{ {NODE} }} }}",
    "bridges": f"bridges {{ source target ties via {{ {NODE} }} }}",
    "brokers": f"brokers {{ {NODE} }}",
    "gaps": f"gaps {{ neighbourhoods {{ place {{ code }} themes {{ id }} }} withoutContact "
    f"{{ {NODE} }} unfundedThemes {{ theme {{ id }} count }} isolated {{ {NODE} }} }}",
    "figures": f"figures {{ {FIGURES} }}",
    "totals": f"totals {{ {FIGURES} }}",
    "business": "business { enterprises legalForms { name count } revenueModels { name count }"
    " support { name count } instruments { instrument { id } count } demoShare }",
    "counts": "nodeCount edgeCount truncated modularity algorithm brokerMeasure brokersExact "
    "place { code } theme { id }",
}


@pytest.fixture(scope="module")
async def city(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[EmbeddedStore, MatchIndex]]:
    store = EmbeddedStore.open(str(tmp_path_factory.mktemp("map") / "map.db"))
    await seed_store(store, actors=400, seed=11)
    index = await build_index(store.stream())
    yield store, index
    await store.close()


async def _map(
    city: tuple[EmbeddedStore, MatchIndex], viewer: Viewer, selection: str, lang: str = "nl"
) -> dict[str, Any]:
    store, index = city
    query = (
        "query($p: String!) { network(place: $p, maxNodes: 150, maxEdges: 300) "
        f"{{ {selection} }} }}"
    )
    ctx = Context(store=store, index=index, viewer=viewer, lang=lang)
    result = await schema.execute(query, context_value=ctx, variable_values={"p": "GM0518"})
    assert not result.errors, result.errors
    assert result.data is not None
    return dict(result.data["network"])


VIEWERS = [
    Viewer(),
    Viewer(account_id="officer", officer_of=frozenset({"GM0518"})),
    Viewer(account_id="admin", is_admin=True),
]


@pytest.mark.parametrize("viewer", VIEWERS, ids=["anonymous", "officer", "admin"])
async def test_each_part_alone_answers_as_in_the_whole_map(
    city: tuple[EmbeddedStore, MatchIndex], viewer: Viewer
) -> None:
    token = current_policy.set(Policy(max_cost=10**9))
    try:
        for lang in ("nl", "en"):
            whole = await _map(city, viewer, " ".join(PARTS.values()), lang)
            assert whole["nodes"] and whole["edges"] and whole["communities"]
            for name, selection in PARTS.items():
                alone = await _map(city, viewer, selection, lang)
                assert alone == {k: whole[k] for k in alone}, (name, lang)
    finally:
        current_policy.reset(token)


async def test_a_layout_asked_through_a_fragment_is_made(
    city: tuple[EmbeddedStore, MatchIndex],
) -> None:
    token = current_policy.set(Policy(max_cost=10**9))
    try:
        plain = await _map(city, Viewer(), "brokers { id x y }")
        store, index = city
        query = (
            'query { network(place: "GM0518", maxNodes: 150, maxEdges: 300) '
            "{ brokers { ...Where } } } fragment Where on NetworkNode { id ... on NetworkNode "
            "{ x y } }"
        )
        result = await schema.execute(query, context_value=Context(store=store, index=index))
        assert result.data is not None and not result.errors
        assert result.data["network"] == plain
        assert any(n["x"] or n["y"] for n in plain["brokers"])
    finally:
        current_policy.reset(token)
