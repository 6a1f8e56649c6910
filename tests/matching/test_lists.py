"""The index's per-node lists in flat arrays: reads, write-backs, compaction, pickling."""

from __future__ import annotations

import pickle
from array import array

import pytest

from matching.lists import Lists


def as_lists(lists: Lists) -> list[list[int] | None]:
    return [list(lst) if lst is not None else None for lst in lists]


def test_lists_read_the_same_before_and_after_compaction() -> None:
    lists = Lists()
    for values in ([3, 1], None, [], [7]):
        lists.append(array("i", values) if values is not None else None)
    assert as_lists(lists) == [[3, 1], None, None, [7]]
    lists.compact()
    assert lists.built == 4 and not lists.tail and not lists.overlay
    assert as_lists(lists) == [[3, 1], None, None, [7]]
    assert len(lists) == 4
    with pytest.raises(IndexError):
        lists[4]


def test_a_list_read_from_the_arrays_changes_only_when_assigned_back() -> None:
    lists = Lists()
    lists.append(array("i", [1, 2]))
    lists.append(None)
    lists.compact()
    lst = lists[0]
    assert lst is not None
    lst.append(9)
    assert as_lists(lists)[0] == [1, 2]  # a copy
    lists[0] = lst
    lists[1] = array("i", [4])
    lists.append(array("i", [5]))  # a node added after compaction
    assert as_lists(lists) == [[1, 2, 9], [4], [5]]
    lists[0] = array("i")  # emptied: read as None
    again = pickle.loads(pickle.dumps(lists, protocol=5))
    assert as_lists(again) == [None, [4], [5]]
    again.compact()
    assert as_lists(again) == [None, [4], [5]] and again.built == 3
