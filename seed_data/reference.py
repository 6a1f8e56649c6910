"""Curated real reference data: places, organisations, instruments, themes, skills.

The CSV files live in ``seed_data/reference/``; their README says where every
row comes from. This module turns them into model nodes and relationships.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TypeVar

from graph.errors import InvalidInput
from graph.model import (
    DEMO_SOURCE,
    Actor,
    ActorKind,
    Instrument,
    LegalForm,
    Node,
    NodeId,
    Place,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    RevenueModel,
    Skill,
    Theme,
    Visibility,
)

SOURCE_SYNTHETIC = DEMO_SOURCE
N = TypeVar("N", Actor, Place, Theme, Skill, Instrument)


@dataclass(slots=True)
class Reference:
    """Everything in the reference files, as nodes and relationships."""

    places: dict[NodeId, Place] = field(default_factory=dict)
    parent: dict[NodeId, NodeId] = field(default_factory=dict)
    adjacency: list[tuple[NodeId, NodeId]] = field(default_factory=list)
    organisations: list[Actor] = field(default_factory=list)
    organisation_place: dict[NodeId, NodeId] = field(default_factory=dict)
    organisation_themes: dict[NodeId, list[NodeId]] = field(default_factory=dict)
    organisation_offers: dict[NodeId, list[NodeId]] = field(default_factory=dict)  # skills
    instruments: list[Instrument] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    skill_themes: dict[NodeId, list[NodeId]] = field(default_factory=dict)
    ties: list[Relationship] = field(default_factory=list)  # sourced ties between bodies

    def children(self) -> dict[NodeId, list[NodeId]]:
        out: dict[NodeId, list[NodeId]] = {}
        for child, parent in self.parent.items():
            out.setdefault(parent, []).append(child)
        for kids in out.values():
            kids.sort()
        return out

    def nodes(self) -> list[Node]:
        return [
            *self.places.values(),
            *self.themes,
            *self.skills,
            *self.instruments,
            *self.organisations,
        ]

    def relationships(self) -> list[Relationship]:
        rels = [Relationship(RelType.PART_OF, c, p) for c, p in self.parent.items()]
        rels += [Relationship(RelType.ADJACENT_TO, a, b) for a, b in self.adjacency]
        for org_id, place in self.organisation_place.items():
            rels.append(Relationship(RelType.LOCATED_IN, org_id, place))
        for org_id, themes in self.organisation_themes.items():
            rels += [Relationship(RelType.INTERESTED_IN, org_id, t) for t in themes]
        for org_id, skills in self.organisation_offers.items():
            rels += [Relationship(RelType.OFFERS, org_id, s) for s in skills]
        return rels + self.ties


def _rows(folder: Path, name: str) -> list[tuple[int, dict[str, str]]]:
    path = folder / name
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            (line, {k: (v or "").strip() for k, v in row.items()})
            for line, row in enumerate(csv.DictReader(fh), start=2)
        ]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(";") if v.strip()]


def _where(name: str, line: int, exc: InvalidInput) -> InvalidInput:
    return InvalidInput(f"{name} line {line}: {exc}", field=exc.field)


def _inhabitants(folder: Path) -> dict[str, tuple[int, int, str]]:
    """code -> (inhabitants, year, source) from ``inhabitants.csv``, if the file is there."""
    if not (folder / "inhabitants.csv").exists():
        return {}
    out: dict[str, tuple[int, int, str]] = {}
    for line, row in _rows(folder, "inhabitants.csv"):
        try:
            count, year = int(row["inhabitants"]), int(row["year"])
        except ValueError as exc:
            raise InvalidInput(f"inhabitants.csv line {line}: {exc}") from exc
        if row["code"] in out:
            raise InvalidInput(f"inhabitants.csv line {line}: {row['code']} twice")
        out[row["code"]] = (count, year, row.get("source", ""))
    return out


def default_folder() -> Path:
    return Path(str(resources.files("seed_data") / "reference"))


def load_reference(folder: Path | None = None) -> Reference:
    """Read and validate the reference CSV files; errors name file and line."""
    folder = folder or default_folder()
    ref = Reference()
    inhabitants = _inhabitants(folder)
    for line, row in _rows(folder, "places.csv"):
        count = inhabitants.pop(row["code"], None)
        try:
            place = Place(
                id=NodeId(row["code"]),
                name=row["name"],
                level=PlaceLevel(row["level"]),
                cbs_code=row.get("cbs_code", ""),
                verified=row.get("verified", "").lower() == "true",
                source=row.get("source", ""),
                display_name=row.get("display_name", ""),
                inhabitants=count[0] if count else None,
                inhabitants_year=count[1] if count else None,
                inhabitants_source=count[2] if count else "",
            )
        except (InvalidInput, ValueError) as exc:
            raise InvalidInput(f"places.csv line {line}: {exc}") from exc
        ref.places[place.id] = place
        if row.get("parent_code"):
            ref.parent[place.id] = NodeId(row["parent_code"])
    if inhabitants:
        raise InvalidInput(f"inhabitants.csv: unknown places {sorted(inhabitants)[:5]}")
    for child, parent in ref.parent.items():
        if parent not in ref.places:
            raise InvalidInput(f"places.csv: {child} names unknown parent {parent}")
    if (folder / "adjacency.csv").exists():
        for line, row in _rows(folder, "adjacency.csv"):
            a, b = NodeId(row["a_code"]), NodeId(row["b_code"])
            if a not in ref.places or b not in ref.places:
                raise InvalidInput(f"adjacency.csv line {line}: unknown place {a} or {b}")
            ref.adjacency.append((a, b))
    for line, row in _rows(folder, "themes.csv"):
        try:
            ref.themes.append(
                Theme(
                    id=NodeId(row["id"]),
                    name_nl=row["name_nl"],
                    name_en=row["name_en"],
                    description_nl=row.get("description_nl", ""),
                    description_en=row.get("description_en", ""),
                    source=row.get("source", ""),
                )
            )
        except InvalidInput as exc:
            raise _where("themes.csv", line, exc) from exc
    theme_ids = {t.id for t in ref.themes}
    for line, row in _rows(folder, "skills.csv"):
        try:
            skill = Skill(
                id=NodeId(row["id"]),
                name_nl=row["name_nl"],
                name_en=row["name_en"],
                category=row.get("category", ""),
                source=row.get("source", ""),
            )
        except InvalidInput as exc:
            raise _where("skills.csv", line, exc) from exc
        ref.skills.append(skill)
        themes = [NodeId(t) for t in _split(row.get("themes", ""))]
        unknown = [t for t in themes if t not in theme_ids]
        if unknown:
            raise InvalidInput(f"skills.csv line {line}: unknown themes {unknown}")
        ref.skill_themes[skill.id] = themes
    skill_ids = {k.id for k in ref.skills}
    for line, row in _rows(folder, "instruments.csv"):
        try:
            ref.instruments.append(
                Instrument(
                    id=NodeId(row["id"]),
                    name_nl=row["name_nl"],
                    name_en=row["name_en"],
                    description_nl=row.get("description_nl", ""),
                    description_en=row.get("description_en", ""),
                    source=row.get("source", ""),
                    offered_by=row.get("offered_by", ""),
                    conditions_nl=row.get("conditions_nl", ""),
                    conditions_en=row.get("conditions_en", ""),
                    steps_nl=row.get("steps_nl", ""),
                    steps_en=row.get("steps_en", ""),
                    url=row.get("url", ""),
                )
            )
        except InvalidInput as exc:
            raise _where("instruments.csv", line, exc) from exc
    for line, row in _rows(folder, "organisations.csv"):
        kind = {
            "enterprise": ActorKind.ENTERPRISE,
            "organisation": ActorKind.ORGANISATION,
            "municipality": ActorKind.MUNICIPALITY,
        }.get(row["kind"])
        if kind is None:
            raise InvalidInput(f"organisations.csv line {line}: unknown kind {row['kind']!r}")
        legal = row.get("legal_form") or ""
        try:
            org = Actor(
                id=NodeId(row["id"]),
                kind=kind,
                name=row["name"],
                description=row.get("description", ""),
                subtype=row.get("subtype", ""),
                legal_form=LegalForm(legal)
                if legal and kind is not ActorKind.MUNICIPALITY
                else None,
                revenue_models=tuple(RevenueModel(m) for m in _split(row.get("revenue_models", "")))
                if kind is ActorKind.ENTERPRISE
                else (),
                source=row.get("source", ""),
            )
        except (InvalidInput, ValueError) as exc:
            raise InvalidInput(f"organisations.csv line {line}: {exc}") from exc
        place_code = NodeId(row.get("place_code", ""))
        if row.get("verified", "true").lower() == "false":
            # a record (or seat) nobody has checked yet is neither shown nor suggested
            org = replace(org, visibility=Visibility.PRIVATE, matchable=False)
        elif not place_code:
            # the rule of the reference data: a public body sits in its sourced place
            raise InvalidInput(
                f"organisations.csv line {line}: {org.id} is verified but has no place_code;"
                " give its sourced place or set verified=false"
            )
        ref.organisations.append(org)
        if place_code:
            if place_code not in ref.places:
                raise InvalidInput(f"organisations.csv line {line}: unknown place {place_code}")
            ref.organisation_place[org.id] = place_code
        themes = [NodeId(t) for t in _split(row.get("themes", ""))]
        unknown = [t for t in themes if t not in theme_ids]
        if unknown:
            raise InvalidInput(f"organisations.csv line {line}: unknown themes {unknown}")
        ref.organisation_themes[org.id] = themes
        offers = [NodeId(k) for k in _split(row.get("offers", ""))]
        unknown = [k for k in offers if k not in skill_ids]
        if unknown:
            raise InvalidInput(f"organisations.csv line {line}: unknown skills {unknown}")
        if offers:
            ref.organisation_offers[org.id] = offers
    ref.ties = _ties(folder, {o.id for o in ref.organisations})
    _stamp(ref)
    return ref


def _ties(folder: Path, bodies: set[NodeId]) -> list[Relationship]:
    """Sourced ties between reference bodies (``ties.csv``), each carrying its source."""
    if not (folder / "ties.csv").exists():
        return []
    out = []
    for line, row in _rows(folder, "ties.csv"):
        a, b = NodeId(row["source_id"]), NodeId(row["target_id"])
        if a not in bodies or b not in bodies:
            raise InvalidInput(f"ties.csv line {line}: unknown body {a} or {b}")
        if not row.get("source"):
            raise InvalidInput(f"ties.csv line {line}: a tie needs its source")
        props = {"provenance": Provenance.REFERENCE.value, "source": row["source"]}
        if row.get("how"):
            props["how"] = row["how"]
        try:
            out.append(Relationship(RelType(row["type"]), a, b, props))
        except (InvalidInput, ValueError) as exc:
            raise InvalidInput(f"ties.csv line {line}: {exc}") from exc
    return out


def _stamp(ref: Reference) -> None:
    """Mark every node of the files as reference data; a row's ``source`` says where
    it comes from (rows without one name their file)."""

    def stamped(node: N, file: str) -> N:
        source = node.source or f"seed_data/reference/{file}"
        return replace(node, provenance=Provenance.REFERENCE, source=source)

    ref.places = {k: stamped(p, "places.csv") for k, p in ref.places.items()}
    ref.themes = [stamped(t, "themes.csv") for t in ref.themes]
    ref.skills = [stamped(s, "skills.csv") for s in ref.skills]
    ref.instruments = [stamped(i, "instruments.csv") for i in ref.instruments]
    ref.organisations = [stamped(o, "organisations.csv") for o in ref.organisations]
