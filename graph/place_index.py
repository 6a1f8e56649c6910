"""What lies in a place, by kind and visibility, for the embedded store.

A place's page lists and counts the actors and initiatives located (``LIVES_IN``,
``LOCATED_IN``) in it or in any place inside it (``PART_OF``, any depth). For a whole
gemeente that is tens of thousands of nodes at 100k actors: gathering and checking them
on every request costs tens of milliseconds. This index keeps, for every place, the ids
located in it or below it in one sorted list per (kind, visibility), so a page is a merge
of sorted lists and its count a sum of their lengths, whatever the viewer may see.

The index does not decide where a node is: the store tells it (:meth:`PlaceIndex.move`)
the node's kind, visibility and the places it now lies in (its places and all their
ancestors), before and after each write that may change them. Kinds without a
visibility are kept under ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sortedcontainers import SortedList

from graph.model import NodeKind, Visibility

Key = tuple[NodeKind, Visibility | None]
Where = tuple[NodeKind, Visibility | None, frozenset[str]]
"""A node's kind, visibility and every place it lies in (ancestors included)."""


class PlaceIndex:
    """Place id -> (kind, visibility) -> sorted ids of the nodes in it or below it."""

    def __init__(self) -> None:
        self._lists: dict[str, dict[Key, SortedList]] = {}

    def move(self, node_id: str, old: Where | None, new: Where | None) -> None:
        """Re-file ``node_id`` from where it was (``old``) to where it is (``new``)."""
        if old == new:
            return
        if old is not None:
            kind, vis, places = old
            keep = new[2] if new is not None and new[:2] == old[:2] else frozenset()
            for place in places - keep:
                by_key = self._lists[place]
                lst = by_key[kind, vis]
                lst.remove(node_id)
                if not lst:
                    del by_key[kind, vis]
                    if not by_key:
                        del self._lists[place]
        if new is not None:
            kind, vis, places = new
            keep = old[2] if old is not None and new[:2] == old[:2] else frozenset()
            for place in places - keep:
                by_key = self._lists.setdefault(place, {})
                lst = by_key.get((kind, vis))
                if lst is None:
                    by_key[kind, vis] = SortedList((node_id,))
                else:
                    lst.add(node_id)

    def lists(self, place: str, keys: Iterable[Key]) -> list[SortedList]:
        """The non-empty sorted id lists of ``place`` under ``keys``."""
        by_key = self._lists.get(place)
        if by_key is None:
            return []
        return [lst for key in keys if (lst := by_key.get(key)) is not None]

    def members(self, place: str) -> Iterator[str]:
        """Every id in ``place`` or below it (each once: the lists are disjoint)."""
        for lst in self._lists.get(place, {}).values():
            yield from lst

    def counts(self) -> dict[str, dict[Key, int]]:
        """Place -> (kind, visibility) -> how many: for tests and diagnostics."""
        return {
            place: {key: len(lst) for key, lst in by_key.items()}
            for place, by_key in self._lists.items()
        }


def build(items: Iterable[tuple[str, Where]]) -> PlaceIndex:
    """An index of ``(node id, where)`` pairs, built in bulk (sorted once per list)."""
    index = PlaceIndex()
    gathered: dict[str, dict[Key, list[str]]] = {}
    for node_id, (kind, vis, places) in items:
        for place in places:
            gathered.setdefault(place, {}).setdefault((kind, vis), []).append(node_id)
    index._lists = {
        place: {key: SortedList(ids) for key, ids in by_key.items()}
        for place, by_key in gathered.items()
    }
    return index
