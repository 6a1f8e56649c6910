"""Personalised PageRank over the social graph: a local push and an exact reference.

The social graph is undirected: an actor's ties (KNOWS, PARTNERS_WITH), the groups
it is a member of, and a group's members. :func:`local_pagerank` approximates the
personalised PageRank from a set of seeds by forward push (Andersen, Chung & Lang
2006), touching only the seeds' neighbourhood; :func:`exact_pagerank` computes the
same vector by power iteration over a scipy CSR matrix of the whole graph (tests,
evaluation).

Both use the same walk: with probability ``alpha`` it restarts at a seed (chosen
uniformly), otherwise it moves to a uniformly chosen neighbour; a node without
neighbours keeps the walk (restarts to itself).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection

import numpy as np
import scipy.sparse as sp

from matching.index import MatchIndex

ALPHA = 0.15  # restart probability
EPSILON = 1e-4  # push threshold per unit of degree: smaller is more exact and slower
MAX_WORK = 40_000  # neighbour visits per query; bounds the time on dense neighbourhoods


def social_neighbours(index: MatchIndex, u: int) -> list[int]:
    """Ties, groups (for actors) and members (for groups) of ``u``."""
    out = list(index.ties[u] or ())
    out += index.groups[u] or ()
    members = index.members.get(u)
    if members:
        out += members
    return out


def social_degree(index: MatchIndex, u: int) -> int:
    members = index.members.get(u)
    return len(index.ties[u] or ()) + len(index.groups[u] or ()) + (len(members) if members else 0)


def local_pagerank(
    index: MatchIndex,
    seeds: Collection[int],
    *,
    alpha: float = ALPHA,
    eps: float = EPSILON,
    max_work: int = MAX_WORK,
) -> dict[int, float]:
    """Personalised PageRank from ``seeds`` by forward push.

    A node is pushed while its residual is at least ``eps`` times its degree, the
    same degree that its push divides by (groups and initiatives included). When
    the push runs to the end, every node's estimate is below the exact value by at
    most ``eps`` times its degree. ``max_work`` caps the neighbour visits; a query
    that reaches it stops early with a coarser estimate.
    """
    if not seeds:
        return {}
    start = 1.0 / len(seeds)
    residual = dict.fromkeys(seeds, start)
    rank: dict[int, float] = {}
    degree: dict[int, int] = {}
    queue: deque[int] = deque()
    queued: set[int] = set()
    for s in residual:
        d = degree[s] = social_degree(index, s)
        if start >= eps * max(d, 1):
            queue.append(s)
            queued.add(s)
    work = 0
    keep = 1.0 - alpha
    ties, groups, members = index.ties, index.groups, index.members
    while queue and work < max_work:
        u = queue.popleft()
        queued.discard(u)
        ru = residual[u]
        residual[u] = 0.0
        du = degree[u]
        if not du:  # no way out: the walk stays here
            rank[u] = rank.get(u, 0.0) + ru
            continue
        rank[u] = rank.get(u, 0.0) + alpha * ru
        share = keep * ru / du
        work += du
        for source in (ties[u], groups[u], members.get(u)):
            if not source:
                continue
            for v in source:
                after = residual[v] = residual.get(v, 0.0) + share
                if v in queued:
                    continue
                dv = degree.get(v)
                if dv is None:
                    t, g, m = ties[v], groups[v], members.get(v)
                    dv = degree[v] = (
                        (len(t) if t else 0) + (len(g) if g else 0) + (len(m) if m else 0)
                    )
                if after >= eps * (dv or 1):
                    queue.append(v)
                    queued.add(v)
    return rank


def social_matrix(index: MatchIndex) -> sp.csr_matrix:
    """The social graph's adjacency as a symmetric CSR matrix (ones)."""
    rows: list[int] = []
    cols: list[int] = []
    for u in range(len(index.ids)):
        for v in social_neighbours(index, u):
            rows.append(u)
            cols.append(v)
    n = len(index.ids)
    data = np.ones(len(rows))
    return sp.csr_matrix((data, (rows, cols)), shape=(n, n))


def power_pagerank(
    adjacency: sp.csr_matrix,
    seeds: Collection[int],
    *,
    alpha: float = ALPHA,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> np.ndarray:
    """Personalised PageRank by power iteration over a symmetric adjacency matrix.

    Same walk as :func:`local_pagerank` (a node without neighbours keeps the walk).
    """
    n = adjacency.shape[0]
    restart = np.zeros(n)
    restart[list(seeds)] = 1.0 / len(seeds)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    dangling = degree == 0
    inv = np.divide(1.0, degree, out=np.zeros(n), where=~dangling)
    transposed = adjacency.T.tocsr()
    p = restart.copy()
    for _ in range(max_iter):
        moved = transposed @ (p * inv) + p * dangling
        nxt = alpha * restart + (1.0 - alpha) * moved
        if np.abs(nxt - p).sum() < tol:
            return np.asarray(nxt)
        p = nxt
    return np.asarray(p)


def exact_pagerank(
    index: MatchIndex, seeds: Collection[int], *, alpha: float = ALPHA
) -> dict[int, float]:
    """The exact personalised PageRank that :func:`local_pagerank` approximates."""
    p = power_pagerank(social_matrix(index), seeds, alpha=alpha)
    return {i: float(x) for i, x in enumerate(p) if x > 0}
