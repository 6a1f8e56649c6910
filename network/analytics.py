"""Network analytics for a place and an optional theme, over the matching index.

:func:`analyse` takes the actors and initiatives homed in a place or anywhere
inside it (with a theme: initiatives about it, actors interested in it or in
such an initiative), plus the members and supporters of its groups who live
elsewhere. Over the ties between them (KNOWS and PARTNERS_WITH, MEMBER_OF,
SUPPORTS, WORKS_FOR; undirected) it finds communities, brokers, the links
between communities, isolated initiatives, gaps, and per-wijk figures.
:func:`cached_analyse` keeps a result until a write touches it (:func:`note_write`).

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
>>> (len(net.nodes), len(net.edges), net.gaps.unfunded_themes, net.gaps.no_contact)
(3, 2, [('t', 1)], ['i'])
"""

from __future__ import annotations

import functools
import random
import weakref
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graph.errors import InvalidInput, NotFound
from graph.model import Node, NodeKind, PlaceLevel, Relationship, RelType
from matching.index import ACTOR_CODES, DEMO, KIND_CODE, MatchIndex
from network.betweenness import EXACT_UP_TO, SAMPLES, SEED, _igraph, betweenness

EDGE_TYPES = ("tie", "member", "support", "employment")  # tie: KNOWS or PARTNERS_WITH
CACHE_SIZE = 16
_INI = KIND_CODE[NodeKind.INITIATIVE]
_PRO = KIND_CODE[NodeKind.PROFESSIONAL]
_MUN = KIND_CODE[NodeKind.MUNICIPALITY]
_RES = KIND_CODE[NodeKind.RESIDENT]
_ENT = KIND_CODE[NodeKind.ENTERPRISE]
_THEME = KIND_CODE[NodeKind.THEME]
_GROUPISH = (_INI, _ENT, KIND_CODE[NodeKind.ORGANISATION], _MUN)
_KIND_NAMES = [k.value for k in NodeKind]


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    size: int
    kinds: dict[str, int]  # node kind -> count
    places: list[tuple[str, int]]  # most common wijk-level areas
    themes: list[tuple[str, int]]  # most common themes of its members
    top: list[str]  # its strongest brokers


@dataclass(frozen=True, slots=True)
class CommunityLink:
    """Ties between two communities, and the nodes that carry most of them."""

    a: int
    b: int
    ties: int
    via: list[str]


@dataclass(frozen=True, slots=True)
class Figures:
    """What a policy officer reports for one wijk (or for the whole place)."""

    place: str
    actors: dict[str, int]  # kind -> count
    initiatives: dict[str, int]  # theme id -> count
    initiative_count: int
    ties: int  # among the area's own actors and initiatives
    density: float
    residents: int  # all residents registered there, whatever the theme
    residents_involved: int  # those in one of the network's initiatives or enterprises
    # how many of each count are demo data (made up by the generator, not real)
    demo_actors: int = 0
    demo_initiatives: int = 0
    demo_ties: int = 0
    demo_residents: int = 0
    demo_residents_involved: int = 0

    @property
    def share_involved(self) -> float:
        return self.residents_involved / self.residents if self.residents else 0.0

    @property
    def actor_count(self) -> int:
        return sum(self.actors.values())

    def demo_share(self) -> dict[str, float]:
        """Per count, the share of it that is demo data (0 where there is nothing to count)."""
        pairs = {
            "actors": (self.demo_actors, self.actor_count),
            "initiatives": (self.demo_initiatives, self.initiative_count),
            "ties": (self.demo_ties, self.ties),
            "residents": (self.demo_residents, self.residents),
            "residents_involved": (self.demo_residents_involved, self.residents_involved),
        }
        return {k: (d / n if n else 0.0) for k, (d, n) in pairs.items()}


@dataclass(frozen=True, slots=True)
class Business:
    """What pays for the enterprises and initiatives of a place (and theme)."""

    enterprises: int  # enterprises in the network, homed in the place
    legal_forms: dict[str, int]  # legal form -> enterprises and organisations
    revenue_models: dict[str, int]  # revenue model -> enterprises
    support: dict[str, int]  # SUPPORTS how -> initiatives supported that way
    instruments: dict[str, int]  # instrument id -> initiatives using it
    demo_enterprises: int  # of the enterprises, how many are demo data


@dataclass(frozen=True, slots=True)
class Gaps:
    empty_areas: list[tuple[str, list[str]]]  # wijk, themes without any initiative there
    no_contact: list[str]  # initiatives with neither a professional nor a municipal contact
    unfunded_themes: list[tuple[str, int]]  # theme, initiatives on it (none funded)
    isolated: list[str]  # initiatives not linked to any other group or body


@dataclass(slots=True)
class Network:
    """The analysed network. Per-node arrays are aligned with ``nodes`` (index positions)."""

    place: str
    theme: str | None
    nodes: np.ndarray  # int32 index positions, in id order
    inside: np.ndarray  # bool: homed inside the place, not a member from elsewhere
    edges: np.ndarray  # (m, 2) int32 local positions, u < v
    edge_type: np.ndarray  # uint8 into EDGE_TYPES
    community: np.ndarray  # int32, -1 for a node without ties
    betweenness: np.ndarray  # float64, normalised as networkx does, estimated from samples
    reach: np.ndarray  # int32: how many communities its ties reach
    modularity: float
    algorithm: str
    version: int = -1
    extra: dict[str, Any] = field(default_factory=dict)  # derived data, such as a layout
    # brokers: see `broker_order`
    broker_measure: str = "betweenness"  # or "bridging"
    betweenness_exact: bool = True  # every source was used, not a sample
    areas_reached: np.ndarray | None = None  # int32: other wijken its ties reach
    cross_ties: np.ndarray | None = None  # int32: its ties to people in other wijken
    # communities, links, gaps, figures and totals: made when first asked (see `_part`)
    derived: dict[str, Any] = field(default_factory=dict, repr=False)
    derive: Callable[[Network, str], Any] | None = field(default=None, repr=False)

    def _part(self, name: str) -> Any:
        """A summary made from the arrays when first asked: a map request that shows only
        nodes and ties, or a download, does not pay for the rest (see :func:`_derive`)."""
        found = self.derived.get(name)
        if found is None:
            assert self.derive is not None, f"no {name} for this network"
            found = self.derive(self, name)
            self.derived[name] = found
        return found

    def complete(self) -> Network:
        """Make every summary now (and return the network)."""
        for name in DERIVED:
            self._part(name)
        return self

    @property
    def communities(self) -> list[Community]:
        """Every community, largest first."""
        found: list[Community] = self._part("communities")
        return found

    @property
    def links(self) -> list[CommunityLink]:
        """Ties between communities, most first."""
        found: list[CommunityLink] = self._part("links")
        return found

    @property
    def gaps(self) -> Gaps:
        found: Gaps = self._part("gaps")
        return found

    @property
    def figures(self) -> list[Figures]:
        """Figures per wijk inside the place."""
        found: list[Figures] = self._part("figures")
        return found

    @property
    def totals(self) -> Figures:
        """Figures for the whole place."""
        found: Figures = self._part("totals")
        return found

    @property
    def degree(self) -> np.ndarray:
        return np.bincount(self.edges.ravel(), minlength=len(self.nodes)).astype(np.int32)

    @property
    def brokers_exact(self) -> bool:
        """Whether the broker ranking is exact (no sampling noise in it)."""
        return self.broker_measure == "bridging" or self.betweenness_exact

    def broker_order(self) -> np.ndarray:
        """Local positions, best broker first, ties broken by id (position) order.

        Up to :data:`EXACT_UP_TO` nodes: by exact betweenness. Above that a sampled
        betweenness ranks the top by noise (two seeds shared 1 of the top 50 at
        100k), so brokers are ranked by **bridging**, which is exact and cheap:
        how many other wijken its ties reach, then how many such ties, then degree.
        """
        n = len(self.nodes)
        if self.broker_measure == "bridging":
            assert self.areas_reached is not None and self.cross_ties is not None
            return np.lexsort((np.arange(n), -self.degree, -self.cross_ties, -self.areas_reached))
        return np.lexsort((np.arange(n), -self.betweenness))

    def broker_score(self) -> np.ndarray:
        """The number the broker ranking leads with: betweenness, or wijken reached."""
        if self.broker_measure == "bridging":
            assert self.areas_reached is not None
            return self.areas_reached.astype(np.float64)
        return self.betweenness

    def brokers(self, k: int = 20) -> list[int]:
        """Local positions of the ``k`` best brokers among the actors (see `broker_order`)."""
        score, actor = self.broker_score(), self.extra["actor"]
        return [int(i) for i in self.broker_order() if score[i] > 0 and actor[i]][:k]


# --- selection ------------------------------------------------------------------


def resolve(index: MatchIndex, place: str, theme: str | None) -> tuple[int, int]:
    """Index positions of the place and theme (-1 for none), or NotFound/InvalidInput."""
    p = index.pos.get(place)
    if p is None or index.node_kind(p) is not NodeKind.PLACE:
        raise NotFound(f"no place {place!r}", field="place")
    if not theme:
        return p, -1
    t = index.pos.get(theme)
    if t is None or index.kind[t] != _THEME:
        raise InvalidInput(f"no theme {theme!r}", field="theme")
    return p, t


def subtree(index: MatchIndex, place: int) -> list[int]:
    """``place`` and every place inside it."""
    out, todo = [], [place]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo.extend(index.children.get(cur, ()))
    return out


def areas_in(index: MatchIndex, place: int) -> list[int]:
    """The wijk-level areas that make up ``place`` (a buurt counts as its wijk), by code."""
    if index.level.get(place) is PlaceLevel.BUURT:
        return [index.area(place)]
    out, todo = [], [place]
    while todo:
        cur = todo.pop()
        kids = [
            k for k in index.children.get(cur, ()) if index.level.get(k) is not PlaceLevel.BUURT
        ]
        if not kids:
            out.append(cur)
        todo.extend(kids)
    return sorted(out, key=lambda a: index.ids[a])


def place_counts(index: MatchIndex) -> dict[int, tuple[int, int]]:
    """Actors and initiatives per place, each counted in every place it lies inside."""
    kind = np.frombuffer(bytes(index.kind), dtype=np.uint8)
    home = np.frombuffer(index.home.tobytes(), dtype=np.int32)
    out: dict[int, list[int]] = {}
    for column, mask in enumerate((np.isin(kind, list(ACTOR_CODES)), kind == _INI)):
        homes, counts = np.unique(home[mask & (home >= 0)], return_counts=True)
        for p, c in zip(homes.tolist(), counts.tolist(), strict=True):
            for _ in range(10):
                out.setdefault(p, [0, 0])[column] += c
                p = index.parent.get(p, -1)
                if p < 0:
                    break
    return {p: (c[0], c[1]) for p, c in out.items()}


def _has(lst: array[int] | None, value: int) -> bool:
    return lst is not None and value in lst


def _select(index: MatchIndex, place: int, theme: int) -> tuple[np.ndarray, np.ndarray]:
    kind = np.frombuffer(bytes(index.kind), dtype=np.uint8)
    home = np.frombuffer(index.home.tobytes(), dtype=np.int32)
    within = np.zeros(len(index.ids) + 1, dtype=bool)  # home -1 reads the last slot: False
    within[subtree(index, place)] = True
    core = within[home] & (np.isin(kind, list(ACTOR_CODES)) | (kind == _INI))
    if theme >= 0:
        about = [i for i in np.flatnonzero(core).tolist() if _has(index.themes[i], theme)]
        core = np.zeros(len(core), dtype=bool)
        core[about] = True
        for g in about:  # the people in an initiative on the theme belong to it too
            for m in index.members.get(g, ()) if index.kind[g] == _INI else ():
                core[m] |= bool(within[index.home[m]])
    selected = core.copy()
    for g in np.flatnonzero(core & ((kind == _INI) | (kind == _ENT))).tolist():
        selected[list(index.members.get(g, ()))] = True
        selected[list(index.supporters.get(g, ()))] = True
    # in id order, so results do not depend on the order the index was built in
    ids = index.ids
    nodes = np.array(sorted(np.flatnonzero(selected).tolist(), key=ids.__getitem__), np.int32)
    return nodes, core[nodes]


def _edges(index: MatchIndex, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(nodes)
    local = np.full(len(index.ids), -1, dtype=np.int64)
    local[nodes] = np.arange(n)
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    positions = nodes.tolist()
    for code, lists in ((0, index.ties), (1, index.groups)):
        flat: array[int] = array("i")
        lens = np.zeros(n, dtype=np.int64)
        for k, i in enumerate(positions):
            lst = lists[i]
            if lst is not None:
                flat.extend(lst)
                lens[k] = len(lst)
        src.append(np.repeat(np.arange(n), lens))
        dst.append(local[np.frombuffer(flat.tobytes(), dtype=np.int32)])
        codes.append(np.full(len(flat), code, dtype=np.uint8))
    for code, table in ((2, index.supporters), (3, index.employers)):
        pairs = [(k, o) for k, i in enumerate(positions) for o in table.get(i, ())]
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        src.append(arr[:, 0])
        dst.append(local[arr[:, 1]])
        codes.append(np.full(len(arr), code, dtype=np.uint8))
    s, d, types = np.concatenate(src), np.concatenate(dst), np.concatenate(codes)
    keep = (d >= 0) & (s != d)
    s, d, types = s[keep], d[keep], types[keep]
    key = np.minimum(s, d) * max(n, 1) + np.maximum(s, d)
    order = np.lexsort((types, key))  # a tie stays a tie when the two are also co-members
    key, types = key[order], types[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, types = key[first], types[first]
    edges = np.stack([key // max(n, 1), key % max(n, 1)], axis=1).astype(np.int32)
    return edges, types


# --- graph algorithms -------------------------------------------------------------

LEIDEN_ITERATIONS = 2  # Leiden passes; more converge further, each costs a pass


def communities(
    n: int, edges: np.ndarray, *, seed: int = SEED, backend: str = "auto", graph: Any = None
) -> tuple[np.ndarray, str]:
    """Community of each node (0 the largest; -1 without ties) and the algorithm used.

    Leiden optimising modularity through igraph when it is installed, else
    networkx's Louvain (the reference; much slower on large graphs). ``graph``: the
    same graph as an igraph ``Graph``, when the caller has built one already.
    """
    if not n or not len(edges):
        return np.full(n, -1, dtype=np.int32), "none"
    ig = _igraph(backend)
    membership = np.zeros(n, dtype=np.int64)
    if ig is not None:
        graph = graph if graph is not None else ig.Graph(n=n, edges=edges.tolist())
        ig.set_random_number_generator(random.Random(seed))
        try:
            part = graph.community_leiden(
                objective_function="modularity", n_iterations=LEIDEN_ITERATIONS
            )
        finally:
            ig.set_random_number_generator(random)
        membership[:] = part.membership
        name = "leiden-igraph"
    else:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from(edges.tolist())
        for c, members in enumerate(nx.community.louvain_communities(g, seed=seed)):
            membership[list(members)] = c
        name = "louvain-networkx"
    degree = np.bincount(edges.ravel(), minlength=n)
    return _canonical(membership, degree > 0), name


def _canonical(membership: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """Number communities by size (largest first), then by their first node."""
    out = np.full(len(membership), -1, dtype=np.int32)
    where = np.flatnonzero(tied)
    if not len(where):
        return out
    _, inv = np.unique(membership[where], return_inverse=True)
    sizes = np.bincount(inv)
    first = np.full(len(sizes), len(membership), dtype=np.int64)
    np.minimum.at(first, inv, where)
    order = np.lexsort((first, -sizes))
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    out[where] = rank[inv]
    return out


def modularity(n: int, edges: np.ndarray, labels: np.ndarray) -> float:
    """Newman modularity of a partition of an unweighted graph."""
    m = len(edges)
    if not m:
        return 0.0
    lab = labels.astype(np.int64) + 1
    degree = np.bincount(edges.ravel(), minlength=n).astype(np.float64)
    intra = float(np.count_nonzero(lab[edges[:, 0]] == lab[edges[:, 1]]))
    totals = np.bincount(lab, weights=degree)
    return intra / m - float(((totals / (2 * m)) ** 2).sum())


# --- analysis -------------------------------------------------------------------


def analyse(
    index: MatchIndex,
    place: str,
    theme: str | None = None,
    *,
    samples: int | None = None,
    seed: int = SEED,
    backend: str = "auto",
    exact_up_to: int | None = None,
    lazy: bool = False,
) -> Network:
    """Analyse the network of ``place`` (and ``theme``); see the module docstring.

    ``samples`` betweenness sources (default: all up to ``exact_up_to`` nodes, else
    64, and brokers are then ranked by :func:`bridging`, default 2,000); ``backend`` is
    ``"igraph"``, ``"networkx"`` or ``"auto"`` (igraph when installed). ``lazy``: the
    summaries (:data:`DERIVED`) are made when first asked, while ``index`` lives (the
    network holds it weakly), instead of now.
    """
    exact_up_to = EXACT_UP_TO if exact_up_to is None else exact_up_to
    p, t = resolve(index, place, theme)
    nodes, inside = _select(index, p, t)
    edges, types = _edges(index, nodes)
    n = len(nodes)
    ig = _igraph(backend)
    graph = ig.Graph(n=n, edges=edges.tolist()) if ig is not None and len(edges) else None
    labels, algorithm = communities(n, edges, seed=seed, backend=backend, graph=graph)
    k = samples if samples is not None else (n if n <= exact_up_to else SAMPLES)
    bc = betweenness(n, edges, samples=max(k, 1), seed=seed, backend=backend, graph=graph)
    exact = k >= n
    kind = np.frombuffer(bytes(index.kind), dtype=np.uint8)[nodes]
    reach = _reach(n, edges, labels)
    net = Network(
        place=place,
        theme=theme or None,
        nodes=nodes,
        inside=inside,
        edges=edges,
        edge_type=types,
        community=labels,
        betweenness=bc,
        reach=reach,
        modularity=modularity(n, edges, labels),
        algorithm=algorithm,
        version=getattr(index, "version", -1),
        extra={"actor": np.isin(kind, list(ACTOR_CODES)), "kind": kind},
        betweenness_exact=exact or n < 3,
    )
    if samples is None and n > exact_up_to:
        net.broker_measure = "bridging"
    net.areas_reached, net.cross_ties = bridging(index, nodes, edges)
    net.derive = functools.partial(_derive, weakref.ref(index), p, t)
    return net if lazy else net.complete()


DERIVED = ("communities", "links", "gaps", "figures", "totals")
"""The summaries of a :class:`Network` made when first asked."""


def _derive(ref: weakref.ref[MatchIndex], place: int, theme: int, net: Network, name: str) -> Any:
    """One of :data:`DERIVED` for ``net``, from the index it was analysed over (while
    the network is valid, the parts of the index it reads are as they were: see
    `cached_analyse`)."""
    index = ref()
    if index is None:
        raise RuntimeError("the index this network was analysed over is gone")
    if name == "communities":
        return _summaries(index, net)
    if name == "links":
        return _links(index, net)
    if name == "gaps":
        return _gaps(index, net, place, theme)
    figures, totals = _figures(index, net, place, theme)
    net.derived["figures"], net.derived["totals"] = figures, totals
    return figures if name == "figures" else totals


def bridging(
    index: MatchIndex, nodes: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per node: how many wijken other than its own its ties reach, and how many of its
    ties go to another wijk (a buurt counts as its wijk; nodes without a place reach none).
    Exact, and linear in the ties."""
    n = len(nodes)
    if not len(edges):
        return np.zeros(n, dtype=np.int32), np.zeros(n, dtype=np.int32)
    homes = np.frombuffer(index.home.tobytes(), dtype=np.int32)[nodes]
    area = np.array([index.area(int(h)) for h in homes.tolist()], dtype=np.int64)
    u, v = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    across = (area[u] >= 0) & (area[v] >= 0) & (area[u] != area[v])
    cross = np.bincount(np.concatenate([u[across], v[across]]), minlength=n).astype(np.int32)
    big = len(index.ids) + 1
    pairs = np.unique(
        np.concatenate([u[across] * big + area[v[across]], v[across] * big + area[u[across]]])
    )
    reached = np.bincount(pairs // big, minlength=n).astype(np.int32)
    return reached, cross


def business(index: MatchIndex, net: Network) -> Business:
    """Legal forms and revenue models of the enterprises (and organisations) homed in the
    network's place, how its initiatives are supported and which instruments they use."""
    kind = net.extra["kind"]
    forms: Counter[str] = Counter()
    models: Counter[str] = Counter()
    support: Counter[str] = Counter()
    instruments: Counter[str] = Counter()
    enterprises = demo = 0
    org = KIND_CODE[NodeKind.ORGANISATION]
    for k in np.flatnonzero(net.inside).tolist():
        i, code = int(net.nodes[k]), int(kind[k])
        if code in (_ENT, org) and i in index.legal_form:
            forms[index.legal_form[i]] += 1
        if code == _ENT:
            enterprises += 1
            demo += index.provenance[i] == DEMO
            models.update(index.revenue_models.get(i, ()))
        elif code == _INI:
            support.update(set(index.supporters.get(i, {}).values()) - {""})
            instruments.update(index.ids[x] for x in index.uses.get(i, ()))
    return Business(
        enterprises=enterprises,
        legal_forms=dict(forms.most_common()),
        revenue_models=dict(models.most_common()),
        support=dict(support.most_common()),
        instruments=dict(instruments.most_common()),
        demo_enterprises=demo,
    )


def _reach(n: int, edges: np.ndarray, labels: np.ndarray) -> np.ndarray:
    if not len(edges):
        return np.zeros(n, dtype=np.int32)
    k = int(labels.max()) + 2
    node = np.concatenate([edges[:, 0], edges[:, 1]]).astype(np.int64)
    other = np.concatenate([labels[edges[:, 1]], labels[edges[:, 0]]]).astype(np.int64) + 1
    pairs = np.unique(node * k + other)
    return np.bincount(pairs // k, minlength=n).astype(np.int32)


def _areas_of(index: MatchIndex, net: Network, place: int) -> tuple[list[int], np.ndarray]:
    """The place's wijk-level areas, and the area (-1 for none) of each network node."""
    areas = areas_in(index, place)
    area_of = np.full(len(index.ids) + 1, -1, dtype=np.int64)
    for a in areas:
        area_of[subtree(index, a)] = a
    home = np.frombuffer(index.home.tobytes(), dtype=np.int32)
    return areas, area_of[home[net.nodes]]


def _summaries(index: MatchIndex, net: Network) -> list[Community]:
    labels, kind = net.community, net.extra["kind"]
    count = int(labels.max()) + 1 if len(labels) else 0
    if not count:
        return []
    kinds: list[Counter[str]] = [Counter() for _ in range(count)]
    places: list[Counter[str]] = [Counter() for _ in range(count)]
    themes: list[Counter[str]] = [Counter() for _ in range(count)]
    for k, (i, c) in enumerate(zip(net.nodes.tolist(), labels.tolist(), strict=True)):
        if c < 0:
            continue
        kinds[c][_KIND_NAMES[kind[k]]] += 1
        home = index.area(index.home[i])
        if home >= 0:
            places[c][index.ids[home]] += 1
        for th in index.themes[i] or ():
            themes[c][index.ids[th]] += 1
    rank = np.empty(len(labels), dtype=np.int64)
    rank[net.broker_order()] = np.arange(len(labels))
    order = np.lexsort((rank, labels))
    top: list[list[str]] = [[] for _ in range(count)]
    for k in order.tolist():
        c = labels[k]
        if c >= 0 and len(top[c]) < 3 and net.extra["actor"][k]:
            top[c].append(index.ids[net.nodes[k]])
    sizes = np.bincount(labels[labels >= 0], minlength=count)
    return [
        Community(
            id=c,
            size=int(sizes[c]),
            kinds=dict(kinds[c].most_common()),
            places=places[c].most_common(3),
            themes=themes[c].most_common(3),
            top=top[c],
        )
        for c in range(count)
    ]


def _links(index: MatchIndex, net: Network, limit: int = 200) -> list[CommunityLink]:
    lab = net.community
    u, v = net.edges[:, 0], net.edges[:, 1]
    cross = lab[u] != lab[v]
    ties: Counter[tuple[int, int]] = Counter()
    carriers: dict[tuple[int, int], Counter[int]] = {}
    for a, b in zip(u[cross].tolist(), v[cross].tolist(), strict=True):
        ca, cb = int(lab[a]), int(lab[b])
        key = (ca, cb) if ca < cb else (cb, ca)
        ties[key] += 1
        carry = carriers.setdefault(key, Counter())
        carry[a] += 1
        carry[b] += 1
    return [
        CommunityLink(
            a=key[0],
            b=key[1],
            ties=w,
            via=[index.ids[net.nodes[x]] for x, _ in carriers[key].most_common(3)],
        )
        for key, w in sorted(ties.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    ]


def _gaps(index: MatchIndex, net: Network, place: int, theme: int) -> Gaps:
    kind = net.extra["kind"]
    local = {int(p): k for k, p in enumerate(net.nodes.tolist())}
    inis = [int(net.nodes[k]) for k in np.flatnonzero(net.inside & (kind == _INI))]
    themes = (
        [theme]
        if theme >= 0
        else np.flatnonzero(np.frombuffer(bytes(index.kind), np.uint8) == _THEME).tolist()
    )
    on_theme: Counter[int] = Counter()
    funded: set[int] = set()
    present: set[tuple[int, int]] = set()
    no_contact = []
    for g in inis:
        supporters = index.supporters.get(g, {})
        is_funded = "funding" in supporters.values()
        for th in index.themes[g] or ():
            on_theme[th] += 1
            present.add((index.area(index.home[g]), th))
            if is_funded:
                funded.add(th)
        contacts = [*index.members.get(g, ()), *supporters]
        if not any(
            index.kind[c] in (_PRO, _MUN)
            or any(index.kind[e] == _MUN for e in index.employers.get(c, ()))
            for c in contacts
        ):
            no_contact.append(index.ids[g])
    empty = []
    for a in areas_in(index, place):
        missing = [index.ids[th] for th in themes if (a, th) not in present]
        if missing:
            empty.append((index.ids[a], sorted(missing)))
    unfunded = sorted(
        ((index.ids[th], on_theme[th]) for th in themes if th not in funded),
        key=lambda x: (-x[1], x[0]),
    )
    return Gaps(empty, sorted(no_contact), unfunded, _isolated(index, net, inis, local))


def _isolated(index: MatchIndex, net: Network, inis: list[int], local: dict[int, int]) -> list[str]:
    """Initiatives whose component holds no other initiative, enterprise or body."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(net.nodes)
    if not inis:
        return []
    graph = coo_matrix((np.ones(len(net.edges)), (net.edges[:, 0], net.edges[:, 1])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    groupish = np.isin(net.extra["kind"], _GROUPISH)
    per_comp = np.bincount(comp[groupish], minlength=int(comp.max()) + 1)
    return sorted(index.ids[g] for g in inis if per_comp[comp[local[g]]] == 1)


def _figures(
    index: MatchIndex, net: Network, place: int, theme: int
) -> tuple[list[Figures], Figures]:
    kind = net.extra["kind"]
    areas, area = _areas_of(index, net, place)
    in_group = np.zeros(len(net.nodes), dtype=bool)
    member = net.edge_type == 1
    grp = net.inside & ((kind == _INI) | (kind == _ENT))
    for a, b in ((0, 1), (1, 0)):
        ends = net.edges[member]
        in_group[ends[:, a][grp[ends[:, b]]]] = True
    residents = _resident_counts(index, place)
    demo_residents = _resident_counts(index, place, demo_only=True)
    same = area[net.edges[:, 0]] == area[net.edges[:, 1]]
    both_inside = net.inside[net.edges[:, 0]] & net.inside[net.edges[:, 1]]
    demo = np.frombuffer(bytes(index.provenance), dtype=np.uint8)[net.nodes] == DEMO
    demo_edge = demo[net.edges[:, 0]] | demo[net.edges[:, 1]]  # a tie to demo data is demo

    def figures(
        code: str, mask: np.ndarray, ties: np.ndarray, residents_there: tuple[int, int]
    ) -> Figures:
        size = int(mask.sum())
        by_kind = Counter(_KIND_NAMES[k] for k in kind[mask & (kind != _INI)].tolist())
        by_theme: Counter[str] = Counter()
        for k in np.flatnonzero(mask & (kind == _INI)).tolist():
            for th in index.themes[int(net.nodes[k])] or ():
                if theme < 0 or th == theme:
                    by_theme[index.ids[th]] += 1
        pairs = size * (size - 1) / 2
        n_ties = int(ties.sum())
        involved = mask & in_group & (kind == _RES)
        return Figures(
            place=code,
            actors=dict(sorted(by_kind.items())),
            initiatives=dict(sorted(by_theme.items())),
            initiative_count=int((mask & (kind == _INI)).sum()),
            ties=n_ties,
            density=n_ties / pairs if pairs else 0.0,
            residents=residents_there[0],
            residents_involved=int(involved.sum()),
            demo_actors=int((mask & demo & (kind != _INI)).sum()),
            demo_initiatives=int((mask & demo & (kind == _INI)).sum()),
            demo_ties=int((ties & demo_edge).sum()),
            demo_residents=residents_there[1],
            demo_residents_involved=int((involved & demo).sum()),
        )

    per_area = []
    for a in areas:
        mask = net.inside & (area == a)
        ties = same & both_inside & (area[net.edges[:, 0]] == a)
        there = (residents.get(a, 0), demo_residents.get(a, 0))
        per_area.append(figures(index.ids[a], mask, ties, there))
    everywhere = (sum(residents.values()), sum(demo_residents.values()))
    total = figures(index.ids[place], net.inside, both_inside, everywhere)
    return per_area, total


def _resident_counts(index: MatchIndex, place: int, *, demo_only: bool = False) -> dict[int, int]:
    out: Counter[int] = Counter()
    prov = index.provenance
    for p in subtree(index, place):
        at = index.actors_at.get(p)
        if at is not None:
            out[index.area(p)] += sum(
                1 for i in at if index.kind[i] == _RES and (not demo_only or prov[i] == DEMO)
            )
    return out


# --- cache ----------------------------------------------------------------------


@dataclass(slots=True)
class _Cache:
    entries: OrderedDict[tuple[str, str | None], Network] = field(default_factory=OrderedDict)
    writes: dict[int, frozenset[int] | None] = field(default_factory=dict)  # version -> touched


_CACHES: weakref.WeakKeyDictionary[MatchIndex, _Cache] = weakref.WeakKeyDictionary()
_STRUCTURAL = (RelType.PART_OF, RelType.ADJACENT_TO)


def note_write(
    index: MatchIndex, nodes: Iterable[Node] = (), rels: Iterable[Relationship] = ()
) -> None:
    """Record what a write that was just applied to ``index`` touched.

    Call it right after ``index.apply``; cached results for places the write
    did not touch then stay valid. Without it any write invalidates every result.
    """
    cache = _CACHES.get(index)
    if cache is None:
        return
    ids: set[str] = {n.id for n in nodes}
    structural = False
    for rel in rels:
        ids.update((rel.source, rel.target))
        structural |= rel.type in _STRUCTURAL
    touched = None if structural else frozenset(index.pos[i] for i in ids if i in index.pos)
    cache.writes[getattr(index, "version", -1)] = touched
    if len(cache.writes) > 1000:
        for old in sorted(cache.writes)[:500]:
            del cache.writes[old]


def _still_valid(index: MatchIndex, cache: _Cache, net: Network, version: int) -> bool:
    place = index.pos[net.place]
    members: set[int] | None = None
    for v in range(net.version + 1, version + 1):
        if v not in cache.writes:
            return False
        touched = cache.writes[v]
        if touched is None:
            return False
        if members is None:
            members = net.extra.setdefault("members", set(net.nodes.tolist()))
        for p in touched:
            if p in members or _inside(index, p, place):
                return False
    return True


def _inside(index: MatchIndex, node: int, place: int) -> bool:
    cur = node if index.kind[node] == KIND_CODE[NodeKind.PLACE] else index.home[node]
    for _ in range(10):
        if cur < 0:
            return False
        if cur == place:
            return True
        cur = index.parent.get(cur, -1)
    return False


def cached_analyse(index: MatchIndex, place: str, theme: str | None = None) -> Network:
    """:func:`analyse` with defaults, kept until a write touches the network or its place;
    its summaries (communities, bridges, gaps, figures) are made when first asked."""
    version = getattr(index, "version", None)
    if version is None:  # an index that does not count its writes cannot be cached
        return analyse(index, place, theme)
    cache = _CACHES.setdefault(index, _Cache())
    key = (place, theme or None)
    net = cache.entries.get(key)
    if net is not None and (net.version == version or _still_valid(index, cache, net, version)):
        net.version = version
        cache.entries.move_to_end(key)
        return net
    net = analyse(index, place, theme, lazy=True)
    cache.entries[key] = net
    cache.entries.move_to_end(key)
    while len(cache.entries) > CACHE_SIZE:
        cache.entries.popitem(last=False)
    return net
