"""Feature rows read from flat arrays equal those worked out one candidate at a time.

:func:`matching.features.matrix` reads the candidates' skills, themes and groups
with :meth:`matching.lists.Lists.gather`; ``reference_matrix`` is the per-candidate
code it replaced. Both must give the same rows, bit for bit, on a generated city,
before and after writes (lists changed since the last compaction, and new nodes).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from itertools import repeat

import numpy as np
import pytest

from graph.model import Actor, ActorKind, NodeId, Relationship, RelType
from matching import build_index_sync, features
from matching.candidates import Pool
from matching.features import FEATURES
from matching.index import KIND_CODE, MatchIndex
from matching.suggest import rank, resolve, role_bits
from seed_data import generate, load_reference

_RES = KIND_CODE[features.NodeKind.RESIDENT]
_INI = KIND_CODE[features.NodeKind.INITIATIVE]


def reference_matrix(
    index: MatchIndex,
    pool: Pool,
    cands: Sequence[int],
    *,
    home: int,
    themes: set[int],
    weights: dict[int, float],
    team_size: int,
    team_roles: int,
) -> np.ndarray:
    """The feature rows as they were computed one candidate at a time (before the
    candidates' lists were read as flat arrays)."""
    n = len(cands)
    x = np.zeros((n, len(FEATURES)))
    if not n:
        return x
    zero = repeat(0.0)
    pr, aa, ra, sh, ti = pool.pagerank, pool.adamic_adar, pool.resource, pool.shared, pool.ties
    x[:, 0] = np.fromiter(map(pr.get, cands, zero), float, n) * pool.seeds
    x[:, 2] = np.fromiter(map(aa.get, cands, zero), float, n)
    x[:, 4] = np.fromiter(map(ra.get, cands, zero), float, n)
    x[:, 5] = np.fromiter(map(sh.get, cands, zero), float, n)
    x[:, 6] = np.fromiter(map(ti.get, cands, zero), float, n)
    x[:, 16] = np.fromiter(map(pool.overlap.get, cands, zero), float, n)
    for col, rel in ((0, 1), (2, 3)):
        top = x[:, col].max()
        if top > 0:
            x[:, rel] = x[:, col] / top
    skills, groups, own_themes, ties = index.skills, index.groups, index.themes, index.ties
    has_skills = [skills[j] for j in cands]
    has_groups = [groups[j] for j in cands]
    total = sum(weights.values())
    if total:
        needed = list(weights.items())
        unwanted = weights.keys().isdisjoint
        x[:, 7] = [
            sum(w for s, w in needed if s in has) / total if has and not unwanted(has) else 0.0
            for has in has_skills
        ]
    if themes:
        apart = themes.isdisjoint
        x[:, 8] = [1.0 if (mine := own_themes[j]) and not apart(mine) else 0.0 for j in cands]
        # the groups among the candidates' that are about a theme of the initiative: an
        # initiative's themes are its ABOUT ties (index.about, as a set once per theme);
        # only the other groups (enterprises: their interests) are looked at one by one
        seen: set[int] = set()
        for gs in has_groups:
            if gs:
                seen.update(gs)
        kind = index.kind
        on_theme = seen & features.about_any(index, themes)
        on_theme.update(
            g for g in seen if kind[g] != _INI and (gt := own_themes[g]) and not apart(gt)
        )
        if on_theme:
            about = on_theme.__contains__
            x[:, 9] = [sum(map(about, gs)) if gs else 0 for gs in has_groups]
    if home >= 0:
        near: dict[int, float] = index.memo("reach").setdefault(home, {})
        kind, homes = index.kind, index.home
        prox: list[float] = []
        for j in cands:
            h = homes[j]
            key = h if kind[j] == _RES else -2 - h
            p = near.get(key)
            if p is None:
                p = near[key] = features.reach(index, home, j, features.ring(index, home, j))
            prox.append(p)
        x[:, 10] = prox
    bits = index.role_bits
    lacked = ~team_roles
    x[:, 11] = [1.0 if bits[j] & lacked else 0.0 for j in cands]
    x[:, 12] = [len(g) if g else 0 for g in has_groups]
    x[:, 13] = [len(t) if (t := ties[j]) else 0 for j in cands]
    x[:, 14] = team_size
    active = np.maximum(x[:, 12], 1.0)
    x[:, 15] = x[:, 5] / active
    x[:, 17] = x[:, 9] / active
    return x


@pytest.fixture(scope="module")
def city() -> MatchIndex:
    ref = load_reference()
    gen = generate(ref, actors=1500, seed=8)
    return build_index_sync([*ref.nodes(), *gen.nodes], [*ref.relationships(), *gen.rels])


def rows_both_ways(
    index: MatchIndex, initiative: str, extra: Sequence[int] = ()
) -> tuple[np.ndarray, np.ndarray]:
    t = resolve(index, initiative)
    # the pool and shortlist as suggest_partners makes them (hand weights: no trees needed)
    scored = rank(index, t, model=None)
    pool = scored.pool
    # some members of the team too, whose groups include the initiative itself
    cands = [*scored.cands, *list(t.members)[:2], *extra]
    args = {
        "home": t.home,
        "themes": t.themes,
        "weights": features.skill_weights(index, t.needs, t.covered),
        "team_size": len(t.members),
        "team_roles": role_bits(t.roles),
    }
    return (
        features.matrix(index, pool, cands, **args),  # type: ignore[arg-type]
        reference_matrix(index, pool, cands, **args),  # type: ignore[arg-type]
    )


def test_feature_rows_equal_the_per_candidate_ones(city: MatchIndex) -> None:
    initiatives = [i for i in city.ids if i.startswith("ini-")]
    rng = random.Random(4)
    sample = rng.sample(initiatives, 60)
    for ini in sample:
        ours, theirs = rows_both_ways(city, ini)
        assert ours.shape == (ours.shape[0], len(FEATURES))
        assert np.array_equal(ours, theirs), ini
    # writes since the last compaction: lists in the overlay and nodes in the tail
    actors = [i for i in city.ids if city.is_actor(city.pos[i])]
    skills = [i for i in city.ids if i.startswith("skill-")]
    themes = [i for i in city.ids if i.startswith("theme-")]
    rels: list[Relationship] = []
    for _ in range(300):
        a = NodeId(rng.choice(actors))
        what = rng.random()
        if what < 0.3:
            rels.append(Relationship(RelType.HAS_SKILL, a, NodeId(rng.choice(skills))))
        elif what < 0.5:
            rels.append(Relationship(RelType.INTERESTED_IN, a, NodeId(rng.choice(themes))))
        elif what < 0.8:
            rels.append(Relationship(RelType.MEMBER_OF, a, NodeId(rng.choice(sample))))
        else:
            rels.append(Relationship(RelType.KNOWS, a, NodeId(rng.choice(actors))))
    newcomer = Actor(id=NodeId("act-new"), kind=ActorKind.FREELANCER, name="N", matchable=True)
    rels += [
        Relationship(RelType.HAS_SKILL, newcomer.id, NodeId(skills[0])),
        Relationship(RelType.INTERESTED_IN, newcomer.id, NodeId(themes[0])),
        Relationship(RelType.MEMBER_OF, newcomer.id, NodeId(sample[0])),
        Relationship(RelType.KNOWS, newcomer.id, NodeId(actors[0])),
    ]
    city.apply(nodes=[newcomer], rels=rels)
    assert city.skills.overlay and city.groups.overlay and city.skills.tail
    for ini in sample:
        ours, theirs = rows_both_ways(city, ini, [city.pos["act-new"]])
        assert np.array_equal(ours, theirs), ini
