"""Reference data is sourced and consistent; the generator is reproducible and realistic."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    PlaceLevel,
    Provenance,
    RelType,
    Visibility,
)
from seed_data import generate, load_reference
from seed_data.reference import SOURCE_SYNTHETIC, default_folder


@pytest.fixture(scope="module")
def ref():  # type: ignore[no-untyped-def]
    return load_reference()


def test_reference_rows_all_name_a_source() -> None:
    for path in Path(default_folder()).glob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows or path.name == "adjacency.csv"
        assert all(r.get("source", "").strip() for r in rows), path.name


def test_reference_places(ref) -> None:  # type: ignore[no-untyped-def]
    levels = Counter(p.level for p in ref.places.values())
    assert levels[PlaceLevel.PROVINCE] == 12
    assert levels[PlaceLevel.MUNICIPALITY] >= 5
    assert ref.places["GM0518"].name == "'s-Gravenhage"
    for code in ("GM0518", "GM0772", "GM0479", "GM0606", "GM0193"):
        assert ref.places[code].cbs_code == code
    districts = [
        c
        for c, p in ref.parent.items()
        if p == "GM0518" and ref.places[c].level is PlaceLevel.DISTRICT
    ]
    assert len(districts) == 8
    assert all(
        ref.parent.get(p) is not None
        for p in ref.places
        if ref.places[p].level is not PlaceLevel.PROVINCE
    )


def test_reference_taxonomy(ref) -> None:  # type: ignore[no-untyped-def]
    assert len(ref.skills) >= 50
    assert all(s.name_nl and s.name_en for s in ref.skills)
    themes = {t.id for t in ref.themes}
    assert {"theme-energy", "theme-care", "theme-green", "theme-food", "theme-mobility"} <= themes
    names = {o.name for o in ref.organisations}
    assert any("LSA" in n for n in names) and "Kiemkracht" in names
    instruments = {i.name_nl.lower() for i in ref.instruments}
    assert any("right to challenge" in n for n in instruments)


def test_generator_is_reproducible(ref) -> None:  # type: ignore[no-untyped-def]
    a = generate(ref, actors=400, seed=3)
    b = generate(ref, actors=400, seed=3)
    c = generate(ref, actors=400, seed=4)
    assert a.nodes == b.nodes and [r.key for r in a.rels] == [r.key for r in b.rels]
    assert [r.key for r in a.rels] != [r.key for r in c.rels]


def test_generated_network_is_realistic(ref) -> None:  # type: ignore[no-untyped-def]
    gen = generate(ref, actors=3000, seed=1)
    actors = [n for n in gen.nodes if isinstance(n, Actor)]
    kinds = Counter(a.kind for a in actors)
    assert kinds[ActorKind.RESIDENT] > kinds[ActorKind.FREELANCER] > kinds[ActorKind.ENTERPRISE]
    assert all(n.source == SOURCE_SYNTHETIC for n in gen.nodes if isinstance(n, Actor | Initiative))
    residents = [a for a in actors if a.kind is ActorKind.RESIDENT]
    private = sum(a.visibility is Visibility.PRIVATE for a in residents) / len(residents)
    matchable = sum(a.matchable for a in actors) / len(actors)
    assert 0.5 < private < 0.9 and 0.2 < matchable < 0.8
    members: dict[str, list[str]] = defaultdict(list)
    where: dict[str, str] = {}
    for r in gen.rels:
        if r.type is RelType.MEMBER_OF and r.target.startswith("ini-"):
            members[r.target].append(r.source)
        if r.type in (RelType.LIVES_IN, RelType.LOCATED_IN):
            where[r.source] = r.target
    sizes = sorted(len(m) for m in members.values())
    assert sizes[0] >= 1 and sizes[-1] >= 4 * sizes[len(sizes) // 2]  # long tail
    in_many = Counter(a for m in members.values() for a in m)
    assert sum(1 for c in in_many.values() if c >= 2) >= 20  # some people are in several
    knows = [r for r in gen.rels if r.type is RelType.KNOWS]
    parent = ref.parent

    def wijk(code: str) -> str:
        return parent[code] if ref.places[code].level is PlaceLevel.BUURT else code

    local = sum(wijk(where[r.source]) == wijk(where[r.target]) for r in knows) / len(knows)
    assert local > 0.5  # KNOWS ties are mostly local
    supports = [r for r in gen.rels if r.type is RelType.SUPPORTS]
    assert {r.props["how"] for r in supports} >= {"funding", "space", "advice", "contract"}


def test_generated_relationships_are_valid(ref) -> None:  # type: ignore[no-untyped-def]
    from graph.model import Relationship

    gen = generate(ref, actors=500, seed=2)
    for r in gen.rels:  # re-validate what the generator built without checks
        again = Relationship(r.type, r.source, r.target, dict(r.props))
        assert again.key == r.key and again.props == r.props


def test_every_reference_node_says_so(ref) -> None:  # type: ignore[no-untyped-def]
    for node in ref.nodes():
        assert node.provenance is Provenance.REFERENCE, node.id
        assert node.source.strip(), node.id


def test_demo_data_never_attaches_to_a_real_body(ref) -> None:  # type: ignore[no-untyped-def]
    gen = generate(ref, actors=3000, seed=5)
    assert all(n.provenance is Provenance.DEMO for n in gen.nodes)
    generated = {n.id for n in gen.nodes}
    bodies = {o.id for o in ref.organisations}  # reference enterprises, organisations, gemeenten
    assert any(o.kind is ActorKind.MUNICIPALITY for o in ref.organisations)
    reference = {n.id for n in ref.nodes()}
    for r in gen.rels:
        assert r.source in generated, r  # every generated tie starts at a generated node
        assert r.target not in bodies, r  # and never ends at a real named body
        assert r.target in generated or r.target in reference, r
        assert "provenance" not in r.props  # so it inherits demo from its start node
    # the gemeente contacts are invented professionals of an invented department
    departments = {
        n.id for n in gen.nodes if isinstance(n, Actor) and n.kind is ActorKind.MUNICIPALITY
    }
    works_for_gemeente = [
        r for r in gen.rels if r.type is RelType.WORKS_FOR and r.target in departments
    ]
    assert departments and works_for_gemeente
    assert all(r.source in generated for r in works_for_gemeente)
