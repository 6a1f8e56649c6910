"""Betweenness centrality of a network, exact or sampled, normalised like networkx.

Exact betweenness (every node a source, up to :data:`EXACT_UP_TO` nodes) is the
costly part of a place's analysis, so it does less than Brandes' plain sum and
gives the same numbers (up to floating-point rounding):

- each connected component is summed apart, and the sums of a big component are kept
  by its shape (:func:`_by_component`): when a write leaves it as it was (a new actor
  without ties, a tie in another component), the next analysis reuses them;
- the trees hanging off a component are pruned and what they add is counted, not
  searched (:func:`_exact_sums`).

>>> import numpy as np
>>> betweenness(3, np.array([[0, 1], [1, 2]])).tolist()  # a path: the middle one brokers
[0.0, 1.0, 0.0]
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

SEED = 42
EXACT_UP_TO = 2_000  # nodes: below this betweenness uses every source
SAMPLES = 64


def _igraph(backend: str) -> Any:
    if backend == "networkx":
        return None
    try:
        import igraph
    except ImportError:
        if backend == "igraph":
            raise
        return None
    return igraph


SOURCES_PER_CALL = 64
"""Sources per igraph call: ~10 ms each on a 1,500-node city, so other requests wait little."""


def betweenness(
    n: int,
    edges: np.ndarray,
    *,
    samples: int | None = None,
    seed: int = SEED,
    backend: str = "auto",
    graph: Any = None,
) -> np.ndarray:
    """Betweenness centrality, normalised like networkx, from ``samples`` random sources.

    With every source (``samples >= n``, or ``None`` up to EXACT_UP_TO nodes) it
    is exact and equals ``networkx.betweenness_centrality`` (see the module docstring;
    ``graph`` is then not used); with k
    sources it is Brandes' estimate, scaled by n/k as networkx scales its ``k``.
    ``edges``: a simple graph, each tie once (as :func:`_edges` makes them).
    """
    if n < 3 or not len(edges):
        return np.zeros(n)
    k = n if samples is None and n <= EXACT_UP_TO else min(n, samples or SAMPLES)
    if k == n:
        return _by_component(n, edges, backend=backend) / ((n - 1) * (n - 2))
    rng = np.random.default_rng(seed)
    sources = np.sort(rng.choice(n, size=k, replace=False))
    raw = _dependency_sums(n, edges, sources, np.ones(k), backend=backend, graph=graph)
    return raw * (n / k) / ((n - 1) * (n - 2))


KEEP_FROM = 64
"""Nodes in a component from which its sums are kept for the next analysis."""
KEEP_NODES = 200_000
"""Nodes whose sums are kept in all (8 bytes each), the least recently used dropped."""

_kept: OrderedDict[bytes, np.ndarray] = OrderedDict()
_kept_nodes = 0
_kept_lock = threading.Lock()  # analyses run in the heavy pool's threads (api/heavy.py)


def _by_component(n: int, edges: np.ndarray, *, backend: str = "auto") -> np.ndarray:
    """:func:`_exact_sums` a component at a time: a component of :data:`KEEP_FROM` nodes
    or more on its own, its sums kept by its shape (its size and its ties, numbered by
    the order of its nodes); the smaller ones together. A component's sums depend on its
    shape only, so a kept one answers for any component of the same shape."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    global _kept_nodes
    out = np.zeros(n)
    adj = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    count, label = connected_components(adj, directed=False)
    sizes = np.bincount(label, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    nodes = np.argsort(label, kind="stable")  # by component, in position order within
    rank = np.empty(n, dtype=np.int64)
    rank[nodes] = np.arange(n) - starts[label[nodes]]
    u, v = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    order = np.lexsort((rank[v], rank[u], label[u]))
    ties = np.stack([rank[u], rank[v]], axis=1)[order].astype(np.int32)
    tie_starts = np.concatenate([[0], np.cumsum(np.bincount(label[u], minlength=count))])
    for c in np.flatnonzero(sizes >= KEEP_FROM).tolist():
        size = int(sizes[c])
        own = ties[tie_starts[c] : tie_starts[c + 1]]
        key = size.to_bytes(8, "little") + own.tobytes()
        with _kept_lock:
            sums = _kept.get(key)
            if sums is not None:
                _kept.move_to_end(key)
        if sums is None:
            sums = _exact_sums(size, own, backend=backend)
            with _kept_lock:
                if key not in _kept:
                    _kept[key] = sums
                    _kept_nodes += size
                while _kept_nodes > KEEP_NODES and len(_kept) > 1:
                    _kept_nodes -= len(_kept.popitem(last=False)[1])
        out[nodes[starts[c] : starts[c + 1]]] = sums
    small = (sizes >= 3) & (sizes < KEEP_FROM)  # two nodes or one: nobody between
    if small.any():
        inside = np.flatnonzero(small[label])
        local = np.full(n, -1, dtype=np.int64)
        local[inside] = np.arange(len(inside))
        both = small[label[u]]
        own = np.stack([local[u[both]], local[v[both]]], axis=1).astype(np.int32)
        out[inside] = _exact_sums(len(inside), own, backend=backend)
    return out


def _dependency_sums(
    n: int,
    edges: np.ndarray,
    sources: np.ndarray,
    weights: np.ndarray,
    *,
    backend: str = "auto",
    graph: Any = None,
) -> np.ndarray:
    """Brandes' sum over ``sources`` of each source's dependency on every node (pairs in
    both directions), each source's share times its weight."""
    ig = _igraph(backend)
    if ig is None:
        return _brandes(n, edges, sources, weights=weights)
    graph = graph if graph is not None else ig.Graph(n=n, edges=edges.tolist())
    # igraph counts each undirected (source, target) pair once: half of Brandes' sum.
    # The sum is linear in the sources, so it is taken a chunk of sources of one weight
    # at a time: igraph holds the GIL while it runs, and between chunks the event loop
    # (which runs this in a worker thread) gets its turn (api/heavy.py).
    raw = np.zeros(n)
    for weight in np.unique(weights).tolist():
        same = sources[weights == weight]
        for start in range(0, len(same), SOURCES_PER_CALL):
            chunk = same[start : start + SOURCES_PER_CALL].tolist()
            raw += weight * np.asarray(graph.betweenness(directed=False, sources=chunk))
    return raw * 2.0


def _exact_sums(
    n: int, edges: np.ndarray, *, backend: str = "auto", graph: Any = None
) -> np.ndarray:
    """Exact betweenness before normalising: per node, the ordered pairs (s, t) of other
    nodes summed over the share of their shortest paths that pass through it.

    The trees that hang off the graph are pruned first (degree-one nodes, again and
    again; Baglioni, Geraci, Pellegrini and Lastres, "Fast exact computation of
    betweenness centrality in social networks", ASONAM 2012), and what they add is
    counted, not searched:

    - a node of a pruned tree is a cut node: every path between two of the parts it
      cuts its component into passes through it, and no other path does;
    - a source in the tree of the node r that is left has the same dependency as r on
      every node outside that tree (its paths out all go through r). So Brandes' sum
      runs from the nodes left only, each weighted by the size of its tree, over the
      whole graph, and the pairs inside a tree or from it are added for its root.

    Equals the sum over every source (networkx's Brandes) up to floating-point rounding.
    """
    deg = np.bincount(edges.ravel(), minlength=n)
    both = np.concatenate([edges, edges[:, ::-1]]).astype(np.int64)
    order = np.argsort(both[:, 0], kind="stable")
    neighbours = both[order, 1].tolist()
    start = np.concatenate([[0], np.cumsum(deg)]).tolist()
    left = deg.tolist()  # degree among the nodes not pruned yet
    pruned = [False] * n
    size = [1] * n  # a node and the tree hanging below it
    squares = [0] * n  # sum of the squared sizes of the trees hanging below it
    todo = [v for v in range(n) if left[v] == 1]
    cut: list[int] = []  # pruned nodes
    while todo:
        u = todo.pop()
        if left[u] != 1:  # the last two nodes of a tree: the other one is its root
            continue
        pruned[u] = True
        cut.append(u)
        left[u] = 0
        parent = next(v for v in neighbours[start[u] : start[u + 1]] if not pruned[v])
        size[parent] += size[u]
        squares[parent] += size[u] * size[u]
        left[parent] -= 1
        if left[parent] == 1:
            todo.append(parent)
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    adj = csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    component = np.bincount(label)[label].astype(np.float64)  # size of each node's component
    w, sq = np.asarray(size, dtype=np.float64), np.asarray(squares, dtype=np.float64)
    kept = np.flatnonzero(~np.asarray(pruned, dtype=bool))
    # from the nodes left, each as often as its tree is big, over the whole graph; a node
    # left without ties (a loner, or all that is left of a tree) reaches no other node left
    core = kept[np.asarray(left, dtype=np.int64)[kept] > 0]
    out = _dependency_sums(n, edges, core, w[core], backend=backend, graph=graph)
    # and what that misses: pairs inside a tree through its root, and from a tree out
    # (into a tree is in the sum: a target in it is a node like any other)
    out[kept] += (w[kept] - 1) ** 2 - sq[kept] + (w[kept] - 1) * (component[kept] - w[kept])
    # a pruned node: all pairs between the parts it cuts its component into (the trees
    # below it and the rest), counted exactly; what the search gave it is not used
    cut_ = np.asarray(cut, dtype=np.int64)
    rest = component[cut_] - w[cut_]
    out[cut_] = (component[cut_] - 1) ** 2 - sq[cut_] - rest**2
    return out


def _brandes(
    n: int,
    edges: np.ndarray,
    sources: np.ndarray,
    batch: int = 32,
    *,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Brandes' dependency sums from ``sources`` (each times its weight, default 1):
    breadth-first search for many sources at once, as sparse-matrix products level by
    level (numpy and scipy only)."""
    weights = np.ones(len(sources)) if weights is None else weights
    from scipy.sparse import csr_matrix

    both = np.concatenate([edges, edges[:, ::-1]])
    adj = csr_matrix((np.ones(len(both)), (both[:, 0], both[:, 1])), shape=(n, n))
    total = np.zeros(n)
    for start in range(0, len(sources), batch):
        src = sources[start : start + batch]
        cols = np.arange(len(src))
        dist = np.full((n, len(src)), -1, dtype=np.int32)
        sigma = np.zeros((n, len(src)))
        dist[src, cols] = 0
        sigma[src, cols] = 1.0
        frontier = sigma.copy()
        depth = 0
        while True:
            reached = adj @ frontier
            new = (reached > 0) & (dist < 0)
            if not new.any():
                break
            depth += 1
            dist[new] = depth
            sigma[new] = reached[new]
            frontier = np.where(new, sigma, 0.0)
        delta = np.zeros_like(sigma)
        safe = np.where(sigma > 0, sigma, 1.0)
        for level in range(depth, 0, -1):
            pull = adj @ np.where(dist == level, (1.0 + delta) / safe, 0.0)
            delta += np.where(dist == level - 1, sigma * pull, 0.0)
        delta[src, cols] = 0.0
        total += delta @ weights[start : start + batch]
    return total
