"""The social graph as CSR arrays, for walks done a whole frontier at a time.

The social graph is undirected: an actor's ties (KNOWS, PARTNERS_WITH), the groups
it is a member of, and a group's members. :class:`SocialGraph` copies it into two
numpy arrays (``indptr``, ``indices``) once, at the first walk, and is then kept
current by an overlay: a node whose ties or memberships change afterwards is
marked *dirty* (:meth:`SocialGraph.touch`, called by the index on every such
change) and read from the index's own lists from then on. Past :data:`REBUILD`
dirty nodes the arrays are copied afresh.
"""

from __future__ import annotations

import threading
from array import array
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matching.index import MatchIndex

REBUILD = 20_000  # dirty nodes (or a twentieth of the graph, if more) before a fresh copy


def neighbours(index: MatchIndex, u: int) -> list[int]:
    """Ties, groups (for actors) and members (for groups) of ``u``."""
    out = list(index.ties[u] or ())
    out += index.groups[u] or ()
    members = index.members.get(u)
    if members:
        out += members
    return out


def degree(index: MatchIndex, u: int) -> int:
    members = index.members.get(u)
    return len(index.ties[u] or ()) + len(index.groups[u] or ()) + (len(members) if members else 0)


class _Scratch(threading.local):
    """Per-thread work arrays of a walk, all zero between walks."""

    residual: np.ndarray
    rank: np.ndarray
    mark: np.ndarray  # any values: `unique` writes before it reads

    def __init__(self) -> None:
        self.residual = np.zeros(0)
        self.rank = np.zeros(0)
        self.mark = np.zeros(0, dtype=np.int64)


class SocialGraph:
    """CSR copy of the social graph with an overlay of nodes changed since."""

    def __init__(self, index: MatchIndex) -> None:
        self.index = index
        n = len(index.ids)
        flat: array[int] = array("i")
        lens = np.zeros(n, dtype=np.int64)
        ties, groups, members = index.ties, index.groups, index.members
        for u in range(n):
            t, g, m = ties[u], groups[u], members.get(u)
            if t:
                flat.extend(t)
            if g:
                flat.extend(g)
            if m:
                flat.extend(m)
            lens[u] = (len(t) if t else 0) + (len(g) if g else 0) + (len(m) if m else 0)
        self.built = n  # nodes the arrays hold; later ones are dirty or have no ties
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lens, out=self.indptr[1:])
        self.indices = np.frombuffer(flat, dtype=np.int32)  # `flat` is never resized
        self.degree = lens  # current degree of every node
        self.floor = np.maximum(lens, 1).astype(np.float64)  # the same, at least 1
        self.dirty = np.zeros(n, dtype=bool)
        self.dirty_count = 0
        self.scratch = _Scratch()
        self.bars: dict[float, np.ndarray] = {}  # eps -> eps * floor, see `bar`

    def __getstate__(self) -> dict[str, object]:
        """For a snapshot of the index: without the index (it is restored beside it) and
        without the per-thread work arrays."""
        return {k: v for k, v in vars(self).items() if k not in ("index", "scratch", "bars")}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self.scratch = _Scratch()
        self.bars = {}

    def bar(self, eps: float) -> np.ndarray:
        """``eps * floor``: the residual at which a node is pushed (kept current)."""
        bar = self.bars.get(eps)
        if bar is None:
            bar = self.bars[eps] = eps * self.floor
        return bar

    def stale(self) -> bool:
        return self.dirty_count > max(REBUILD, self.built // 20)

    def grow(self, n: int) -> None:
        """Make room for nodes up to ``n`` (new nodes without ties have degree 0)."""
        have = len(self.degree)
        if n > have:
            size = max(n, have + have // 4 + 16)
            self.degree = np.concatenate([self.degree, np.zeros(size - have, dtype=np.int64)])
            self.floor = np.concatenate([self.floor, np.ones(size - have)])
            self.dirty = np.concatenate([self.dirty, np.zeros(size - have, dtype=bool)])
            self.bars = {}

    def touch(self, u: int) -> None:
        """``u``'s ties or memberships changed: read it from the index from now on."""
        self.grow(u + 1)
        if not self.dirty[u]:
            self.dirty[u] = True
            self.dirty_count += 1
        d = self.degree[u] = degree(self.index, u)
        self.floor[u] = max(d, 1)
        for eps, bar in self.bars.items():
            bar[u] = eps * self.floor[u]

    def work_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's residual and rank arrays, zero, as long as the degree array."""
        s = self.scratch
        n = len(self.degree)
        if len(s.residual) < n:
            s.residual = np.zeros(n)
            s.rank = np.zeros(n)
            s.mark = np.zeros(n, dtype=np.int64)
        return s.residual, s.rank

    def unique(self, nodes: np.ndarray) -> np.ndarray:
        """``np.unique(nodes)`` without hashing the whole array: keep one occurrence of
        each node (the one whose position sticks in this thread's mark array), sorted."""
        if nodes.size < 2:
            return nodes
        mark = self.scratch.mark
        if len(mark) < len(self.degree):
            self.work_arrays()
            mark = self.scratch.mark
        at = np.arange(nodes.size)
        mark[nodes] = at
        out: np.ndarray = nodes[mark[nodes] == at]
        out.sort()
        return out

    def neighbours(self, nodes: np.ndarray, lens: np.ndarray, total: int = -1) -> np.ndarray:
        """The neighbours of ``nodes`` (each with ``lens`` of them; ``total`` in all, when
        known), one after another."""
        if not self.dirty_count:
            return self._clean(nodes, lens, total)
        dirty = self.dirty[nodes]
        if not dirty.any():
            return self._clean(nodes, lens, total)
        parts: list[np.ndarray] = []
        for u, is_dirty, d in zip(nodes.tolist(), dirty.tolist(), lens.tolist(), strict=True):
            if not d:
                continue
            if is_dirty:
                parts.append(np.array(neighbours(self.index, u), dtype=np.int64))
            else:
                parts.append(self.indices[self.indptr[u] : self.indptr[u + 1]])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _clean(self, nodes: np.ndarray, lens: np.ndarray, total: int) -> np.ndarray:
        if nodes.size == 1 and lens[0]:  # late rounds often push one node: a slice will do
            u = int(nodes[0])
            return self.indices[self.indptr[u] : self.indptr[u + 1]]
        ends = np.cumsum(lens)
        if total < 0:
            total = int(ends[-1]) if len(ends) else 0
        if not total:
            return np.zeros(0, dtype=np.int64)
        ends -= lens  # where each node's neighbours start in the answer
        offsets = np.repeat(self.indptr[nodes] - ends, lens)
        offsets += np.arange(total)
        out: np.ndarray = self.indices[offsets]
        return out
