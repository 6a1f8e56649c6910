"""The reference places of the five focus gemeenten: CBS wijken, inhabitants, display names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph.errors import InvalidInput
from graph.model import Place, PlaceLevel, Visibility
from seed_data import load_reference
from seed_data.reference import Reference, default_folder

FOCUS = {"GM0518": 44, "GM0772": 20, "GM0479": 19, "GM0606": 12, "GM0193": 16}


@pytest.fixture(scope="module")
def ref() -> Reference:
    return load_reference()


def _wijken(ref: Reference, gemeente: str) -> list[Place]:
    return [
        p
        for p in ref.places.values()
        if p.level is PlaceLevel.NEIGHBOURHOOD and p.id.startswith("WK" + gemeente[2:])
    ]


@pytest.mark.parametrize(("gemeente", "count"), FOCUS.items())
def test_each_focus_gemeente_has_its_cbs_wijken_with_inhabitants(
    ref: Reference, gemeente: str, count: int
) -> None:
    city = ref.places[gemeente]
    assert city.inhabitants and city.inhabitants > 50_000
    assert city.inhabitants_year == 2024 and "85984NED" in city.inhabitants_source
    wijken = _wijken(ref, gemeente)
    assert len(wijken) == count
    for wijk in wijken:
        assert wijk.cbs_code == wijk.id and wijk.source
        assert wijk.inhabitants is not None and wijk.inhabitants_year == 2024
        assert "85984NED" in wijk.inhabitants_source
        # every wijk sits in its own gemeente, directly or through a stadsdeel
        up = ref.parent[wijk.id]
        assert up == gemeente or ref.parent[up] == gemeente
    # CBS rounds wijk counts to multiples of 5, so the wijken add up to the city within rounding
    total = sum(w.inhabitants or 0 for w in wijken)
    assert abs(total - city.inhabitants) <= 5 * len(wijken)


def test_every_focus_wijk_carries_its_cbs_name_and_source(ref: Reference) -> None:
    for gemeente in FOCUS:
        for wijk in _wijken(ref, gemeente):
            assert wijk.verified, wijk.id
            assert "gebiedsindelingen 2024" in wijk.source and "CC BY 4.0" in wijk.source
            # the CBS name is quoted in the source; ``name`` drops its "Wijk nn " prefix
            assert f"{wijk.name}'" in wijk.source and not wijk.name.startswith("Wijk ")
    assert ref.places["WK047922"].name == "Zaandam West"
    assert ref.places["WK077241"].name == "Oud-Woensel"
    assert ref.places["WK060606"].name == "Nieuwland"
    assert ref.places["WK019311"].name == "Diezerpoort"
    assert ref.places["WK051836"].name == "Moerwijk"


def test_every_municipality_has_its_2024_inhabitants(ref: Reference) -> None:
    munis = [p for p in ref.places.values() if p.level is PlaceLevel.MUNICIPALITY]
    assert len(munis) == 342
    assert all(p.inhabitants and p.inhabitants_year == 2024 for p in munis)
    assert sum(p.inhabitants or 0 for p in munis) > 17_000_000


def test_display_names_where_the_cbs_name_differs(ref: Reference) -> None:
    den_haag = ref.places["GM0518"]
    assert den_haag.name == "'s-Gravenhage"
    assert den_haag.display_name == "Den Haag" == den_haag.shown_name == den_haag.label
    assert ref.places["GM0796"].shown_name == "Den Bosch"
    assert ref.places["GM0772"].shown_name == "Eindhoven"  # no display name: the CBS name


def test_inhabitants_need_a_year_and_a_source() -> None:
    with pytest.raises(InvalidInput, match="year and its source"):
        Place(id="WK000101", name="x", level=PlaceLevel.NEIGHBOURHOOD, inhabitants=10)
    with pytest.raises(InvalidInput):
        Place(
            id="WK000101",
            name="x",
            level=PlaceLevel.NEIGHBOURHOOD,
            inhabitants=-1,
            inhabitants_year=2024,
            inhabitants_source="CBS",
        )


def test_reference_bodies_sit_in_a_sourced_place_where_one_is_known(ref: Reference) -> None:
    orgs = {o.id: o for o in ref.organisations}
    placed = {
        "org-lsa-bewoners": "GM0344",
        "org-movisie": "GM0344",
        "org-platform31": "GM0518",
        "org-oranje-fonds": "GM0344",
        "org-fonds-1818": "GM0518",
        "org-nationale-postcode-loterij": "GM0363",
        "org-rochdale": "GM0363",
    }
    for org, code in placed.items():
        assert ref.organisation_place[org] == code
        assert "place:" in orgs[org].source  # the row says where the place comes from
    # no source gives these a seat (seed_data/reference/README.md): they have no place,
    # so they count as not yet checked: neither public nor matchable
    unplaced = {o for o in orgs if o not in ref.organisation_place}
    assert unplaced == {
        "org-kiemkracht",
        "org-socreatie",
        "org-fonds-werken-aan-wonen",
    }
    for org in unplaced:
        assert orgs[org].visibility is Visibility.PRIVATE and not orgs[org].matchable
        assert "not matchable" in orgs[org].source  # the row says why it is hidden
    # every other body is public, matchable and placed
    for org in set(orgs) - unplaced:
        assert orgs[org].visibility is Visibility.PUBLIC and orgs[org].matchable


def test_a_public_reference_body_without_a_sourced_place_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    shutil.copytree(default_folder(), folder)
    path = folder / "organisations.csv"
    text = path.read_text(encoding="utf-8")
    # LSA bewoners without its place (GM0344) but still verified=true
    row = next(line for line in text.splitlines() if line.startswith("org-lsa-bewoners,"))
    path.write_text(text.replace(row, row.replace(",GM0344,", ",,", 1)), encoding="utf-8")
    with pytest.raises(InvalidInput, match="org-lsa-bewoners is verified but has no place_code"):
        load_reference(folder)


def test_lsa_and_kiemkracht_offer_what_their_source_says(ref: Reference) -> None:
    offers = {(r.source, r.target) for r in ref.relationships() if r.type.value == "OFFERS"}
    for org in ("org-kiemkracht", "org-lsa-bewoners"):
        assert (org, "skill-business-planning") in offers
        assert (org, "skill-process-facilitation") in offers
    sources = {o.id: o.source for o in ref.organisations}
    assert "offers: kiemkracht.wordpress.com" in sources["org-kiemkracht"]
    # only bodies whose source names what they offer offer anything
    assert {org for org, _ in offers} == {"org-kiemkracht", "org-lsa-bewoners"}


@pytest.mark.parametrize(
    ("gemeente", "count", "year"),
    [("GM0518", 114, 2024), ("GM0772", 116, 2024), ("GM0479", 50, 2023)],
)
def test_cbs_buurten_lie_each_in_a_wijk_of_their_gemeente(
    ref: Reference, gemeente: str, count: int, year: int
) -> None:
    prefix = "BU" + gemeente[2:]
    buurten = [
        p for p in ref.places.values() if p.level is PlaceLevel.BUURT and p.id.startswith(prefix)
    ]
    assert len(buurten) == count
    wijken = {w.id for w in _wijken(ref, gemeente)}
    for buurt in buurten:
        assert buurt.verified and buurt.cbs_code == buurt.id
        assert f"buurt_{year}.geojson" in buurt.source and "CC BY 4.0" in buurt.source
        assert ref.parent[buurt.id] == "WK" + buurt.id[2:8] and ref.parent[buurt.id] in wijken
    assert {ref.parent[b.id] for b in buurten} == wijken  # every wijk has its buurten


def test_den_haag_buurten_left_out_before_for_want_of_names_are_in(ref: Reference) -> None:
    assert ref.places["BU05183032"].name == "Transvaalkwartier-Noord"
