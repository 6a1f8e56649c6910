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

from collections.abc import Collection

import numpy as np
import scipy.sparse as sp

from matching.index import MatchIndex
from matching.social import degree, neighbours

ALPHA = 0.15  # restart probability
EPSILON = 1e-4  # push threshold per unit of degree: smaller is more exact and slower
MAX_WORK = 40_000  # neighbour visits per query; bounds the time on dense neighbourhoods


def social_neighbours(index: MatchIndex, u: int) -> list[int]:
    """Ties, groups (for actors) and members (for groups) of ``u``."""
    return neighbours(index, u)


def social_degree(index: MatchIndex, u: int) -> int:
    return degree(index, u)


def local_pagerank(
    index: MatchIndex,
    seeds: Collection[int],
    *,
    alpha: float = ALPHA,
    eps: float = EPSILON,
    max_work: int = MAX_WORK,
) -> dict[int, float]:
    """Personalised PageRank from ``seeds`` by forward push, as a dict (see
    :func:`local_pagerank_arrays`)."""
    nodes, values = local_pagerank_arrays(index, seeds, alpha=alpha, eps=eps, max_work=max_work)
    return dict(zip(nodes.tolist(), values.tolist(), strict=True))


def local_pagerank_arrays(
    index: MatchIndex,
    seeds: Collection[int],
    *,
    alpha: float = ALPHA,
    eps: float = EPSILON,
    max_work: int = MAX_WORK,
) -> tuple[np.ndarray, np.ndarray]:
    """Personalised PageRank from ``seeds`` by forward push: the nodes reached and
    their estimates (node order).

    Each round pushes every node whose residual is at least ``eps`` times its
    degree, the same degree that its push divides by (groups and initiatives
    included), all at once over the CSR social graph. When the push runs to the
    end, every node's estimate is below the exact value by at most ``eps`` times
    its degree. ``max_work`` caps the neighbour visits: the round that would pass
    it pushes its largest residuals (per degree) first and is the last.
    """
    if not seeds:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    g = index.social()
    residual, rank = g.work_arrays()
    deg, floor = g.degree, g.floor  # floor: the degree, at least 1
    bar = g.bar(eps)  # eps * floor
    start = np.fromiter(seeds, dtype=np.int64, count=len(seeds))
    np.add.at(residual, start, 1.0 / len(start))
    start = g.unique(start)
    reached = [start]
    frontier = start[residual[start] >= bar[start]]
    work = 0
    keep = 1.0 - alpha
    while frontier.size and work < max_work:
        lens = deg[frontier]
        total = int(lens.sum())
        last = work + total > max_work
        if last:  # largest residual per degree first, within the budget (at least one)
            order = np.argsort(-residual[frontier] / floor[frontier], kind="stable")
            frontier, lens = frontier[order], lens[order]
            fits = int(np.searchsorted(np.cumsum(lens), max_work - work, side="right"))
            cut = max(1, fits)
            frontier, lens = frontier[:cut], lens[:cut]
            total = int(lens.sum())
        ru = residual[frontier]
        residual[frontier] = 0.0
        if lens.all():
            rank[frontier] += alpha * ru
        else:
            rank[frontier] += np.where(lens > 0, alpha * ru, ru)  # no way out: the walk stays
        work += total
        if not total or last:
            if total:
                nbrs = g.neighbours(frontier, lens, total)
                np.add.at(residual, nbrs, np.repeat(keep * ru / floor[frontier], lens))
                reached.append(nbrs)
            break
        nbrs = g.neighbours(frontier, lens, total)
        np.add.at(residual, nbrs, np.repeat(keep * ru / lens, lens))
        reached.append(nbrs)
        over = nbrs[residual[nbrs] >= bar[nbrs]]
        frontier = g.unique(over)
    nodes = g.unique(np.concatenate(reached))
    values = rank[nodes]
    residual[nodes] = 0.0
    rank[nodes] = 0.0
    hit = values > 0
    return nodes[hit], values[hit]


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
