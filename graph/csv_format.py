"""The CSV format of ``wijknet import`` and ``wijknet export``: pure functions, no store.

A dataset is a folder of UTF-8 CSV files with a header row, one file per concern
(:data:`COLUMNS`); every file is optional. Reading takes two steps because rows
may name nodes that only the target store holds: :func:`parse_dir` reads and
validates every row, the caller looks up :meth:`Parsed.lookup_ids` in the store,
and :meth:`Parsed.resolve` checks every reference and hands back what to write.
Problems are collected (file, line, column) rather than raised one by one, and
while any remains nothing is handed back: :class:`ImportErrors` lists them.

:func:`export_tables` turns a whole graph into rows of the same files, so that
an export imported into an empty store gives back the same graph.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from graph.errors import InvalidInput
from graph.model import (
    ACTOR_KINDS,
    PERSON_KINDS,
    REL_RULES,
    Actor,
    ActorKind,
    Event,
    EventKind,
    Initiative,
    InitiativeStage,
    Instrument,
    LegalForm,
    Node,
    NodeId,
    NodeKind,
    Place,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    RevenueModel,
    Skill,
    Theme,
    Visibility,
    check_endpoints,
    rel_provenance,
    without_inherited_provenance,
)
from graph.text import escape_cell, unescape_cell

E = TypeVar("E", bound=StrEnum)

#: Every file of a dataset and its columns, in the order they are read and written.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "places.csv": (
        *("code", "name", "level", "parent_code", "cbs_code", "verified", "source"),
        "provenance",
        *("display_name", "inhabitants", "inhabitants_year", "inhabitants_source"),
    ),
    "skills.csv": ("id", "name_nl", "name_en", "category", "source", "provenance"),
    "themes.csv": (
        *("id", "name_nl", "name_en", "description_nl", "description_en", "source"),
        "provenance",
    ),
    "instruments.csv": (
        *("id", "name_nl", "name_en", "description_nl", "description_en", "source"),
        *("provenance", "offered_by", "conditions_nl", "conditions_en", "steps_nl", "steps_en"),
        "url",
    ),
    "actors.csv": (
        *("id", "kind", "name", "description", "email", "website", "visibility", "matchable"),
        *("profession", "subtype", "legal_form", "revenue_models", "place_code", "skills"),
        *("offers", "interests", "source", "provenance"),
    ),
    "initiatives.csv": (
        *("id", "name", "description", "stage", "started", "visibility", "place_code"),
        *("themes", "source", "provenance"),
    ),
    "events.csv": (
        *("id", "name", "event_type", "starts", "ends", "description", "visibility"),
        "place_code",
        *("themes", "source", "provenance"),
    ),
    "memberships.csv": ("actor_id", "initiative_id", "role", "since", "source", "provenance"),
    "needs.csv": ("initiative_id", "skill_id", "urgency", "note", "source", "provenance"),
    "relationships.csv": (
        *("type", "source_id", "target_id", "role", "how", "since", "weight", "urgency"),
        *("note", "rsvp", "reason", "source", "provenance"),
    ),
}
#: Columns a file's header must have; the others may be left out.
REQUIRED: Mapping[str, frozenset[str]] = {
    "places.csv": frozenset({"code", "name", "level"}),
    "skills.csv": frozenset({"id", "name_nl", "name_en"}),
    "themes.csv": frozenset({"id", "name_nl", "name_en"}),
    "instruments.csv": frozenset({"id", "name_nl", "name_en"}),
    "actors.csv": frozenset({"id", "kind", "name"}),
    "initiatives.csv": frozenset({"id", "name"}),
    "events.csv": frozenset({"id", "name", "starts"}),
    "memberships.csv": frozenset({"actor_id", "initiative_id"}),
    "needs.csv": frozenset({"initiative_id", "skill_id"}),
    "relationships.csv": frozenset({"type", "source_id", "target_id"}),
}
#: Stop collecting problems after this many (the rest are only counted).
MAX_PROBLEMS = 20

# free text is taken verbatim; every other value is stripped of surrounding blanks
_TEXT = frozenset(
    {"name", "description", "website", "profession", "subtype", "cbs_code", "source"}
    | {"display_name", "inhabitants_source"}
    | {"name_nl", "name_en", "description_nl", "description_en", "category", "note"}
    | {"offered_by", "conditions_nl", "conditions_en", "steps_nl", "steps_en", "reason"}
)
_TRUE = frozenset({"true", "yes", "ja", "1"})
_FALSE = frozenset({"false", "no", "nee", "0"})
_REL_PROPS = ("role", "how", "since", "weight", "urgency", "note", "rsvp", "reason")
_FILE_OF = {
    **{k: "actors.csv" for k in ACTOR_KINDS},
    NodeKind.INITIATIVE: "initiatives.csv",
    NodeKind.PLACE: "places.csv",
    NodeKind.SKILL: "skills.csv",
    NodeKind.THEME: "themes.csv",
    NodeKind.INSTRUMENT: "instruments.csv",
    NodeKind.EVENT: "events.csv",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a dataset; ``line`` 1 is the header."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column is not None:
            where += f', column "{self.column}"'
        return f"{where}: {self.message}"


class ImportErrors(InvalidInput):
    """A dataset has problems, so nothing of it was imported.

    ``problems`` holds the first :data:`MAX_PROBLEMS`; ``total`` counts them all.
    """

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        lines = [f"{self.total} problem{'s' * (self.total != 1)} found; nothing was imported:"]
        lines += [f"  {p}" for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Dataset:
    """Valid nodes and relationships, ready to write: nodes first."""

    nodes: list[Node]
    rels: list[Relationship]


@dataclass(frozen=True, slots=True)
class _Row:
    file: str
    line: int
    values: Mapping[str, str]
    dataset: str = ""  # the folder's name, for the provenance of imported rows

    def get(self, column: str) -> str:
        value = self.values.get(column) or ""
        return value if column in _TEXT else value.strip()

    def items(self, column: str) -> list[str]:
        return [v.strip() for v in self.get(column).split(";") if v.strip()]


@dataclass(frozen=True, slots=True)
class _Link:
    """A relationship and where it was named: the columns that hold its source and target."""

    rel: Relationship
    file: str
    line: int
    columns: tuple[str, str]


@dataclass(slots=True)
class _Problems:
    items: list[Problem] = field(default_factory=list)
    count: int = 0

    def add(
        self, file: str, message: str, line: int | None = None, column: str | None = None
    ) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(file, message, line, column))


@dataclass(slots=True)
class Parsed:
    """Every row of a dataset read and checked on its own; references not yet checked."""

    nodes: dict[NodeId, Node] = field(default_factory=dict)
    _problems: _Problems = field(default_factory=_Problems, init=False)
    _origin: dict[NodeId, tuple[str, int, str]] = field(default_factory=dict, init=False)
    _links: list[_Link] = field(default_factory=list, init=False)
    _broken: set[str] = field(default_factory=set, init=False)  # ids of rows that failed

    @property
    def problems(self) -> list[Problem]:
        """The first :data:`MAX_PROBLEMS` problems found in the rows."""
        return list(self._problems.items)

    @property
    def problem_count(self) -> int:
        return self._problems.count

    def problem(
        self, file: str, message: str, line: int | None = None, column: str | None = None
    ) -> None:
        self._problems.add(file, message, line, column)

    def lookup_ids(self) -> list[NodeId]:
        """Ids to look up in the target store: every node of the files and every reference."""
        wanted = dict.fromkeys(self.nodes)
        for link in self._links:
            for end in (link.rel.source, link.rel.target):
                if end not in self._broken:
                    wanted[end] = None
        return list(wanted)

    def resolve(self, existing: Mapping[NodeId, NodeKind]) -> Dataset:
        """Check every reference against the files and ``existing`` (id -> kind in the store).

        Raises :class:`ImportErrors` listing the problems of the rows and of the
        references, or returns what to write: no node changes its kind, every
        relationship's ends exist and are of kinds its type joins.
        """
        problems = _Problems(list(self._problems.items), self._problems.count)
        kinds = dict(existing)
        for node_id, node in self.nodes.items():
            old = kinds.get(node_id)
            if old is not None and old is not node.node_kind:
                file, line, column = self._origin[node_id]
                message = f"{node_id!r} is a {old} in the store; a row cannot make it a "
                problems.add(file, message + node.node_kind, line, column)
            kinds[node_id] = node.node_kind
        rels: dict[tuple[str, str, str], _Link] = {}
        for link in self._links:
            if not self._ends_ok(link, kinds, problems):
                continue
            first = rels.setdefault(link.rel.key, link)
            if first.rel.props != link.rel.props:
                rel = link.rel
                problems.add(
                    link.file,
                    f"{rel.type} {rel.source} - {rel.target} is also in {first.file} "
                    f"line {first.line}, with other properties",
                    link.line,
                )
        if problems.count:
            raise ImportErrors(problems.items, problems.count)
        nodes = self.nodes
        return Dataset(
            nodes=list(nodes.values()),
            rels=[
                without_inherited_provenance(link.rel, nodes.get(s), nodes.get(t))
                for link in rels.values()
                for s, t in ((link.rel.source, link.rel.target),)
            ],
        )

    def _ends_ok(self, link: _Link, kinds: Mapping[NodeId, NodeKind], problems: _Problems) -> bool:
        rel, rule = link.rel, REL_RULES[link.rel.type]
        found: list[NodeKind] = []
        for end, column, allowed in (
            (rel.source, link.columns[0], rule.sources),
            (rel.target, link.columns[1], rule.targets),
        ):
            kind = kinds.get(end)
            if kind is not None:
                found.append(kind)
            elif end not in self._broken:  # a broken row was reported already
                files = " or ".join(sorted({_FILE_OF[k] for k in allowed}))
                what = _kinds_label(allowed)
                message = f"unknown {what} {end!r}: not in {files}, nor in the store"
                problems.add(link.file, message, link.line, column)
        if len(found) < 2:
            return False
        try:
            check_endpoints(rel, found[0], found[1])
        except InvalidInput as exc:
            column = link.columns[0] if exc.field == "source" else link.columns[1]
            problems.add(link.file, exc.message, link.line, column)
            return False
        return True

    # --- reading rows -------------------------------------------------------------------

    def _add_node(
        self, row: _Row, build: Callable[[_Row], Node], id_column: str = "id"
    ) -> Node | None:
        try:
            node = build(row)
        except InvalidInput as exc:
            self._row_problem(row, exc)
            self._broken.add(row.get(id_column))
            return None
        first = self._origin.get(node.id)
        if first is not None:
            self.problem(
                row.file,
                f"{node.id!r} is already in {first[0]} line {first[1]}",
                row.line,
                id_column,
            )
            return None
        self.nodes[node.id] = node
        self._origin[node.id] = (row.file, row.line, id_column)
        return node

    def _link(
        self,
        row: _Row,
        rtype: RelType,
        ends: tuple[str, str],
        columns: tuple[str, str],
        props: Mapping[str, Any] | None = None,
    ) -> None:
        try:
            rel = Relationship(rtype, NodeId(ends[0]), NodeId(ends[1]), dict(props or {}))
        except InvalidInput as exc:
            field_to_column = {"source": columns[0], "target": columns[1]}
            self._row_problem(row, exc, field_to_column.get(exc.field or ""))
            return
        if rel.source != ends[0]:  # a symmetric type put its ends in order
            columns = (columns[1], columns[0])
        self._links.append(_Link(rel, row.file, row.line, columns))

    def _row_problem(self, row: _Row, exc: InvalidInput, column: str | None = None) -> None:
        if column is None and exc.field is not None:
            snake = re.sub(r"(?<!^)([A-Z])", r"_\1", exc.field).lower()
            column = snake if snake in COLUMNS[row.file] else None
        self.problem(row.file, exc.message, row.line, column)

    def _read_places(self, row: _Row) -> None:
        place = self._add_node(row, _place, "code")
        if place is not None and row.get("parent_code"):
            self._link(
                row, RelType.PART_OF, (place.id, row.get("parent_code")), ("code", "parent_code")
            )

    def _read_actors(self, row: _Row) -> None:
        actor = self._add_node(row, _actor)
        if actor is None:
            return
        located = RelType.LIVES_IN if actor.node_kind in PERSON_KINDS else RelType.LOCATED_IN
        if row.get("place_code"):
            self._link(row, located, (actor.id, row.get("place_code")), ("id", "place_code"))
        for column, rtype in (
            ("skills", RelType.HAS_SKILL),
            ("offers", RelType.OFFERS),
            ("interests", RelType.INTERESTED_IN),
        ):
            for target in row.items(column):
                self._link(row, rtype, (actor.id, target), ("id", column))

    def _read_initiatives(self, row: _Row) -> None:
        initiative = self._add_node(row, _initiative)
        if initiative is None:
            return
        if row.get("place_code"):
            ends = (initiative.id, row.get("place_code"))
            self._link(row, RelType.LOCATED_IN, ends, ("id", "place_code"))
        for theme in row.items("themes"):
            self._link(row, RelType.ABOUT, (initiative.id, theme), ("id", "themes"))

    def _read_events(self, row: _Row) -> None:
        event = self._add_node(row, _event)
        if event is None:
            return
        if row.get("place_code"):
            self._link(
                row, RelType.LOCATED_IN, (event.id, row.get("place_code")), ("id", "place_code")
            )
        for theme in row.items("themes"):
            self._link(row, RelType.ABOUT, (event.id, theme), ("id", "themes"))

    def _read_memberships(self, row: _Row) -> None:
        self._read_link(row, RelType.MEMBER_OF, ("actor_id", "initiative_id"), ("role", "since"))

    def _read_needs(self, row: _Row) -> None:
        self._read_link(row, RelType.NEEDS, ("initiative_id", "skill_id"), ("urgency", "note"))

    def _read_link(
        self, row: _Row, rtype: RelType, columns: tuple[str, str], names: tuple[str, ...]
    ) -> None:
        try:
            props = _props(row, names)
        except InvalidInput as exc:
            self._row_problem(row, exc)
            return
        self._link(row, rtype, (row.get(columns[0]), row.get(columns[1])), columns, props)

    def _read_relationships(self, row: _Row) -> None:
        try:
            rtype = _choice(RelType, row.get("type"), "type")
            props = _props(row, _REL_PROPS)
        except InvalidInput as exc:
            self._row_problem(row, exc)
            return
        columns = ("source_id", "target_id")
        self._link(row, rtype, (row.get(columns[0]), row.get(columns[1])), columns, props)


def _named(cls: type[Skill | Theme | Instrument]) -> Callable[[_Row], Node]:
    """A builder for a class whose fields are all text columns of the same name."""
    fields = [f for f in cls.__dataclass_fields__ if f not in ("id", "source", "provenance")]
    return lambda row: cls(
        id=NodeId(row.get("id")), **{f: row.get(f) for f in fields} | _origin(row)
    )


def _only_node(build: Callable[[_Row], Node]) -> Callable[[Parsed, _Row], object]:
    return lambda parsed, row: parsed._add_node(row, build)


_READERS: Mapping[str, Callable[[Parsed, _Row], object]] = {
    "places.csv": Parsed._read_places,
    "skills.csv": _only_node(_named(Skill)),
    "themes.csv": _only_node(_named(Theme)),
    "instruments.csv": _only_node(_named(Instrument)),
    "actors.csv": Parsed._read_actors,
    "initiatives.csv": Parsed._read_initiatives,
    "events.csv": Parsed._read_events,
    "memberships.csv": Parsed._read_memberships,
    "needs.csv": Parsed._read_needs,
    "relationships.csv": Parsed._read_relationships,
}


def parse_dir(folder: Path) -> Parsed:
    """Read every dataset file in ``folder`` and check each row on its own.

    Problems are collected in the result, not raised (see :meth:`Parsed.resolve`).
    A ``.csv`` file that is not part of the format is a problem too: a misspelt
    file name would otherwise be skipped without a word.
    """
    parsed = Parsed()
    if not folder.is_dir():
        parsed.problem(str(folder), "is not a folder")
        return parsed
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".csv")
    for name in names:
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            parsed.problem(name, f"is not a file wijknet reads (the files are: {known})")
    if not set(names) & set(COLUMNS):
        parsed.problem(str(folder), f"holds none of the files {', '.join(COLUMNS)}")
    for name, read in _READERS.items():
        if name in names:
            for row in _rows(folder / name, parsed):
                read(parsed, row)
    return parsed


def load_dir(folder: Path, existing: Mapping[NodeId, NodeKind] | None = None) -> Dataset:
    """:func:`parse_dir` and :meth:`Parsed.resolve` in one go, for a store holding ``existing``."""
    return parse_dir(folder).resolve(existing or {})


def _rows(path: Path, parsed: Parsed) -> Iterator[_Row]:
    """The rows of one file, each with the line it starts on; blank rows are skipped."""
    name, end = path.name, 0  # end: the last line read so far
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, strict=True)
            header = [h.strip().lower() for h in next(reader, [])]
            if not _header_ok(name, header, parsed):
                return
            end = reader.line_num
            for values in reader:
                line, end = end + 1, reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header):
                    message = f"has {len(values)} values but the header names {len(header)} columns"
                    parsed.problem(name, message, line)
                elif any(v.strip() for h, v in zip(header, values, strict=False) if not h):
                    parsed.problem(name, "has a value in a column without a name", line)
                else:
                    row = {h: unescape_cell(v) for h, v in zip(header, values, strict=False) if h}
                    yield _Row(name, line, row, path.parent.name)
    except UnicodeDecodeError:
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            end = raw.count(b"\n", 0, exc.start)
        parsed.problem(name, "is not UTF-8 text (save it as 'CSV UTF-8')", end + 1)
    except csv.Error as exc:
        parsed.problem(name, f"is not valid CSV: {exc}", end + 1)
    except OSError as exc:
        parsed.problem(name, f"cannot be read: {exc.strerror or exc}")


def _header_ok(name: str, header: list[str], parsed: Parsed) -> bool:
    columns = COLUMNS[name]
    if not header:
        parsed.problem(name, "is empty; it needs at least a header row", 1)
        return False
    if len(header) == 1 and ";" in header[0]:
        parsed.problem(
            name,
            "separates columns with ';'; wijknet reads ',' (in a spreadsheet, save as "
            "'CSV UTF-8 (comma delimited)')",
            1,
        )
        return False
    ok = True
    named = [h for h in header if h]
    twice = sorted({h for h in named if named.count(h) > 1})
    if twice:
        parsed.problem(name, f"names columns twice: {_quoted(twice)}", 1)
        ok = False
    unknown = [h for h in named if h not in columns]
    if unknown:
        parsed.problem(
            name, f"unknown columns {_quoted(unknown)}; the columns are {_quoted(columns)}", 1
        )
        ok = False
    missing = [c for c in columns if c in REQUIRED[name] and c not in named]
    if missing:
        parsed.problem(name, f"missing required columns {_quoted(missing)}", 1)
        ok = False
    return ok


# --- building nodes from rows (each raises InvalidInput naming a field or column) -------


def _choice(enum: type[E], raw: str, column: str) -> E:
    """The member whose value is ``raw``, ignoring case."""
    member: E | None = _members(enum).get(raw.casefold())
    if member is None:
        allowed = ", ".join(e.value for e in enum)
        got = f"; got {raw!r}" if raw else ""
        raise InvalidInput(f"must be one of {allowed}{got}", field=column)
    return member


@functools.cache
def _members(enum: type[E]) -> dict[str, E]:
    return {member.value.casefold(): member for member in enum}


def _bool(raw: str, column: str) -> bool | None:
    word = raw.casefold()
    if not word:
        return None
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise InvalidInput(f"must be true or false (or yes/no, ja/nee, 1/0); got {raw!r}", field=column)


def _number(raw: str, column: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"must be a number like 0.5; got {raw!r}", field=column) from None


def _props(row: _Row, columns: Iterable[str]) -> dict[str, Any]:
    """The relationship properties of a row, with its provenance (see :func:`_origin`)."""
    out: dict[str, Any] = {}
    for column in columns:
        if value := row.get(column):
            out[column] = _number(value, column) if column == "weight" else value
    origin = _origin(row)
    out["provenance"] = origin["provenance"].value
    if origin["source"]:
        out["source"] = origin["source"]
    return out


def _origin(row: _Row) -> dict[str, Any]:
    """``provenance`` and ``source`` of a row: as written (an export read back), else
    ``import`` from this file, keeping what the row's own ``source`` says."""
    given = row.get("provenance")
    if given:
        return {"provenance": _choice(Provenance, given, "provenance"), "source": row.get("source")}
    where = f"{row.dataset}/{row.file}" if row.dataset else row.file
    own = row.get("source").strip()
    return {"provenance": Provenance.IMPORT, "source": f"{where}: {own}" if own else where}


def _place(row: _Row) -> Place:
    return Place(
        id=NodeId(row.get("code")),
        name=row.get("name"),
        level=_choice(PlaceLevel, row.get("level"), "level"),
        cbs_code=row.get("cbs_code"),
        verified=bool(_bool(row.get("verified"), "verified")),
        **_origin(row),
        display_name=row.get("display_name"),
        inhabitants=_whole(row.get("inhabitants"), "inhabitants"),
        inhabitants_year=_whole(row.get("inhabitants_year"), "inhabitants_year"),
        inhabitants_source=row.get("inhabitants_source"),
    )


def _whole(raw: str, column: str) -> int | None:
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"must be a whole number like 2024; got {raw!r}", field=column) from None


def _actor(row: _Row) -> Actor:
    visibility, legal = row.get("visibility"), row.get("legal_form")
    matchable = _bool(row.get("matchable"), "matchable")
    kwargs: dict[str, Any] = {}  # left out, the model picks the default for the kind
    if visibility:
        kwargs["visibility"] = _choice(Visibility, visibility, "visibility")
    if matchable is not None:
        kwargs["matchable"] = matchable
    return Actor(
        id=NodeId(row.get("id")),
        kind=_choice(ActorKind, row.get("kind"), "kind"),
        name=row.get("name"),
        description=row.get("description"),
        email=row.get("email"),
        website=row.get("website"),
        profession=row.get("profession"),
        subtype=row.get("subtype"),
        legal_form=_choice(LegalForm, legal, "legal_form") if legal else None,
        revenue_models=tuple(
            _choice(RevenueModel, m, "revenue_models") for m in row.items("revenue_models")
        ),
        **_origin(row),
        **kwargs,
    )


def _initiative(row: _Row) -> Initiative:
    stage, visibility = row.get("stage"), row.get("visibility")
    return Initiative(
        id=NodeId(row.get("id")),
        name=row.get("name"),
        description=row.get("description"),
        stage=_choice(InitiativeStage, stage, "stage") if stage else InitiativeStage.IDEA,
        started=row.get("started"),
        visibility=_choice(Visibility, visibility, "visibility")
        if visibility
        else Visibility.PUBLIC,
        **_origin(row),
    )


def _event(row: _Row) -> Event:
    kind, visibility = row.get("event_type"), row.get("visibility")
    return Event(
        id=NodeId(row.get("id")),
        name=row.get("name"),
        event_type=_choice(EventKind, kind, "event_type") if kind else EventKind.NETWORK_MEETING,
        starts=row.get("starts"),
        ends=row.get("ends"),
        description=row.get("description"),
        visibility=_choice(Visibility, visibility, "visibility")
        if visibility
        else Visibility.PUBLIC,
        **_origin(row),
    )


def _kinds_label(kinds: frozenset[NodeKind]) -> str:
    """``actor``, ``place``, ``initiative or enterprise``: what a reference may name."""
    if kinds >= ACTOR_KINDS:
        return " or ".join(sorted({"actor"} | {k.lower() for k in kinds - ACTOR_KINDS}))
    return " or ".join(sorted(k.lower() for k in kinds))


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


# --- export -------------------------------------------------------------------------------

_LIST_COLUMNS = {
    RelType.HAS_SKILL: "skills",
    RelType.OFFERS: "offers",
    RelType.INTERESTED_IN: "interests",
    RelType.ABOUT: "themes",
}


def export_tables(
    nodes: Iterable[Node], rels: Iterable[Relationship]
) -> dict[str, list[list[str]]]:
    """Rows (header first) of every file of the format, holding exactly these nodes and rels.

    A relationship goes into a column of its source's row where that loses nothing
    (an actor's one place, a place's one parent, an actor's skills without a note);
    the rest go to ``memberships.csv``, ``needs.csv`` or ``relationships.csv``.
    Rows are sorted, so the same graph always gives the same files.
    """
    by_id = {n.id: n for n in nodes}
    rels = [_with_provenance(rel, by_id) for rel in rels]
    one: dict[tuple[str, RelType], list[Relationship]] = {}
    lists: dict[tuple[str, str], list[str]] = {}
    tables: dict[str, list[list[str]]] = {name: [] for name in COLUMNS}
    rest: list[Relationship] = []
    for rel in rels:
        inherits = _inherits(rel, by_id)
        if inherits and rel.type in (RelType.PART_OF, RelType.LIVES_IN, RelType.LOCATED_IN):
            one.setdefault((rel.source, rel.type), []).append(rel)
        elif inherits and rel.type in _LIST_COLUMNS and not rel.own_props:
            lists.setdefault((rel.source, _LIST_COLUMNS[rel.type]), []).append(rel.target)
        elif rel.type is RelType.MEMBER_OF:
            tables["memberships.csv"].append(
                [rel.source, rel.target, *_cells(rel, "role", "since", *_ORIGIN)]
            )
        elif rel.type is RelType.NEEDS:
            tables["needs.csv"].append(
                [rel.source, rel.target, *_cells(rel, "urgency", "note", *_ORIGIN)]
            )
        else:
            rest.append(rel)
    parent: dict[str, str] = {}
    for (source, _), found in one.items():
        if len(found) == 1:
            parent[source] = found[0].target
        else:
            rest.extend(found)
    tables["relationships.csv"] = [
        [r.type.value, r.source, r.target, *_cells(r, *_REL_PROPS, *_ORIGIN)] for r in rest
    ]
    for node_id in sorted(by_id):
        node = by_id[node_id]
        name, row = _node_row(node, parent.get(node_id, ""))
        for column in ("skills", "offers", "interests", "themes"):
            if column in COLUMNS[name]:
                row[column] = ";".join(sorted(lists.get((node_id, column), ())))
        tables[name].append([row.get(c, "") for c in COLUMNS[name]])
    for name, rows in tables.items():
        rows.sort()
        rows.insert(0, list(COLUMNS[name]))
    return tables


_ORIGIN = ("source", "provenance")


def _with_provenance(rel: Relationship, by_id: Mapping[NodeId, Node]) -> Relationship:
    """``rel`` with its provenance written out (a bare one inherits it from its ends)."""
    provenance, source = rel_provenance(rel, by_id.get(rel.source), by_id.get(rel.target))
    props = {**rel.own_props, "provenance": provenance.value}
    if source:
        props["source"] = source
    return Relationship.trusted(rel.type, rel.source, rel.target, props)


def _inherits(rel: Relationship, by_id: Mapping[NodeId, Node]) -> bool:
    """Whether ``rel`` may go into a column of its start node's row: read back bare, it
    inherits the same provenance and source from that node."""
    start = by_id.get(rel.source)
    return (
        start is not None
        and rel.props.get("provenance") == start.provenance.value
        and rel.props.get("source", "") == start.source
    )


def _node_row(node: Node, place: str) -> tuple[str, dict[str, str]]:
    if isinstance(node, Place):
        row = {"code": node.id, "parent_code": place}
    else:
        row = {"id": node.id, "place_code": place}
    for name in type(node).__dataclass_fields__:
        if name != "id":
            row[name] = _cell(getattr(node, name))
    return _FILE_OF[node.node_kind], row


def _cells(rel: Relationship, *names: str) -> list[str]:
    extra = set(rel.props) - set(names)
    if extra:  # only an unvalidated write could have stored these
        raise InvalidInput(
            f"{rel.type} {rel.source} -> {rel.target} has properties the CSV format has no "
            f"column for: {', '.join(sorted(extra))}"
        )
    return [_cell(rel.props.get(n)) for n in names]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return repr(value) if isinstance(value, float) else str(value)


def write_tables(folder: Path, tables: Mapping[str, Sequence[Sequence[str]]]) -> None:
    """Write each table to ``folder/name`` (UTF-8, comma separated), replacing old files.
    Cells a spreadsheet would run as a formula are escaped (:func:`graph.text.escape_cell`;
    the import takes the escape off again).

    Every file is written in full beside its target first and only then moved into
    place, so a failed export leaves no half-written file behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    temporary: list[tuple[Path, Path]] = []
    try:
        for name, rows in tables.items():
            tmp = folder / f".{name}.tmp"
            temporary.append((tmp, folder / name))
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows(
                    [escape_cell(c) for c in row] for row in rows
                )
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, final in temporary:
            os.replace(tmp, final)
    finally:
        for tmp, _ in temporary:
            tmp.unlink(missing_ok=True)
