"""The index's per-node lists in flat arrays: reads, write-backs, compaction, pickling,
and reads of many nodes at once."""

from __future__ import annotations

import pickle
import random
from array import array

import numpy as np
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


def test_gather_and_lengths_read_what_indexing_reads() -> None:
    rng = random.Random(3)
    lists = Lists()
    for _ in range(60):
        size = rng.choice((0, 0, 1, 2, 5))
        lists.append(array("i", rng.sample(range(1000), size)) if size else None)
    lists.compact()

    def check(nodes: list[int]) -> None:
        values, lens = lists.gather(nodes)
        want = [list(lists[i] or ()) for i in nodes]
        assert values.dtype == lens.dtype == np.int64
        assert lens.tolist() == [len(w) for w in want]
        assert values.tolist() == [v for w in want for v in w]
        assert lists.lengths(nodes).tolist() == lens.tolist()

    for _ in range(20):  # from the flat arrays only
        check([rng.randrange(len(lists)) for _ in range(rng.randint(1, 30))])
    check([])
    check([i for i in range(len(lists)) if lists[i] is None][:3])  # all empty
    lists[4] = array("i", [7, 8, 9])  # changed since: the overlay
    lists[5] = None
    lists.append(array("i", [11]))  # added since: the tail
    lists.append(None)
    for _ in range(20):
        check([rng.randrange(len(lists)) for _ in range(rng.randint(1, 30))])
    check([4, 5, 60, 61, 0])
    lists.compact()
    check(list(range(len(lists))))
    again = pickle.loads(pickle.dumps(lists, protocol=5))  # without the numpy views
    assert again.gather([4, 60])[0].tolist() == [7, 8, 9, 11]
