"""Per-node lists of integers kept as one CSR (two flat arrays) with an overlay.

The matching index keeps, for every node, the positions of its ties, groups, skills
and themes. A million small ``array('i')`` objects cost ~90 bytes each before the
first value; :class:`Lists` keeps them in two flat arrays instead (4 bytes a value)
and only the lists changed since the last :meth:`Lists.compact` (in a dict) and those
of nodes added after it (in a plain list, as while an index is built) as arrays of
their own.

``lists[i]`` is the list of node ``i`` (``None`` when empty). One read from the flat
arrays is a fresh copy: change a list by assigning it back (``lists[i] = lst``).
:meth:`Lists.gather` reads the lists of many nodes at once, as numpy arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence

import numpy as np


class Lists:
    """``list[array('i') | None]`` in compact form (see the module)."""

    def __init__(self) -> None:
        self.built = 0  # lists the flat arrays hold
        self.indptr: array[int] = array("q", [0])
        self.values: array[int] = array("i")
        self.overlay: dict[int, array[int] | None] = {}  # changed lists below `built`
        self.tail: list[array[int] | None] = []  # lists from `built` on
        self._flat: tuple[np.ndarray, np.ndarray] | None = None  # numpy views of the arrays

    def __getstate__(self) -> dict[str, object]:
        """Without the numpy views (made again at the first :meth:`gather`)."""
        return {k: v for k, v in vars(self).items() if k != "_flat"}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        self._flat = None

    def __len__(self) -> int:
        return self.built + len(self.tail)

    def __getitem__(self, i: int) -> array[int] | None:
        if i >= self.built:
            return self.tail[i - self.built]
        if i < 0:
            raise IndexError(i)
        overlay = self.overlay
        if i in overlay:
            return overlay[i]
        lo, hi = self.indptr[i], self.indptr[i + 1]
        return self.values[lo:hi] if hi > lo else None

    def __setitem__(self, i: int, lst: array[int] | None) -> None:
        if i >= self.built:
            self.tail[i - self.built] = lst or None
        elif i < 0:
            raise IndexError(i)
        else:
            self.overlay[i] = lst or None

    def __iter__(self) -> Iterator[array[int] | None]:
        for i in range(len(self)):
            yield self[i]

    def _views(self) -> tuple[np.ndarray, np.ndarray]:
        flat = self._flat
        if flat is None:  # the flat arrays are never resized: views stay valid until compact
            flat = self._flat = (
                np.frombuffer(self.indptr, dtype=np.int64),
                np.frombuffer(self.values, dtype=np.int32),
            )
        return flat

    def _changed(self, nodes: Sequence[int]) -> bool:
        """Whether a list of ``nodes`` lives outside the flat arrays."""
        if self.tail and max(nodes) >= self.built:
            return True
        return bool(self.overlay) and not self.overlay.keys().isdisjoint(nodes)

    def lengths(self, nodes: Sequence[int]) -> np.ndarray:
        """How many values each of ``nodes`` has (int64; ``nodes`` at least 0)."""
        if not nodes:
            return np.zeros(0, dtype=np.int64)
        if self._changed(nodes):
            return np.fromiter(
                (len(lst) if (lst := self[i]) else 0 for i in nodes), np.int64, len(nodes)
            )
        indptr = self._views()[0]
        at = np.asarray(nodes, dtype=np.int64)
        out: np.ndarray = indptr[at + 1] - indptr[at]
        return out

    def gather(self, nodes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The lists of ``nodes`` one after another, and how long each is (both int64;
        ``nodes`` at least 0): what ``[v for i in nodes for v in lists[i] or ()]`` and
        the lengths of those lists would be."""
        n = len(nodes)
        if not n:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if self._changed(nodes):
            lens = np.zeros(n, dtype=np.int64)
            out: array[int] = array("i")
            for r, i in enumerate(nodes):
                lst = self[i]
                if lst:
                    out.extend(lst)
                    lens[r] = len(lst)
            return np.frombuffer(out, dtype=np.int32).astype(np.int64), lens
        indptr, values = self._views()
        at = np.asarray(nodes, dtype=np.int64)
        starts = indptr[at]
        lens = indptr[at + 1] - starts
        ends = np.cumsum(lens)
        total = int(ends[-1])
        if not total:
            return np.zeros(0, dtype=np.int64), lens
        ends -= lens  # where each node's values start in the answer
        offsets = np.repeat(starts - ends, lens)
        offsets += np.arange(total)
        return values[offsets].astype(np.int64), lens

    def append(self, lst: array[int] | None) -> None:
        """A list for one more node."""
        self.tail.append(lst or None)

    def compact(self) -> None:
        """Fold the overlay and the tail into the flat arrays."""
        if not self.overlay and not self.tail:
            return
        indptr, values = array("q", [0]), array("i")
        for lst in self:
            if lst:
                values.extend(lst)
            indptr.append(len(values))
        self.indptr, self.values = indptr, values
        self._flat = None
        self.built = len(indptr) - 1
        self.overlay, self.tail = {}, []
