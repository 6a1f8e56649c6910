"""The wijkondernemingen interviewed for "De wijkonderneming als sociaal empower instrument".

``seed_data/reference/examples.csv`` holds a short profile of each (what it runs,
how it earns, which instruments, which partners), every fact with its source.
``verified`` says whether a source confirms it is one of the four interviewed
for the report. :func:`similar_examples` picks the ones that resemble an initiative.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graph.errors import InvalidInput
from graph.model import NodeId, RevenueModel
from seed_data.reference import Reference, default_folder, load_reference

REPORT = (
    "'De wijkonderneming als sociaal empower instrument: Nieuwe perspectieven op de Haagse "
    "wijkonderneming' (LSA bewoners, Kiemkracht and So/creatie): interviews with four "
    "wijkondernemingen in Eindhoven, Zaandam, Schiedam and Zwolle "
    "(kiemkracht.wordpress.com 'Wijkondernemingen'; report on lsabewoners.nl)"
)


@dataclass(frozen=True, slots=True)
class Example:
    """A sourced profile of a wijkonderneming, keyed by its reference organisation id."""

    id: NodeId
    name: str
    city: str  # the city the report names
    place: NodeId | None
    verified: bool  # a source confirms it was interviewed for the report
    runs: str
    earns: str
    revenue_models: tuple[RevenueModel, ...]
    instruments: tuple[NodeId, ...]
    partners: tuple[NodeId, ...]
    partners_note: str
    themes: tuple[NodeId, ...]
    source: str


def _split(value: str) -> tuple[NodeId, ...]:
    return tuple(NodeId(v.strip()) for v in value.split(";") if v.strip())


def load_examples(ref: Reference | None = None, folder: Path | None = None) -> list[Example]:
    """Read ``examples.csv``; every id, partner and instrument must be in the reference."""
    ref = ref or load_reference(folder)
    orgs = {o.id: o for o in ref.organisations}
    instruments = {i.id for i in ref.instruments}
    path = (folder or default_folder()) / "examples.csv"
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            oid = NodeId(row["id"])
            partners, used = _split(row["partners"]), _split(row["instruments"])
            unknown = [x for x in (oid, *partners) if x not in orgs]
            unknown += [x for x in used if x not in instruments]
            if unknown or not row["source"].strip():
                raise InvalidInput(f"examples.csv line {line}: unknown {unknown} or no source")
            try:
                models = tuple(RevenueModel(m) for m in _split(row["revenue_models"]))
            except ValueError as exc:
                raise InvalidInput(f"examples.csv line {line}: {exc}") from exc
            out.append(
                Example(
                    id=oid,
                    name=orgs[oid].name,
                    city=row["city"],
                    place=ref.organisation_place.get(oid),
                    verified=row["verified"].strip().lower() == "true",
                    runs=row["runs"],
                    earns=row["earns"],
                    revenue_models=models,
                    instruments=used,
                    partners=partners,
                    partners_note=row["partners_note"],
                    themes=tuple(ref.organisation_themes.get(oid, ())),
                    source=row["source"],
                )
            )
    return out


def similar_examples(
    examples: Iterable[Example], themes: Iterable[str], *, exclude: str = ""
) -> list[tuple[Example, list[NodeId]]]:
    """The examples that share a theme with an initiative, most shared themes first.

    >>> ex = Example("e", "E", "Zwolle", None, True, "", "", (), (), (), "", ("t1", "t2"), "s")
    >>> [(e.id, shared) for e, shared in similar_examples([ex], ["t2", "t3"])]
    [('e', ['t2'])]
    """
    wanted = set(themes)
    hits = []
    for example in examples:
        shared = sorted(t for t in example.themes if t in wanted)
        if shared and example.id != exclude:
            hits.append((example, shared))
    hits.sort(key=lambda h: (-len(h[1]), not h[0].verified, h[0].name))
    return hits
