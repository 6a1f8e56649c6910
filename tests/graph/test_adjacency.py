"""The embedded store's compact ties: arrays built in bulk, an overlay for changes, and
folding the overlay back in (``compact``) or pickling keeps every tie as it was."""

from __future__ import annotations

import pickle

import numpy as np

from graph.adjacency import Adjacency, NodeIds

TYPES = ("KNOWS", "LIVES_IN", "MEMBER_OF")


def built() -> tuple[NodeIds, Adjacency]:
    ids = NodeIds()
    for name in ("a", "b", "c", "d"):
        ids.add(name)
    ties = Adjacency(ids, TYPES)
    member = {"role": "member"}
    # a -KNOWS-> b, a -KNOWS-> c, a -LIVES_IN-> d, b -MEMBER_OF-> c (given out of order)
    rows = np.array([0, 1, 0, 0], dtype=np.int32)
    types = np.array([0, 2, 1, 0], dtype=np.int32)
    others = np.array([2, 2, 3, 1], dtype=np.int32)
    props = np.array([0, 1, 0, 0], dtype=np.int32)
    ties.build(rows, types, others, props, [{}, member])
    return ids, ties


def rows(ties: Adjacency) -> dict[str, dict[str, dict[str, object]]]:
    return {node: {t: dict(o) for t, o in row.items() if o} for node, row in ties.items()}


def test_rows_are_read_by_type_from_the_arrays() -> None:
    _, ties = built()
    assert ties.of("a") == {"KNOWS": {"b": {}, "c": {}}, "LIVES_IN": {"d": {}}}
    assert ties.typed("b", "MEMBER_OF") == {"c": {"role": "member"}}
    assert ties.others("a", "KNOWS") == ["b", "c"]
    assert ties.others("a", "MEMBER_OF") == [] and ties.of("d") == {}
    assert ties.get("a", "KNOWS", "c") == {} and ties.get("a", "KNOWS", "d") is None
    assert ties.get("zz", "KNOWS", "a") is None and "zz" not in ties and "a" in ties


def test_changes_go_to_the_overlay_and_compact_folds_them_in() -> None:
    ids, ties = built()
    ids.add("e")  # a node added after the arrays were built
    ties.put("e", "KNOWS", "a", {"since": "2020"})
    ties.put("a", "LIVES_IN", "e", {})
    ties.pop("a", "KNOWS", "b")
    ties.pop("a", "KNOWS", "zz")  # not there: nothing happens
    expected = {
        "a": {"KNOWS": {"c": {}}, "LIVES_IN": {"d": {}, "e": {}}},
        "b": {"MEMBER_OF": {"c": {"role": "member"}}},
        "c": {},
        "d": {},
        "e": {"KNOWS": {"a": {"since": "2020"}}},
    }
    assert rows(ties) == expected
    assert set(ties.overlay) == {0, 4}
    ties.compact()
    assert not ties.overlay and ties.built == 5
    assert rows(ties) == expected
    assert ties.get("e", "KNOWS", "a") == {"since": "2020"}


def test_a_deleted_node_leaves_no_id_behind_and_pickling_keeps_the_ties() -> None:
    ids, ties = built()
    ties.pop("a", "LIVES_IN", "d")
    ties.clear("d")
    ids.drop("d")
    assert "d" not in ids.ids and "d" not in ties
    again = pickle.loads(pickle.dumps(ties, protocol=5))
    assert rows(again) == rows(ties)
    assert again.nodes.pos == {"a": 0, "b": 1, "c": 2}
    assert again.nodes.add("d") == 4  # a new position, never the old one
