"""Features per (initiative, candidate): what the ranker reads and the reasons come from.

One row per candidate, one column per name in :data:`FEATURES`. Every feature is
something a person could be told ("you share two teams with its members"), so a
suggestion stays explainable whichever model ranks it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat

import numpy as np

from graph.model import NodeKind, PlaceLevel
from matching.candidates import Pool
from matching.index import KIND_CODE, MatchIndex

FEATURES: tuple[str, ...] = (
    "pagerank",  # local personalised PageRank from the members, times the number of seeds
    "pagerank_rel",  # the same, relative to the best candidate's
    "adamic_adar",  # shared groups, each weighted 1 / log(size), times members in it
    "adamic_adar_rel",
    "resource_allocation",  # shared groups, each weighted 1 / size
    "shared_groups",  # groups shared with one or more members
    "ties_to_members",  # members it knows (KNOWS, PARTNERS_WITH)
    "skill_coverage",  # rarity-weighted share of the needed skills it offers
    "theme_interest",  # interested in a theme of the initiative
    "theme_groups",  # its groups about a theme of the initiative
    "proximity",  # 1 same buurt ... 0 elsewhere or unknown
    "lacks_role",  # fills a role the team lacks
    "activity",  # groups it is in
    "ties",  # people it knows
    "team_size",  # members of the initiative (the same for every candidate)
    "shared_share",  # shared groups / its groups
    "best_overlap",  # the largest share of the team it meets in one group
    "theme_share",  # its groups about the theme / its groups
)
COLUMN = {name: i for i, name in enumerate(FEATURES)}

# The reason each feature speaks for, for explanations by lift.
REASON_OF = {
    "pagerank": "KNOWS_MEMBER",
    "pagerank_rel": "KNOWS_MEMBER",
    "ties_to_members": "KNOWS_MEMBER",
    "adamic_adar": "CO_MEMBER",
    "adamic_adar_rel": "CO_MEMBER",
    "resource_allocation": "CO_MEMBER",
    "shared_groups": "CO_MEMBER",
    "skill_coverage": "SKILL",
    "theme_interest": "THEME",
    "theme_groups": "THEME",
    "proximity": "PLACE",
    "lacks_role": "ROLE",
    "shared_share": "CO_MEMBER",
    "best_overlap": "CO_MEMBER",
    "theme_share": "THEME",
}

PROXIMITY = {"buurt": 1.0, "wijk": 0.85, "adjacent": 0.6, "district": 0.4, "municipality": 0.25}
CITYWIDE = 0.6  # proximity of a non-resident anywhere in the same gemeente
_RES = KIND_CODE[NodeKind.RESIDENT]
_INI = KIND_CODE[NodeKind.INITIATIVE]


def ring(index: MatchIndex, home: int, j: int) -> str:
    """How near actor ``j`` is to ``home``: buurt, wijk, adjacent, district,
    municipality, or "" (elsewhere or unknown)."""
    b = index.home[j]
    if home < 0 or b < 0:
        return ""
    if home == b and index.level.get(home) is PlaceLevel.BUURT:
        return "buurt"
    wa, wb = index.area(home), index.area(b)
    if wa == wb:
        return "wijk"
    if wb in index.adjacent.get(wa, ()):
        return "adjacent"
    for level, name in (
        (PlaceLevel.DISTRICT, "district"),
        (PlaceLevel.MUNICIPALITY, "municipality"),
    ):
        up = index.up(wa, level)
        if up >= 0 and up == index.up(wb, level):
            return name
    return ""


def ring_of(index: MatchIndex, home: int, j: int) -> str:
    """:func:`ring`, remembered per pair of places until the next write."""
    memo: dict[tuple[int, int], str] = index.memo("ring")
    key = (home, index.home[j])
    near = memo.get(key)
    if near is None:
        near = memo[key] = ring(index, home, j)
    return near


def reach(index: MatchIndex, home: int, j: int, near: str) -> float:
    """Proximity as it matters for this kind: residents act in their own buurt and wijk,
    while ZZP'ers, professionals and bodies work across their gemeente."""
    if near == "municipality" and index.kind[j] != _RES:
        return CITYWIDE
    return PROXIMITY.get(near, 0.0)


def about_any(index: MatchIndex, themes: set[int]) -> set[int] | frozenset[int]:
    """The initiatives about any of ``themes`` (a set per theme, kept until the next write)."""
    memo = index.memo("about")
    sets = []
    for t in themes:
        about = memo.get(t)
        if about is None:
            about = memo[t] = frozenset(index.about.get(t, ()))
        sets.append(about)
    return sets[0] if len(sets) == 1 else frozenset().union(*sets)


def _among(values: np.ndarray, wanted: set[int]) -> np.ndarray:
    """Which of ``values`` are in ``wanted`` (a few values: one comparison each)."""
    if len(wanted) > 8:
        return np.isin(values, np.fromiter(wanted, np.int64, len(wanted)))
    hit = np.zeros(len(values), dtype=bool)
    for v in wanted:
        hit |= values == v
    return hit


def skill_weights(
    index: MatchIndex, needs: dict[int, float], covered: set[int]
) -> dict[int, float]:
    """How much each needed skill counts: rarer, more urgent, not yet in the team."""
    return {
        s: index.rarity(s) * urgency * (0.35 if s in covered else 1.0)
        for s, urgency in needs.items()
    }


def matrix(
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
    """The feature rows of ``cands`` (float64, ``len(cands)`` x ``len(FEATURES)``);
    ``team_roles`` are the roles the team has, as :attr:`MatchIndex.role_bits`."""
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
    # the candidates' skills, themes and groups are read as flat arrays (Lists.gather),
    # with np.repeat(arange, lens) saying whose each value is
    groups, own_themes = index.groups, index.themes
    total = sum(weights.values())
    if total:
        has, lens = index.skills.gather(cands)
        row = np.repeat(np.arange(n), lens)
        # summed in the order of `weights`, as a plain sum per candidate would
        coverage = np.zeros(n)
        for s, w in weights.items():
            hit = np.zeros(n, dtype=bool)
            hit[row[has == s]] = True
            coverage += np.where(hit, w, 0.0)
        x[:, 7] = coverage / total
    member_of, group_lens = groups.gather(cands)
    x[:, 12] = group_lens
    if themes:
        cares, lens = own_themes.gather(cands)
        hit = np.zeros(n, dtype=bool)
        hit[np.repeat(np.arange(n), lens)[_among(cares, themes)]] = True
        x[:, 8] = hit
        # the groups among the candidates' that are about a theme of the initiative: an
        # initiative's themes are its ABOUT ties (index.about, as a set once per theme);
        # only the other groups (enterprises: their interests) are looked at one by one
        seen = set(member_of.tolist())
        kind, apart = index.kind, themes.isdisjoint
        on_theme = seen & about_any(index, themes)
        on_theme.update(
            g for g in seen if kind[g] != _INI and (gt := own_themes[g]) and not apart(gt)
        )
        if on_theme:
            about = np.fromiter(
                map(on_theme.__contains__, member_of.tolist()), bool, len(member_of)
            )
            owner = np.repeat(np.arange(n), group_lens)
            x[:, 9] = np.bincount(owner[about], minlength=n)
    if home >= 0:
        near: dict[int, float] = index.memo("reach").setdefault(home, {})
        kind, homes = index.kind, index.home
        prox: list[float] = []
        for j in cands:
            h = homes[j]
            key = h if kind[j] == _RES else -2 - h
            p = near.get(key)
            if p is None:
                p = near[key] = reach(index, home, j, ring(index, home, j))
            prox.append(p)
        x[:, 10] = prox
    bits = np.fromiter(map(index.role_bits.__getitem__, cands), np.uint8, n)
    x[:, 11] = (bits & (~team_roles & 0xFF)) != 0
    x[:, 13] = index.ties.lengths(cands)
    x[:, 14] = team_size
    active = np.maximum(x[:, 12], 1.0)
    x[:, 15] = x[:, 5] / active
    x[:, 17] = x[:, 9] / active
    return x
