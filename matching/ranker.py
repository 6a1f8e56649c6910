"""A learned ranker: gradient-boosted trees, evaluated with numpy.

Training (:mod:`matching.training`) uses LightGBM's ``lambdarank``; the trees are
then copied into dense arrays of a fixed depth, so scoring a few hundred
candidates is a handful of vectorised gathers and needs no LightGBM at all. The
model file is small JSON: format version, feature names, training date and
what it was trained on, and the trees.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "wijknet-ranker"
VERSION = 1


@dataclass(slots=True)
class Ranker:
    """Trees of one depth: ``feature``/``threshold`` per internal node (heap order,
    children of ``n`` at ``2n+1`` and ``2n+2``, left when ``x <= threshold``) and
    ``leaf`` values, per tree."""

    features: tuple[str, ...]
    depth: int
    feature: np.ndarray  # int, trees x (2**depth - 1)
    threshold: np.ndarray  # float, trees x (2**depth - 1)
    leaf: np.ndarray  # float, trees x 2**depth
    trained_at: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    plans: dict[tuple[str, ...], _Plan] = field(default_factory=dict, repr=False, compare=False)

    def columns(self, names: Sequence[str]) -> np.ndarray:
        """Where each of the model's features sits among ``names``."""
        where = {n: i for i, n in enumerate(names)}
        missing = [f for f in self.features if f not in where]
        if missing:
            raise ValueError(f"the model needs features this version lacks: {missing}")
        return np.array([where[f] for f in self.features], dtype=np.intp)

    def score(self, x: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """Scores of rows ``x`` whose columns are ``names``; higher is better."""
        n = x.shape[0]
        if n == 0:
            return np.zeros(0)
        plan = self._plan(names)
        # Every test of every tree is one of a few hundred distinct (column, threshold)
        # pairs: answer those once per row, then walk all trees at once through the
        # answers. ``node`` is the global position of each row's node (tree t's nodes
        # start at t * inner); ``at`` is where its answer sits in the flat ``tests``.
        tests = np.greater(x[:, plan.pair_column], plan.pair_threshold).ravel()
        rows = np.arange(0, n * plan.pairs, plan.pairs)  # where each row starts in `tests`
        at, node, right, value = _work(self.feature.shape[0], n)
        np.add(plan.root_pair[:, None], rows, out=at)  # the roots' tests come off the plan
        np.take(tests, at, out=right, mode="clip")  # every index is in range: no buffering
        np.copyto(node, right)
        node += plan.first
        for _ in range(1, self.depth):
            np.take(plan.pair, node, out=at, mode="clip")
            at += rows
            np.take(tests, at, out=right, mode="clip")
            node *= 2
            node += plan.step
            node += right
        node += plan.to_leaf  # global node -> position in the flat leaf array
        np.take(plan.leaf, node, out=value, mode="clip")
        return np.asarray(value.sum(axis=0), dtype=float)

    def _plan(self, names: Sequence[str]) -> _Plan:
        """The flat arrays :meth:`score` walks, made once per column order."""
        key = tuple(names)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = _Plan.of(self, self.columns(names))
        return plan

    # --- files ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "features": list(self.features),
            "trained_at": self.trained_at,
            "training": self.training,
            "depth": self.depth,
            "feature": self.feature.tolist(),
            "threshold": [[_num(v) for v in row] for row in self.threshold.tolist()],
            "leaf": np.round(self.leaf, 8).tolist(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ranker:
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            raise ValueError(
                f"not a {FORMAT} file of version {VERSION} "
                f"(found {data.get('format')!r} {data.get('version')!r})"
            )
        return cls(
            features=tuple(data["features"]),
            depth=int(data["depth"]),
            feature=np.array(data["feature"], dtype=np.intp),
            threshold=np.array([[float(v) for v in row] for row in data["threshold"]]),
            leaf=np.array(data["leaf"], dtype=float),
            trained_at=str(data.get("trained_at", "")),
            training=dict(data.get("training", {})),
        )

    def save(self, path: str | Path) -> None:
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), separators=(",", ":")))
        tmp.replace(p)

    @classmethod
    def load(cls, path: str | Path) -> Ranker:
        return cls.from_json(json.loads(Path(path).read_text()))


@dataclass(frozen=True, slots=True)
class _Plan:
    """A ranker's trees as flat arrays for one column order of the rows it scores.

    The trees' tests are ``pairs`` distinct (column, threshold) pairs: pair ``p`` asks
    whether a row's ``pair_column[p]`` is above ``pair_threshold[p]``. Node ``g``
    (tree ``t``'s nodes are ``t * inner`` on) asks pair ``pair[g]``; its children are
    ``2 g + step[t]`` and one more; after the last level ``g + to_leaf[t]`` is the
    position of its leaf in ``leaf``.
    """

    pairs: int
    pair_column: np.ndarray  # per pair: the column among the row's
    pair_threshold: np.ndarray
    pair: np.ndarray  # per node: the pair it asks
    root_pair: np.ndarray  # per tree: the pair its root asks
    first: np.ndarray  # per tree, a column: where its root's left child sits
    step: np.ndarray  # per tree, a column
    to_leaf: np.ndarray  # per tree, a column
    leaf: np.ndarray

    @classmethod
    def of(cls, ranker: Ranker, cols: np.ndarray) -> _Plan:
        trees, inner = ranker.feature.shape
        tree = np.arange(trees)
        base = (tree * inner)[:, None]
        column = cols[ranker.feature.ravel()].astype(np.intp)  # per node, among the row's
        threshold = ranker.threshold.ravel().astype(float)
        distinct: dict[tuple[int, float], int] = {}
        pair = np.array(
            [
                distinct.setdefault(key, len(distinct))
                for key in zip(column.tolist(), threshold.tolist(), strict=True)
            ],
            dtype=np.intp,
        )
        return cls(
            pairs=len(distinct),
            pair_column=np.array([c for c, _ in distinct], dtype=np.intp),
            pair_threshold=np.array([t for _, t in distinct], dtype=float),
            pair=pair,
            root_pair=pair.reshape(trees, inner)[:, 0].copy(),
            first=base + 1,
            step=1 - base,
            to_leaf=(tree - inner)[:, None],
            leaf=ranker.leaf.ravel().astype(float),
        )


REUSE = 1 << 18  # tree x row cells up to which a thread keeps its work arrays


class _Work(threading.local):
    """A thread's work arrays for :meth:`Ranker.score`: fresh arrays of this size cost
    more to map and fault in than the walk itself."""

    def __init__(self) -> None:
        self.size = 0
        self.arrays: tuple[np.ndarray, ...] = ()


_WORK = _Work()


def _work(trees: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four (trees x n) arrays: two of positions, one of flags, one of floats."""
    cells = trees * n
    w = _WORK
    if cells > REUSE:
        arrays: tuple[np.ndarray, ...] = _fresh(cells)
    else:
        if w.size < cells:
            w.size = max(cells, min(REUSE, 2 * w.size))
            w.arrays = _fresh(w.size)
        arrays = w.arrays
    at, node, right, value = (a[:cells].reshape(trees, n) for a in arrays)
    return at, node, right, value


def _fresh(size: int) -> tuple[np.ndarray, ...]:
    return (
        np.empty(size, dtype=np.intp),
        np.empty(size, dtype=np.intp),
        np.empty(size, dtype=bool),
        np.empty(size),
    )


def _num(v: float) -> float | str:
    return "inf" if v == float("inf") else v


def beside(store: str) -> Path | None:
    """Where the model of an embedded store lives: ``<file>.ranker.json`` next to it.
    None for a server store (give the path yourself)."""
    if "://" in store:
        return None
    return Path(store + ".ranker.json")


def from_lightgbm(
    dump: Mapping[str, Any], features: Sequence[str], depth: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense arrays of ``depth`` from ``Booster.dump_model()`` trees of at most that
    depth; a leaf above the bottom is copied down both sides."""
    trees = dump["tree_info"]
    inner, leaves = 2**depth - 1, 2**depth
    feature = np.zeros((len(trees), inner), dtype=np.intp)
    threshold = np.full((len(trees), inner), np.inf)
    leaf = np.zeros((len(trees), leaves))
    names = list(dump.get("feature_names") or features)
    for t, info in enumerate(trees):
        _fill(info["tree_structure"], 0, 0, depth, t, names, features, feature, threshold, leaf)
    return feature, threshold, leaf


def _fill(
    node: Mapping[str, Any],
    pos: int,
    level: int,
    depth: int,
    t: int,
    names: list[str],
    features: Sequence[str],
    feature: np.ndarray,
    threshold: np.ndarray,
    leaf: np.ndarray,
) -> None:
    if "leaf_value" in node or "split_feature" not in node:
        value = float(node.get("leaf_value", 0.0))
        # every bottom slot under this position gets the value
        first, count = pos, 1
        for _ in range(depth - level):
            first, count = 2 * first + 1, count * 2
        start = first - (2**depth - 1)
        leaf[t, start : start + count] = value
        return
    if level >= depth:
        raise ValueError(f"a tree is deeper than {depth}")
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("only numerical '<=' splits are supported")
    feature[t, pos] = list(features).index(names[int(node["split_feature"])])
    threshold[t, pos] = float(node["threshold"])
    args = (depth, t, names, features, feature, threshold, leaf)
    _fill(node["left_child"], 2 * pos + 1, level + 1, *args)
    _fill(node["right_child"], 2 * pos + 2, level + 1, *args)
