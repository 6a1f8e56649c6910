"""Per-node lists of integers kept as one CSR (two flat arrays) with an overlay.

The matching index keeps, for every node, the positions of its ties, groups, skills
and themes. A million small ``array('i')`` objects cost ~90 bytes each before the
first value; :class:`Lists` keeps them in two flat arrays instead (4 bytes a value)
and only the lists changed since the last :meth:`Lists.compact` (in a dict) and those
of nodes added after it (in a plain list, as while an index is built) as arrays of
their own.

``lists[i]`` is the list of node ``i`` (``None`` when empty). One read from the flat
arrays is a fresh copy: change a list by assigning it back (``lists[i] = lst``).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class Lists:
    """``list[array('i') | None]`` in compact form (see the module)."""

    def __init__(self) -> None:
        self.built = 0  # lists the flat arrays hold
        self.indptr: array[int] = array("q", [0])
        self.values: array[int] = array("i")
        self.overlay: dict[int, array[int] | None] = {}  # changed lists below `built`
        self.tail: list[array[int] | None] = []  # lists from `built` on

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
        self.built = len(indptr) - 1
        self.overlay, self.tail = {}, []
