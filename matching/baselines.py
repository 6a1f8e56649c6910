"""Baselines the matcher is measured against, on the same hold-out cases.

The strong ones: Adamic-Adar and resource allocation over co-membership, and
whole-graph personalised PageRank by power iteration over a scipy CSR matrix
(networkx's ``pagerank`` computes the same and serves as a cross-check).
"""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import scipy.sparse as sp

from matching.holdout import Case
from matching.index import MatchIndex
from matching.suggest import Target

CUTOFF = 100
DAMPING = 0.85  # networkx's alpha: the walk goes on with this probability
TOL = 1e-6  # L1 change per iteration at which the power iteration stops
MAX_ITER = 100


def _edges(index: MatchIndex) -> list[tuple[int, int]]:
    """Every relationship the index keeps, undirected: ties, memberships, skills,
    themes, homes, place hierarchy, support."""
    out: list[tuple[int, int]] = []
    for i in range(len(index.ids)):
        for lists in (index.ties, index.groups, index.skills, index.themes):
            out.extend((i, j) for j in lists[i] or ())
        if index.home[i] >= 0:
            out.append((i, index.home[i]))
    out.extend(index.parent.items())
    for grp, sups in index.supporters.items():
        out.extend((grp, s) for s in sups)
    return out


class WholeGraphPageRank:
    """Personalised PageRank over the whole graph as a symmetric CSR matrix; a
    membership can be hidden in place (its two entries set to zero)."""

    def __init__(self, index: MatchIndex) -> None:
        n = len(index.ids)
        pairs = np.array([e for e in _edges(index) if e[0] != e[1]], dtype=np.int64).reshape(-1, 2)
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
        a.sum_duplicates()
        a.data[:] = 1.0
        self.a = a
        self.degree = np.asarray(a.sum(axis=1)).ravel()
        self.n = n

    def _slot(self, u: int, v: int) -> int:
        lo, hi = self.a.indptr[u], self.a.indptr[u + 1]
        hits = np.nonzero(self.a.indices[lo:hi] == v)[0]
        return int(lo + hits[0]) if len(hits) else -1

    def hide(self, case: Case) -> None:
        self._set(case, 0.0)

    def unhide(self, case: Case) -> None:
        self._set(case, 1.0)

    def _set(self, case: Case, value: float) -> None:
        for u, v in ((case.actor, case.initiative), (case.initiative, case.actor)):
            k = self._slot(u, v)
            if k >= 0 and self.a.data[k] != value:
                self.a.data[k] = value
                self.degree[u] += 1.0 if value else -1.0

    def scores(self, seeds: list[int]) -> np.ndarray:
        """networkx's personalised PageRank: dangling nodes jump back to the seeds."""
        s = np.zeros(self.n)
        s[seeds] = 1.0 / len(seeds)
        inv = np.divide(1.0, self.degree, out=np.zeros(self.n), where=self.degree > 0)
        dangling = self.degree == 0
        p = s.copy()
        for _ in range(MAX_ITER):
            nxt = DAMPING * (self.a @ (p * inv) + p[dangling].sum() * s) + (1 - DAMPING) * s
            if np.abs(nxt - p).sum() < TOL:
                return np.asarray(nxt)
            p = nxt
        return np.asarray(p)


class Baselines:
    """Baseline rankers; global orders and the CSR matrix are built once per index."""

    def __init__(self, index: MatchIndex) -> None:
        self.index = index
        self.matchable = [
            i for i in range(len(index.ids)) if index.matchable[i] and index.is_actor(i)
        ]
        self.popular = sorted(
            self.matchable, key=lambda i: (-len(index.groups[i] or ()), index.ids[i])
        )
        self.holders: dict[int, list[int]] = {}
        for i in self.matchable:
            for s in index.skills[i] or ():
                self.holders.setdefault(s, []).append(i)
        self._csr: WholeGraphPageRank | None = None
        self._graph: nx.Graph | None = None
        self._eligible = np.zeros(len(index.ids), dtype=bool)
        self._eligible[self.matchable] = True

    def _top(self, t: Target, ordered: list[int]) -> list[int]:
        out = []
        for i in ordered:
            if i not in t.members:
                out.append(i)
                if len(out) == CUTOFF:
                    break
        return out

    def random_order(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._top(t, rng.sample(self.matchable, min(len(self.matchable), CUTOFF * 2)))

    def popularity(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._top(t, self.popular)

    def skill_only(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        score: dict[int, float] = {}
        for s, urgency in t.needs.items():
            for i in self.holders.get(s, ()):
                score[i] = score.get(i, 0.0) + index.rarity(s) * urgency
        noise = {i: rng.random() for i in score}
        return self._top(t, sorted(score, key=lambda i: (-score[i], noise[i])))

    def proximity_only(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        ordered: list[int] = []
        for ring in index.areas_near(t.home) if t.home >= 0 else []:
            ring_actors = [
                i
                for area in index.at(ring)
                for i in index.actors_at.get(area, ())
                if index.matchable[i]
            ]
            rng.shuffle(ring_actors)
            ordered += ring_actors
            if len(ordered) > CUTOFF * 3:
                break
        return self._top(t, ordered)

    def _co_membership(self, t: Target, rng: random.Random, weight: str) -> list[int]:
        """Sum over members m and groups g shared with m: 1 / log(|g|) (Adamic-Adar) or
        1 / |g| (resource allocation)."""
        index = self.index
        score: dict[int, float] = {}
        for m in t.members:
            for g in index.groups[m] or ():
                if g == t.initiative:
                    continue
                size = len(index.members.get(g, ()))
                if size < 2:
                    continue
                w = 1.0 / math.log(size) if weight == "aa" else 1.0 / size
                for c in index.members.get(g, ()):
                    if index.matchable[c]:
                        score[c] = score.get(c, 0.0) + w
        noise = {i: rng.random() for i in score}
        return self._top(t, sorted(score, key=lambda i: (-score[i], noise[i])))

    def adamic_adar(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._co_membership(t, rng, "aa")

    def resource_allocation(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._co_membership(t, rng, "ra")

    def csr(self) -> WholeGraphPageRank:
        if self._csr is None:
            self._csr = WholeGraphPageRank(self.index)
        return self._csr

    def hide(self, case: Case) -> None:
        """Take the hidden membership out of the whole-graph matrices too."""
        if self._csr is not None:
            self._csr.hide(case)
        if self._graph is not None and self._graph.has_edge(case.actor, case.initiative):
            self._graph.remove_edge(case.actor, case.initiative)

    def unhide(self, case: Case) -> None:
        if self._csr is not None:
            self._csr.unhide(case)
        if self._graph is not None:
            self._graph.add_edge(case.actor, case.initiative)

    def pagerank(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        """Whole-graph personalised PageRank (CSR power iteration), restarting at the
        initiative and its members."""
        seeds = [*t.members, *([t.initiative] if t.initiative >= 0 else [])]
        p = self.csr().scores(seeds)
        p[~self._eligible] = -1.0
        take = min(len(p), CUTOFF + len(seeds))
        best = np.argpartition(-p, take - 1)[:take] if take < len(p) else np.arange(len(p))
        ordered = sorted((int(i) for i in best if p[i] > 0), key=lambda i: (-p[i], i))
        return self._top(t, ordered)

    def graph(self) -> nx.Graph:
        """The same whole graph in networkx (built once), for the cross-check."""
        if self._graph is None:
            g = nx.Graph()
            g.add_nodes_from(range(len(self.index.ids)))
            g.add_edges_from((u, v) for u, v in _edges(self.index) if u != v)
            self._graph = g
        return self._graph

    def pagerank_networkx(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        """The same ranking by ``networkx.pagerank`` (slow; a cross-check of the CSR one)."""
        seeds = [*t.members, *([t.initiative] if t.initiative >= 0 else [])]
        pr = nx.pagerank(
            self.graph(),
            alpha=DAMPING,
            personalization=dict.fromkeys(seeds, 1.0),
            tol=1e-9,
            max_iter=500,
        )
        ordered = sorted(
            (i for i in pr if self._eligible[i] and pr[i] > 0), key=lambda i: (-pr[i], i)
        )
        return self._top(t, ordered)
