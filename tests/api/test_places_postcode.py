"""``places(text:)`` with a postcode: the wijken its 4 digits lie in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from seed_data import seed_store

from .test_schema import execute

PLACES = """query($text: String!) {
  places(text: $text, first: 10) { totalCount edges { node { code name level } } }
}"""


@pytest.fixture
async def city(tmp_path: Path) -> AsyncIterator[EmbeddedStore]:
    store = EmbeddedStore.open(str(tmp_path / "city.db"))
    await seed_store(store, actors=20, seed=7)
    yield store
    await store.close()


@pytest.mark.parametrize("typed", ["2532", "2532AB", "2532 ab", " 2532 AB "])
async def test_a_postcode_finds_its_wijk(city: EmbeddedStore, typed: str) -> None:
    data = await execute(city, PLACES, text=typed)
    places = [e["node"] for e in data["places"]["edges"]]
    assert places[0] == {"code": "WK051836", "name": "Moerwijk", "level": "NEIGHBOURHOOD"}
    assert data["places"]["totalCount"] == len(places)


async def test_a_postcode_in_two_wijken_lists_the_larger_share_first(
    city: EmbeddedStore,
) -> None:
    data = await execute(city, PLACES, text="5611")
    assert [e["node"]["code"] for e in data["places"]["edges"]] == ["WK077211", "WK077221"]


async def test_an_unknown_postcode_finds_nothing_and_a_name_is_still_a_name(
    city: EmbeddedStore,
) -> None:
    data = await execute(city, PLACES, text="1234 AB")
    assert data["places"] == {"totalCount": 0, "edges": []}
    data = await execute(city, PLACES, text="Moerwijk")
    assert "WK051836" in [e["node"]["code"] for e in data["places"]["edges"]]
