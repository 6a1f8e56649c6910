"""Self-supervised training of the ranker on the store's own memberships.

Hide a known membership, gather and featurise the initiative's candidates as
:func:`matching.suggest.rank` does, and label the hidden member 1 and everyone
else 0. LightGBM's ``lambdarank`` then learns to put the hidden member first.
The settings below are fixed in advance, the same for every network: they are
not tuned on any one dataset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.features import FEATURES
from matching.holdout import Case, Hidden, memberships
from matching.index import MatchIndex
from matching.ranker import Ranker, from_lightgbm
from matching.suggest import rank, resolve

DEPTH = 4
PARAMS: dict[str, object] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10],
    "lambdarank_truncation_level": 30,
    "num_leaves": 15,
    "max_depth": DEPTH,
    "learning_rate": 0.07,
    "max_bin": 63,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.9,
    "num_threads": 1,
    "deterministic": True,
    "verbose": -1,
}
ROUNDS = 150
QUERIES = 1500


@dataclass(frozen=True, slots=True)
class Query:
    """One hidden membership: its candidates' feature rows and which row is the member."""

    case: Case
    x: np.ndarray
    cands: list[int]
    positive: int  # row of the hidden member, -1 when it is not among the candidates


def query(index: MatchIndex, case: Case) -> Query:
    """Features of the candidates of ``case.initiative`` with the membership hidden."""
    with Hidden(index, case):
        t = resolve(index, index.ids[case.initiative])
        scored = rank(index, t, model=None)
    try:
        positive = scored.cands.index(case.actor)
    except ValueError:
        positive = -1
    return Query(case, scored.x, scored.cands, positive)


def queries(
    index: MatchIndex,
    cases: Sequence[Case],
    progress: Callable[[int, int], None] | None = None,
) -> list[Query]:
    out = []
    for n, case in enumerate(cases):
        out.append(query(index, case))
        if progress:
            progress(n + 1, len(cases))
    return out


def fit(qs: Sequence[Query], *, seed: int = 0, about: dict[str, object] | None = None) -> Ranker:
    """Gradient-boosted trees ranking each query's hidden member first."""
    import lightgbm as lgb

    useful = [q for q in qs if q.positive >= 0 and len(q.cands) > 1]
    if not useful:
        raise ValueError("no hidden member was among its candidates: nothing to learn from")
    x = np.vstack([q.x for q in useful])
    y = np.concatenate([_labels(q) for q in useful])
    data = lgb.Dataset(
        x, y, group=[len(q.cands) for q in useful], feature_name=list(FEATURES), free_raw_data=True
    )
    booster = lgb.train({**PARAMS, "seed": seed}, data, num_boost_round=ROUNDS)
    feature, threshold, leaf = from_lightgbm(booster.dump_model(), FEATURES, DEPTH)
    return Ranker(
        features=FEATURES,
        depth=DEPTH,
        feature=feature,
        threshold=threshold,
        leaf=leaf,
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        training={"queries": len(useful), "rows": int(x.shape[0]), "seed": seed, **(about or {})},
    )


def _labels(q: Query) -> np.ndarray:
    y = np.zeros(len(q.cands))
    y[q.positive] = 1.0
    return y


def train(
    index: MatchIndex,
    *,
    limit: int = QUERIES,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Ranker:
    """Fit a ranker on up to ``limit`` of the index's own memberships."""
    cases = memberships(index, seed=seed, limit=limit)
    qs = queries(index, cases, progress)
    actors = sum(1 for i in range(len(index.ids)) if index.is_actor(i))
    return fit(qs, seed=seed, about={"memberships": len(cases), "actors": actors})
