"""The postcode table (seed_data/reference/postcodes.csv) and its lookup."""

from __future__ import annotations

import csv

from seed_data.postcodes import pc4, places_for_postcode, postcode_table
from seed_data.reference import default_folder

FOCUS = ("GM0518", "GM0772", "GM0479", "GM0606", "GM0193")


def test_typed_postcodes_give_their_four_digits() -> None:
    assert pc4("2532") == pc4("2532AB") == pc4(" 2532 ab ") == "2532"
    assert pc4("Moerwijk") is None and pc4("253") is None and pc4("2532 A") is None


def test_every_postcode_points_at_wijken_of_the_focus_gemeenten() -> None:
    with (default_folder() / "places.csv").open(encoding="utf-8") as fh:
        places = {r["code"]: r for r in csv.DictReader(fh)}
    table = postcode_table()
    assert len(table) > 100
    for code, wijken in table.items():
        assert len(code) == 4 and code.isdigit()
        for wijk in wijken:
            assert places[wijk]["level"] == "neighbourhood", (code, wijk)
            assert "GM" + wijk[2:6] in FOCUS
    # every focus gemeente has postcodes
    assert {"GM" + w[2:6] for ws in table.values() for w in ws} == set(FOCUS)


def test_lookup_of_known_unknown_and_no_postcode() -> None:
    assert places_for_postcode("2532 AB") == ("WK051836",)
    assert places_for_postcode("5611")[:2] == ("WK077211", "WK077221")  # type: ignore[index]
    assert places_for_postcode("1234") == ()
    assert places_for_postcode("Moerwijk") is None
