"""The ``GraphStore`` port: what wijknet asks of any place that keeps the graph.

Two adapters implement it and pass one contract suite (``tests/contract``):
:class:`graph.embedded.EmbeddedStore` (networkx + SQLite, the default) and
:class:`graph.neo4j_store.Neo4jStore`.

Semantics every adapter keeps, so results are identical across stores:

* Lists are ordered by node id (Unicode code points) and paged with an opaque
  cursor that encodes the last id returned.
* ``NodeFilter.place`` matches nodes located in that place or any place that
  is (transitively) ``PART_OF`` it. ``skill`` matches actors through
  ``HAS_SKILL``/``OFFERS`` and initiatives through ``NEEDS``; ``theme``
  matches actors through ``INTERESTED_IN`` and initiatives through ``ABOUT``.
  ``text`` matches when every word occurs (case-insensitively) in the name or
  description. ``sight`` keeps only the actors and initiatives it admits.
* Neighbour lists are ordered by relationship type, then by the other node's id.
* ``shortest_path`` ignores direction and, among the shortest paths, returns
  the one whose sequence of node ids is smallest.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from graph.errors import Conflict, InvalidInput, NotFound
from graph.model import (
    ACTOR_KINDS,
    InitiativeStage,
    Node,
    NodeId,
    NodeKind,
    Relationship,
    RelType,
    Visibility,
    check_endpoints,
)
from graph.text import check_text

MAX_PAGE = 500
MAX_SEARCH = 200
"""Characters in a ``text`` filter."""
MAX_HOPS = 8

#: Relationship types through which a node is "in" a place.
LOCATION_TYPES = (RelType.LIVES_IN, RelType.LOCATED_IN)
#: Relationship types the ``skill`` filter follows, per side.
ACTOR_SKILL_TYPES = (RelType.HAS_SKILL, RelType.OFFERS)
INITIATIVE_SKILL_TYPES = (RelType.NEEDS,)
ACTOR_THEME_TYPES = (RelType.INTERESTED_IN,)
INITIATIVE_THEME_TYPES = (RelType.ABOUT,)


class Direction(StrEnum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Sight:
    """Which actors and initiatives someone may see in full: those whose visibility
    is in ``visibility`` and, whatever their visibility, those in ``ids``.

    Nodes without a visibility (places, skills, themes, instruments) are always seen.
    """

    visibility: frozenset[Visibility] = frozenset({Visibility.PUBLIC})
    ids: frozenset[str] = frozenset()

    def admits(self, node: Node) -> bool:
        visibility = getattr(node, "visibility", None)
        return visibility is None or visibility in self.visibility or node.id in self.ids


@dataclass(frozen=True, slots=True)
class NodeFilter:
    """Which nodes ``list_nodes`` returns; every field set narrows the result."""

    kinds: frozenset[NodeKind]
    place: NodeId | None = None
    skill: NodeId | None = None
    theme: NodeId | None = None
    text: str | None = None
    stage: InitiativeStage | None = None
    visibility: frozenset[Visibility] | None = None
    sight: Sight | None = None

    def __post_init__(self) -> None:
        # accept plain strings too, so every store compares enums with enums
        object.__setattr__(self, "kinds", frozenset(NodeKind(k) for k in self.kinds))
        if self.stage is not None:
            object.__setattr__(self, "stage", InitiativeStage(self.stage))
        if self.visibility is not None:
            if not self.visibility:
                raise InvalidInput(
                    "name at least one visibility, or none at all", field="visibility"
                )
            object.__setattr__(
                self, "visibility", frozenset(Visibility(v) for v in self.visibility)
            )
        if self.text is not None:
            check_text(self.text, "text", limit=MAX_SEARCH)
        if not self.kinds:
            raise InvalidInput("name at least one kind", field="kind")
        if self.stage is not None and self.kinds != {NodeKind.INITIATIVE}:
            raise InvalidInput("only initiatives have a stage", field="stage")
        mixed = self.kinds & ACTOR_KINDS and NodeKind.INITIATIVE in self.kinds
        if (self.skill or self.theme) and mixed:
            raise InvalidInput("filter actors and initiatives separately", field="kind")

    @property
    def for_initiatives(self) -> bool:
        return NodeKind.INITIATIVE in self.kinds


@dataclass(frozen=True, slots=True)
class Page:
    """One page of ``list_nodes``; ``total`` counts all matches, not just this page
    (None when the caller did not ask for a count)."""

    items: list[Node]
    total: int | None
    end_cursor: str | None
    has_next: bool


@dataclass(frozen=True, slots=True)
class Neighbour:
    rel: Relationship
    node: Node


@dataclass(frozen=True, slots=True)
class Path:
    nodes: list[Node]
    rels: list[Relationship]


@dataclass(slots=True)
class GraphStats:
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)

    @property
    def node_count(self) -> int:
        return sum(self.nodes.values())

    @property
    def relationship_count(self) -> int:
        return sum(self.relationships.values())


@dataclass(frozen=True, slots=True)
class Change:
    """One committed write from the store's change log, as the store holds it now.

    ``nodes`` and ``rels`` are the current state of what the write touched (a later write
    may have changed them again: applying changes in order converges all the same);
    ``gone_nodes`` and ``gone_rels`` are what it touched that no longer exists.
    """

    seq: int
    nodes: list[Node] = field(default_factory=list)
    rels: list[Relationship] = field(default_factory=list)
    gone_nodes: list[NodeId] = field(default_factory=list)
    gone_rels: list[tuple[RelType, NodeId, NodeId]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Changes:
    """``head`` is the last sequence number the log has handed out; ``changes`` follow
    the ``after`` asked for, in order. A ``head`` below ``after`` means the log was reset
    (the store was wiped): read everything again."""

    head: int
    changes: list[Change]


Progress = Callable[[int, int], None]
"""Called as ``progress(nodes_done, relationships_done)`` during long work."""


@runtime_checkable
class GraphStore(Protocol):
    """Async access to the graph. Writes return only once they are durable."""

    async def get_nodes(self, ids: Sequence[NodeId]) -> dict[NodeId, Node]:
        """The nodes among ``ids`` that exist; missing ids are simply absent."""
        ...

    async def upsert(
        self,
        nodes: Sequence[Node] = (),
        rels: Sequence[Relationship] = (),
        *,
        create_only: bool = False,
    ) -> None:
        """Create or replace nodes (by id) and relationships (by type, source, target).

        All in one transaction: either everything is durable when this returns,
        or nothing was written. A relationship's ends must exist, here or among
        ``nodes`` (else NotFound), and be of kinds its type allows (InvalidInput).
        Changing a node's kind is a Conflict; with ``create_only`` so is any
        node or relationship that already exists.
        """
        ...

    async def delete_actor(self, actor_id: NodeId) -> None:
        """Delete an actor and every relationship it has; no byte of it stays in the files
        of an embedded store (secure_delete, WAL truncated), see the README for Neo4j."""
        ...

    async def delete(self, rels: Sequence[Relationship] = (), nodes: Sequence[NodeId] = ()) -> None:
        """Delete relationships (by type, source, target) and nodes with all their
        relationships, in one transaction. What is already gone is skipped, so a
        retried delete does no harm.
        """
        ...

    async def list_nodes(
        self, flt: NodeFilter, *, first: int, after: str | None = None, count: bool = True
    ) -> Page:
        """Nodes matching ``flt`` in id order, at most ``first`` after the cursor.

        With ``count=False`` the store may skip counting all matches (``Page.total`` is
        then None): the page alone is often much cheaper than the count.
        """
        ...

    async def neighbours(
        self,
        ids: Sequence[NodeId],
        *,
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> dict[NodeId, list[Neighbour]]:
        """Relationships of each id (of ``types``, all if None) and the node at the other end."""
        ...

    async def shortest_path(
        self,
        source: NodeId,
        target: NodeId,
        *,
        max_hops: int,
        types: Sequence[RelType] | None = None,
        sight: Sight | None = None,
    ) -> Path | None:
        """The shortest undirected path of at most ``max_hops`` relationships, or None.

        With ``sight``, the path steps only through nodes it admits (the two ends included).
        """
        ...

    async def bulk_import(
        self,
        nodes: Iterable[Node],
        rels: Iterable[Relationship],
        *,
        batch_size: int | None = None,
        progress: Progress | None = None,
    ) -> tuple[int, int]:
        """Upsert many nodes, then many relationships, in batches of ``batch_size`` rows
        (``None``: the size that suits the store); return the counts.

        Each batch is committed on its own: an interrupted import keeps whole batches.
        """
        ...

    def stream(self) -> AsyncIterator[Node | Relationship]:
        """Every node, then every relationship (for analytics, matching and copies)."""
        ...

    async def changes(self, after: int, *, limit: int = 100) -> Changes:
        """The change log: at most ``limit`` writes committed after sequence number ``after``.

        Every write (``upsert``, ``delete``, ``delete_actor``, and each ``bulk_import``
        batch on a store that several processes share) appends one entry in its own
        transaction, so entries come in commit order. ``changes(0).head`` read before a
        ``stream()`` is where a reader of that stream continues from.
        """
        ...

    async def stats(self) -> GraphStats:
        """Counts of nodes per kind and relationships per type."""
        ...

    async def is_empty(self) -> bool:
        """True when the store holds no node at all (cheaper than ``stats``)."""
        ...

    async def close(self) -> None:
        """Release files, locks and connections."""
        ...


def encode_cursor(node_id: str) -> str:
    return base64.urlsafe_b64encode(f"id:{node_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The id a cursor stands for; a cursor this module did not make is InvalidInput."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    if not raw.startswith("id:"):
        raise InvalidInput("is not a cursor this server handed out", field="after")
    return raw[3:]


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise InvalidInput(f"must be between 0 and {MAX_PAGE}", field="first")


def check_hops(max_hops: int) -> None:
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidInput(f"must be between 1 and {MAX_HOPS}", field="maxHops")


def skill_types_for(flt: NodeFilter) -> tuple[RelType, ...]:
    return INITIATIVE_SKILL_TYPES if flt.for_initiatives else ACTOR_SKILL_TYPES


def theme_types_for(flt: NodeFilter) -> tuple[RelType, ...]:
    return INITIATIVE_THEME_TYPES if flt.for_initiatives else ACTOR_THEME_TYPES


def check_node_writes(
    nodes: Sequence[Node], create_only: bool, kinds: Mapping[str, NodeKind]
) -> None:
    """The rules every store applies to the nodes of one write, given the stored kinds."""
    seen: set[str] = set()
    for node in nodes:
        if node.id in seen:
            raise InvalidInput(f"{node.id!r} appears twice in one write", field="id")
        seen.add(node.id)
        existing = kinds.get(node.id)
        if existing is None:
            continue
        if create_only:
            raise Conflict(f"{node.id!r} already exists", field="id")
        if existing is not node.node_kind:
            raise Conflict(
                f"{node.id!r} is a {existing}; it cannot become a {node.node_kind}", field="id"
            )


def check_rel_writes(
    rels: Sequence[Relationship],
    create_only: bool,
    kinds: Mapping[str, NodeKind],
    existing: Container[tuple[str, str, str]],
) -> None:
    """The rules every store applies to the relationships of one write.

    ``kinds`` must include the nodes of the same write; ``existing`` answers whether a
    relationship key is stored already (only asked with ``create_only``).
    """
    seen: set[tuple[str, str, str]] = set()
    for rel in rels:
        if create_only:
            if rel.key in seen:
                raise Conflict(
                    f"{rel.type} {rel.source} -> {rel.target} appears twice", field="target"
                )
            seen.add(rel.key)
        skind = kinds.get(rel.source)
        if skind is None:
            raise NotFound(f"there is no node with id {rel.source!r}", field="source")
        tkind = kinds.get(rel.target)
        if tkind is None:
            raise NotFound(f"there is no node with id {rel.target!r}", field="target")
        check_endpoints(rel, skind, tkind)
        if create_only and rel.key in existing:
            raise Conflict(
                f"{rel.source!r} -{rel.type}-> {rel.target!r} already exists", field="target"
            )
