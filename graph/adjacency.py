"""The embedded store's relationships in compact arrays, with a small overlay for changes.

A graph of a million actors has millions of relationships; kept as a dict per node and
per relationship type (``node -> type -> other -> properties``) they took ~1.5 GiB.
Here every node gets a dense integer position (:class:`NodeIds`), and the ties loaded
in bulk sit in one CSR per direction (:class:`Adjacency`): a node's row holds its ties
sorted by type code and other node, as three flat arrays (the other node's position, a
type code byte, and a code into one table of distinct property dicts, so the
thousands of ties that say ``{"role": "member"}`` share one dict). A node whose ties
change afterwards is copied into a plain ``type -> other -> properties`` dict (the
overlay) and read from there on; :meth:`Adjacency.compact` folds the overlay back into
the arrays.

Reads hand out plain dicts made from a row (or the overlay's own dict): treat them as
read-only and change ties only through :meth:`Adjacency.put` and :meth:`Adjacency.pop`.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

Props = dict[str, Any]
Row = dict[str, dict[str, Props]]
"""A node's ties in one direction: type -> other node -> properties."""
_NONE: dict[str, Any] = {}
_NO_TIES: dict[str, Props] = {}


class NodeIds:
    """Node id <-> dense integer position, shared by both directions. A deleted node's
    position is not reused (its id is forgotten: an empty string marks the slot)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}

    def add(self, node_id: str) -> int:
        i = self.pos.get(node_id)
        if i is None:
            i = self.pos[node_id] = len(self.ids)
            self.ids.append(node_id)
        return i

    def drop(self, node_id: str) -> None:
        i = self.pos.pop(node_id)
        self.ids[i] = ""

    def __getstate__(self) -> dict[str, Any]:
        return {"ids": self.ids}  # the positions are rebuilt: cheaper than pickling a dict

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.ids = state["ids"]
        self.pos = {node_id: i for i, node_id in enumerate(self.ids) if node_id}


class Adjacency:
    """One direction of the graph's ties (``out`` or ``in``), by node id."""

    def __init__(self, nodes: NodeIds, types: Iterable[str]) -> None:
        self.nodes = nodes
        self.type_names = sorted(types)
        self.type_code = {t: i for i, t in enumerate(self.type_names)}
        self.props: list[Props] = [_NONE]  # distinct property dicts; 0 is the empty one
        self.built = 0  # rows the arrays hold (positions from here on live in the overlay)
        self.indptr: array[int] = array("q", [0])
        self.other: array[int] = array("i")
        self.kind = b""  # type code per tie
        self.prop: array[int] = array("i")
        self.overlay: dict[int, Row] = {}  # rows changed since the arrays were built

    # --- building ----------------------------------------------------------------------

    def build(
        self,
        rows: np.ndarray,
        types: np.ndarray,
        others: np.ndarray,
        props: np.ndarray,
        table: list[Props],
    ) -> None:
        """Hold the ties ``rows[k] -type[k]-> others[k]`` (positions and codes into
        :attr:`type_names` and ``table``) for every node known now; no overlay."""
        n = len(self.nodes.ids)
        order = np.lexsort((others, types, rows))
        counts = np.bincount(rows, minlength=n)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        self.indptr = _array("q", indptr)
        self.other = _array("i", others[order].astype(np.int32))
        self.kind = types[order].astype(np.uint8).tobytes()
        self.prop = _array("i", props[order].astype(np.int32))
        self.props = table
        self.built = n
        self.overlay = {}

    def compact(self) -> None:
        """Fold the overlay back into the arrays (every row as it is now)."""
        if not self.overlay:
            return
        rows, types, others, codes = array("i"), array("i"), array("i"), array("i")
        table: list[Props] = [_NONE]
        seen: dict[int, int] = {id(_NONE): 0}
        keep: list[Props] = []  # the old table's dicts stay alive while `seen` holds ids
        ids = self.nodes.ids
        pos = self.nodes.pos
        for i, node_id in enumerate(ids):
            if not node_id:
                continue
            for t, others_props in self.row(i).items():
                code = self.type_code[t]
                for other, p in others_props.items():
                    if not p:
                        c = 0
                    else:
                        c = seen.get(id(p), -1)
                        if c < 0:
                            c = seen[id(p)] = len(table)
                            table.append(p)
                            keep.append(p)
                    rows.append(i)
                    types.append(code)
                    others.append(pos[other])
                    codes.append(c)
        arrays = [
            np.frombuffer(a, dtype=np.int32) if a else np.zeros(0, np.int32)
            for a in (rows, types, others, codes)
        ]
        self.build(arrays[0], arrays[1], arrays[2], arrays[3], table)

    # --- reads -------------------------------------------------------------------------

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes.pos

    def row(self, i: int) -> Row:
        """Ties of the node at position ``i``: the overlay's dict, or one made from its row."""
        row = self.overlay.get(i)
        if row is not None:
            return row
        if i >= self.built:
            return {}
        lo, hi = self.indptr[i], self.indptr[i + 1]
        out: Row = {}
        if lo == hi:
            return out
        ids, names, table, kind = self.nodes.ids, self.type_names, self.props, self.kind
        prev = -1
        cur: dict[str, Props] = {}
        for k, o, p in zip(kind[lo:hi], self.other[lo:hi], self.prop[lo:hi], strict=True):
            if k != prev:
                cur = out[names[k]] = {}
                prev = k
            cur[ids[o]] = table[p]
        return out

    def of(self, node_id: str) -> Row:
        """A node's ties by type (empty for an unknown node). Read-only."""
        i = self.nodes.pos.get(node_id)
        return {} if i is None else self.row(i)

    def _span(self, i: int, rtype: str) -> tuple[int, int]:
        """Where the ties of type ``rtype`` of row ``i`` (not in the overlay) are."""
        code = self.type_code.get(rtype)
        if code is None or i >= self.built:
            return 0, 0
        lo, hi = self.indptr[i], self.indptr[i + 1]
        a = self.kind.find(code, lo, hi)
        if a < 0:
            return 0, 0
        return a, self.kind.rfind(code, a, hi) + 1

    def typed(self, node_id: str, rtype: str) -> Mapping[str, Props]:
        """A node's ties of one type: other node -> properties (empty when none). Read-only."""
        i = self.nodes.pos.get(node_id)
        if i is None:
            return _NO_TIES
        row = self.overlay.get(i)
        if row is not None:
            return row.get(rtype, _NO_TIES)
        a, b = self._span(i, rtype)
        if a == b:
            return _NO_TIES
        ids, table = self.nodes.ids, self.props
        return {ids[o]: table[p] for o, p in zip(self.other[a:b], self.prop[a:b], strict=True)}

    def others(self, node_id: str, rtype: str) -> list[str]:
        """The other ends of a node's ties of one type (without their properties)."""
        i = self.nodes.pos.get(node_id)
        if i is None:
            return []
        row = self.overlay.get(i)
        if row is not None:
            return list(row.get(rtype, _NO_TIES))
        a, b = self._span(i, rtype)
        ids = self.nodes.ids
        return [ids[o] for o in self.other[a:b]]

    def get(self, node_id: str, rtype: str, other: str) -> Props | None:
        """The properties of one tie, or None when there is no such tie."""
        pos = self.nodes.pos
        i = pos.get(node_id)
        j = pos.get(other)
        if i is None or j is None:
            return None
        row = self.overlay.get(i)
        if row is not None:
            return row.get(rtype, _NO_TIES).get(other)
        a, b = self._span(i, rtype)
        k = bisect.bisect_left(self.other, j, a, b)
        if k < b and self.other[k] == j:
            return self.props[self.prop[k]]
        return None

    def items(self) -> Iterator[tuple[str, Row]]:
        """Every node's ties, in position order."""
        for i, node_id in enumerate(self.nodes.ids):
            if node_id:
                yield node_id, self.row(i)

    # --- changes -----------------------------------------------------------------------

    def _own(self, node_id: str) -> Row:
        """The node's row in the overlay (copied there first), to change it."""
        i = self.nodes.pos[node_id]
        row = self.overlay.get(i)
        if row is None:
            row = self.overlay[i] = self.row(i)
        return row

    def put(self, node_id: str, rtype: str, other: str, props: Props) -> None:
        """Add or change a tie (both ends must be known nodes)."""
        if rtype not in self.type_code:
            raise KeyError(rtype)
        row = self._own(node_id)
        if rtype in row:
            row[rtype][other] = props
        else:
            row[rtype] = {other: props}

    def pop(self, node_id: str, rtype: str, other: str) -> None:
        """Remove a tie if it is there."""
        if node_id not in self.nodes.pos or self.get(node_id, rtype, other) is None:
            return
        row = self._own(node_id)
        targets = row[rtype]
        del targets[other]
        if not targets:
            del row[rtype]

    def clear(self, node_id: str) -> None:
        """Forget a node's row (before its id is dropped; its ties are gone by then)."""
        i = self.nodes.pos[node_id]
        self.overlay.pop(i, None)
        if i < self.built:
            self.overlay[i] = {}


def _array(code: str, values: np.ndarray) -> array[int]:
    out = array(code)
    flat = np.ascontiguousarray(values, dtype=np.int64 if code == "q" else np.int32)
    out.frombytes(flat.data.cast("B"))
    return out
