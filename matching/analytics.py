"""Network analytics for a place and an optional theme, over the matching index.

:func:`analyse` selects the actors and initiatives in a place (and everything
inside it; with a theme, those about or interested in it), plus the members and
supporters of its initiatives who live elsewhere. Over the ties between them
(KNOWS and PARTNERS_WITH, MEMBER_OF, SUPPORTS, WORKS_FOR, all undirected) it
finds communities (Leiden through igraph when installed, else networkx's
Louvain), brokers (betweenness estimated from sampled sources, and how many
communities an actor's ties reach), the links between communities, isolated
initiatives, gaps, and per-wijk figures. :func:`cached_analyse` keeps results
until a write touches the place (see :func:`note_write`).

>>> from matching.index import build_index_sync
>>> from graph.model import *
>>> nodes = [Place(id="W", name="Moerwijk", level="neighbourhood"),
...          Theme(id="t", name_nl="Energie", name_en="Energy"),
...          Initiative(id="i", name="Zon op Moerwijk"),
...          Actor(id="a", kind="Freelancer", name="Fatima"),
...          Actor(id="b", kind="Resident", name="Joost")]
>>> rels = [Relationship("LOCATED_IN", "i", "W"), Relationship("ABOUT", "i", "t"),
...         Relationship("LIVES_IN", "a", "W"), Relationship("LIVES_IN", "b", "W"),
...         Relationship("MEMBER_OF", "a", "i"), Relationship("KNOWS", "a", "b")]
>>> net = analyse(build_index_sync(nodes, rels), "W")
>>> (len(net.nodes), len(net.edges), net.gaps.unfunded_themes)
(3, 2, [('t', 1)])
"""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from graph.errors import InvalidInput, NotFound
from graph.model import Node, NodeKind, PlaceLevel, Relationship, RelType
from matching.index import ACTOR_CODES, KIND_CODE, MatchIndex

SAMPLES = 128  # betweenness sources; more is more exact and slower
SEED = 42
EDGE_TYPES = ("tie", "member", "support", "employment")  # tie: KNOWS or PARTNERS_WITH
_INI = KIND_CODE[NodeKind.INITIATIVE]
_PRO = KIND_CODE[NodeKind.PROFESSIONAL]
_MUN = KIND_CODE[NodeKind.MUNICIPALITY]
_RES = KIND_CODE[NodeKind.RESIDENT]
_ENT = KIND_CODE[NodeKind.ENTERPRISE]
_THEME = KIND_CODE[NodeKind.THEME]
_BODIES = frozenset(KIND_CODE[k] for k in (NodeKind.ENTERPRISE, NodeKind.ORGANISATION, _MUN_K := NodeKind.MUNICIPALITY))


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    size: int
    kinds: dict[str, int]  # node kind -> count
    places: list[tuple[str, int]]  # most common wijk-level areas, by id
    themes: list[tuple[str, int]]  # most common themes of its initiatives and actors
    top: list[str]  # ids of its strongest brokers


@dataclass(frozen=True, slots=True)
class CommunityLink:
    """Ties between two communities, and the nodes that carry most of them."""

    a: int
    b: int
    ties: int
    via: list[str]


@dataclass(frozen=True, slots=True)
class Figures:
    """What a policy officer reports for one wijk (or the whole place)."""

    place: str
    actors: dict[str, int]  # kind -> count
    initiatives: dict[str, int]  # theme id -> count
    initiative_count: int
    ties: int  # among the area's own actors and initiatives
    density: float
    residents: int
    residents_involved: int  # members of at least one initiative or enterprise

    @property
    def share_involved(self) -> float:
        return self.residents_involved / self.residents if self.residents else 0.0


@dataclass(frozen=True, slots=True)
class Gaps:
    empty_areas: list[tuple[str, list[str]]]  # wijk -> themes without any initiative there
    no_contact: list[str]  # initiatives without a professional or a municipal contact
    unfunded_themes: list[tuple[str, int]]  # theme -> initiatives on it, none funded
    isolated: list[str]  # initiatives tied to no other group, body or outside person


@dataclass(slots=True)
class Network:
    """The analysed network. Arrays are aligned with ``nodes`` (index positions)."""

    place: str
    theme: str | None
    nodes: np.ndarray  # int32 index positions
    inside: np.ndarray  # bool: homed inside the place (else a member or supporter from elsewhere)
    edges: np.ndarray  # (m, 2) int32 local positions, u < v
    edge_type: np.ndarray  # uint8 into EDGE_TYPES
    community: np.ndarray  # int32, -1 for nodes without ties
    betweenness: np.ndarray  # float64, normalised like networkx, estimated from samples
    reach: np.ndarray  # int32: communities its ties reach
    modularity: float
    communities: list[Community]
    links: list[CommunityLink]
    gaps: Gaps
    figures: list[Figures]
    totals: Figures
    algorithm: str
    version: int = -1
    extra: dict[str, Any] = field(default_factory=dict)  # room for derived data (layout)

    @property
    def degree(self) -> np.ndarray:
        return np.bincount(self.edges.ravel(), minlength=len(self.nodes)).astype(np.int32)

    def local(self) -> dict[int, int]:
        return {int(p): k for k, p in enumerate(self.nodes)}


# --- selection ------------------------------------------------------------------


def _resolve(index: MatchIndex, place: str, theme: str | None) -> tuple[int, int]:
    p = index.pos.get(place)
    if p is None or index.node_kind(p) is not NodeKind.PLACE:
        raise NotFound(f"no place {place!r}", field="place")
    if theme is None:
        return p, -1
    t = index.pos.get(theme)
    if t is None or index.kind[t] != _THEME:
        raise InvalidInput(f"no theme {theme!r}", field="theme")
    return p, t


def _subtree(index: MatchIndex, place: int) -> list[int]:
    out, todo = [], [place]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo.extend(index.children.get(cur, ()))
    return out


def areas_in(index: MatchIndex, place: int) -> list[int]:
    """The wijk-level areas that make up ``place`` (a buurt counts as its wijk)."""
    if index.level.get(place) is PlaceLevel.BUURT:
        return [index.area(place)]
    out, todo = [], [place]
    while todo:
        cur = todo.pop()
        kids = [k for k in index.children.get(cur, ()) if index.level.get(k) is not PlaceLevel.BUURT]
        if not kids:
            out.append(cur)
        todo.extend(kids)
    return sorted(out, key=lambda a: index.ids[a])


def _arrays(index: MatchIndex) -> tuple[np.ndarray, np.ndarray]:
    kind = np.frombuffer(bytes(index.kind), dtype=np.uint8)
    home = np.frombuffer(index.home.tobytes(), dtype=np.int32) if len(index.home) else np.zeros(0, np.int32)
    return kind, home


def _select(index: MatchIndex, place: int, theme: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the network, sorted, and whether each is homed inside the place."""
    kind, home = _arrays(index)
    within = np.zeros(len(index.ids) + 1, dtype=bool)  # home -1 maps to the last slot: False
    within[_subtree(index, place)] = True
    is_actor = np.isin(kind, list(ACTOR_CODES))
    core = within[home] & (is_actor | (kind == _INI))
    if theme >= 0:
        about = np.zeros(len(index.ids), dtype=bool)
        for i in np.flatnonzero(core):
            lst = index.themes[i]
            if lst is not None and theme in lst:
                about[i] = True
        core &= about
    selected = core.copy()
    for g in np.flatnonzero(core & ((kind == _INI) | (kind == _ENT))):
        for m in index.members.get(int(g), ()):
            selected[m] = True
        for s in index.supporters.get(int(g), ()):
            selected[s] = True
    nodes = np.flatnonzero(selected).astype(np.int32)
    return nodes, core[nodes]


def _edges(index: MatchIndex, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected, deduplicated edges among ``nodes`` as local positions, and their types."""
    local = np.full(len(index.ids), -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    typ: list[int] = []
    for code, lists in ((0, index.ties), (1, index.groups)):
        flat = __import__("array").array("i")
        lens = np.zeros(len(nodes), dtype=np.int64)
        for k, i in enumerate(nodes.tolist()):
            lst = lists[i]
            if lst is not None:
                flat.extend(lst)
                lens[k] = len(lst)
        src.append(np.repeat(np.arange(len(nodes)), lens))
        dst.append(local[np.frombuffer(flat.tobytes(), dtype=np.int32)] if len(flat) else np.zeros(0, np.int64))
        typ.append(code)
    for code, table in ((2, index.supporters), (3, index.employers)):
        pairs = [
            (k, local[o])
            for k, i in enumerate(nodes.tolist())
            for o in table.get(i, ())
            if local[o] >= 0
        ]
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        src.append(arr[:, 0])
        dst.append(arr[:, 1])
        typ.append(code)
    types = np.concatenate([np.full(len(s), t, dtype=np.uint8) for s, t in zip(src, typ, strict=True)])
    s, d = np.concatenate(src), np.concatenate(dst)
    keep = (d >= 0) & (s != d)
    s, d, types = s[keep], d[keep], types[keep]
    lo, hi = np.minimum(s, d), np.maximum(s, d)
    key = lo * len(nodes) + hi
    # lower type codes win: a tie is a tie even when the two are also co-members
    order = np.lexsort((types, key))
    key, types = key[order], types[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, types = key[first], types[first]
    edges = np.stack([key // len(nodes), key % len(nodes)], axis=1).astype(np.int32) if len(nodes) else np.zeros((0, 2), np.int32)
    return edges, types
