"""The learned ranker: its numpy trees agree with LightGBM, files round-trip, and
suggestions explain themselves by what lifted them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from api.app import load_ranker
from api.settings import Settings
from matching import build_index_sync, suggest_partners
from matching.evaluate import davis_southern_women
from matching.features import FEATURES
from matching.holdout import memberships
from matching.ranker import Ranker, beside
from matching.training import DEPTH, PARAMS, fit, queries, train
from seed_data import generate, load_reference


@pytest.fixture(scope="module")
def city():  # type: ignore[no-untyped-def]
    ref = load_reference()
    gen = generate(ref, actors=1500, seed=5)
    return build_index_sync([*ref.nodes(), *gen.nodes], [*ref.relationships(), *gen.rels])


@pytest.fixture(scope="module")
def model(city) -> Ranker:  # type: ignore[no-untyped-def]
    return train(city, limit=300, seed=3)


def test_numpy_trees_score_like_lightgbm(city) -> None:  # type: ignore[no-untyped-def]
    import lightgbm as lgb

    qs = [q for q in queries(city, memberships(city, seed=1, limit=120)) if q.positive >= 0]
    x = np.vstack([q.x for q in qs])
    y = np.concatenate([np.eye(len(q.cands))[q.positive] for q in qs])
    data = lgb.Dataset(x, y, group=[len(q.cands) for q in qs], feature_name=list(FEATURES))
    booster = lgb.train({**PARAMS, "seed": 1}, data, num_boost_round=30)
    from matching.ranker import from_lightgbm

    feature, threshold, leaf = from_lightgbm(booster.dump_model(), FEATURES, DEPTH)
    ours = Ranker(FEATURES, DEPTH, feature, threshold, leaf)
    np.testing.assert_allclose(ours.score(x, FEATURES), booster.predict(x), atol=1e-9)
    # the same rows with their columns in another order, and with columns it does not read
    names = list(reversed(FEATURES))
    np.testing.assert_array_equal(ours.score(x[:, ::-1], names), ours.score(x, FEATURES))
    wider = np.hstack([x, np.ones((len(x), 2))])
    extra = [*FEATURES, "one", "two"]
    np.testing.assert_array_equal(ours.score(wider, extra), ours.score(x, FEATURES))


def test_numpy_trees_walk_like_a_plain_walk(model: Ranker) -> None:
    """Every tree at once, in flat arrays, gives what walking each tree row by row gives."""
    rng = np.random.default_rng(4)
    x = rng.exponential(size=(37, len(FEATURES))) * rng.integers(0, 2, (37, len(FEATURES)))
    x[::3, :] = model.threshold[0, 0]  # values right on a threshold go left
    cols = model.columns(FEATURES)
    expected = np.zeros(len(x))
    for r, row in enumerate(x[:, cols]):
        for t in range(model.feature.shape[0]):
            node = 0
            for _ in range(model.depth):
                go_right = row[model.feature[t, node]] > model.threshold[t, node]
                node = 2 * node + 1 + int(go_right)
            expected[r] += model.leaf[t, node - (2**model.depth - 1)]
    np.testing.assert_allclose(model.score(x, FEATURES), expected, rtol=0, atol=1e-12)
    assert model.score(x[:1], FEATURES)[0] == pytest.approx(expected[0], abs=1e-12)
    assert len(model.score(x[:0], FEATURES)) == 0


def test_model_file_round_trip(model: Ranker, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model.save(path)
    back = Ranker.load(path)
    assert back.features == FEATURES and back.trained_at == model.trained_at
    assert back.training["queries"] > 0
    x = np.random.default_rng(1).random((50, len(FEATURES))) * 3
    np.testing.assert_allclose(back.score(x, FEATURES), model.score(x, FEATURES), atol=1e-6)
    # columns are matched by name, not by position
    order = list(reversed(FEATURES))
    np.testing.assert_allclose(model.score(x[:, ::-1], order), model.score(x, FEATURES), atol=1e-12)
    assert path.stat().st_size < 400_000


def test_serve_loads_the_model_beside_the_store(model: Ranker, tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    settings = Settings(store=str(db))
    assert load_ranker(settings) is None  # no model: hand weights
    path = beside(str(db))
    assert path is not None
    model.save(path)
    loaded = load_ranker(settings)
    assert loaded is not None and loaded.trained_at == model.trained_at
    path.write_text('{"format": "something else"}')
    assert load_ranker(settings) is None  # unusable: hand weights, with a warning


def test_suggestions_use_the_ranker_and_explain_by_lift(city, model: Ranker) -> None:  # type: ignore[no-untyped-def]
    ini = next(i for i in city.ids if i.startswith("ini-") and len(city.members[city.pos[i]]) >= 3)
    hand = suggest_partners(city, ini, k=10)
    city.ranker = model
    try:
        learned = suggest_partners(city, ini, k=10)
    finally:
        city.ranker = None
    assert learned and all(s.reasons for s in learned)
    # scores are the model's, best first
    assert [s.score for s in learned] == sorted((s.score for s in learned), reverse=True)
    assert [s.actor for s in learned] != [s.actor for s in hand] or learned[0].score != hand[
        0
    ].score


def test_fit_needs_a_positive() -> None:
    index = build_index_sync(*davis_southern_women())
    qs = queries(index, memberships(index, seed=1, limit=5))
    nothing = [type(q)(q.case, q.x, q.cands, -1) for q in qs]
    with pytest.raises(ValueError, match="nothing to learn"):
        fit(nothing)


def test_reasons_come_from_what_lifted_the_candidate() -> None:
    from graph.model import Actor, Initiative, NodeId, Place, Relationship, Skill
    from matching.suggest import ScoreParts, explain, resolve

    nodes = [
        Place(id=NodeId("W"), name="Moerwijk", level="neighbourhood"),
        Skill(id=NodeId("s"), name_nl="subsidieaanvragen", name_en="grant writing"),
        Initiative(id=NodeId("i"), name="Zon op Moerwijk"),
        Actor(id=NodeId("fa"), kind="Freelancer", name="Fatima"),
        Actor(id=NodeId("jo"), kind="Freelancer", name="Joost"),
    ]
    rels = [
        Relationship("LOCATED_IN", "i", "W"),
        Relationship("NEEDS", "i", "s"),
        Relationship("MEMBER_OF", "fa", "i"),
        Relationship("LIVES_IN", "jo", "W"),
        Relationship("HAS_SKILL", "jo", "s"),
        Relationship("KNOWS", "jo", "fa"),
    ]
    index = build_index_sync(nodes, rels)  # type: ignore[arg-type]
    t = resolve(index, "i")
    jo = index.pos["jo"]
    plain = explain(index, t, jo, 1.0, ScoreParts(), [index.pos["fa"]])
    assert [r.code for r in plain.reasons] == ["SKILL", "KNOWS_MEMBER", "PLACE"]
    lifted = explain(
        index,
        t,
        jo,
        1.0,
        ScoreParts(),
        [index.pos["fa"]],
        {"PLACE": 0.5, "SKILL": 0.1, "KNOWS_MEMBER": -0.2},
    )
    assert [r.code for r in lifted.reasons] == ["PLACE", "SKILL"]


def test_scores_do_not_depend_on_what_was_scored_before(model: Ranker) -> None:
    """Each thread reuses its work arrays up to a size, and allocates past it; a row's
    score is the same bit for bit whatever rows it is scored with (lifts rely on it)."""
    from concurrent.futures import ThreadPoolExecutor

    from matching.ranker import REUSE

    rng = np.random.default_rng(5)
    big = REUSE // model.feature.shape[0] + 7
    x = rng.exponential(size=(big, len(FEATURES)))
    one_by_one = np.concatenate([model.score(x[i : i + 50], FEATURES) for i in range(0, big, 50)])
    np.testing.assert_array_equal(model.score(x, FEATURES), one_by_one)
    np.testing.assert_array_equal(model.score(x[:300], FEATURES), one_by_one[:300])
    picked = [90, 5, 3, 5]
    np.testing.assert_array_equal(model.score(x[picked], FEATURES), one_by_one[picked])
    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(lambda i: model.score(x[i : i + 120], FEATURES), range(0, 1200, 120)))
    np.testing.assert_array_equal(np.concatenate(parts), one_by_one[:1200])
