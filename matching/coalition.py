"""A complementary coalition: a small team that together covers what an initiative needs.

Not "the ten most similar people" but a weighted set cover: every needed skill
(weighted by rarity and urgency) and every role a wijkonderneming needs
(residents at the helm, an entrepreneur or ZZP'er, a professional, a municipal
contact, a funder or host location) that the current members do not yet cover.
Greedy picks maximise newly covered weight plus a share of the partner score,
minus a penalty for a kind of actor already picked (diversity).

>>> from matching.index import build_index_sync
>>> from graph.model import *
>>> nodes = [Skill(id="s1", name_nl="boekhouding", name_en="bookkeeping"),
...          Skill(id="s2", name_nl="tuinieren", name_en="gardening"),
...          Initiative(id="i", name="Buurttuin"),
...          Actor(id="a", kind="Resident", name="A", matchable=True),
...          Actor(id="b", kind="Freelancer", name="B"),
...          Actor(id="c", kind="Professional", name="C")]
>>> rels = [Relationship("NEEDS", "i", "s1"), Relationship("NEEDS", "i", "s2"),
...         Relationship("MEMBER_OF", "a", "i"), Relationship("KNOWS", "a", "b"),
...         Relationship("KNOWS", "a", "c"), Relationship("HAS_SKILL", "b", "s1"),
...         Relationship("HAS_SKILL", "c", "s2")]
>>> team = suggest_coalition(build_index_sync(nodes, rels), "i", size=3)
>>> [m.actor for m in team.members], [r.id for r in team.missing]
(['b', 'c'], ['municipal', 'funder_host'])
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.errors import InvalidInput
from matching.index import MatchIndex
from matching.suggest import (
    ROLE_LABEL,
    Draft,
    Reason,
    Role,
    Shown,
    Target,
    explain,
    resolve,
    roles_of,
    score_candidates,
)

MAX_SIZE = 20
POOL = 250
ROLE_WEIGHT = 2.0
DIVERSITY = 0.35


@dataclass(frozen=True, slots=True)
class Requirement:
    """Something the team needs: a skill (``id`` = skill id) or a role (``id`` = role)."""

    kind: str  # "skill" or "role"
    id: str
    nl: str
    en: str


@dataclass(frozen=True, slots=True)
class CoalitionMember:
    actor: str
    score: float
    covers: tuple[Requirement, ...]
    reasons: tuple[Reason, ...]
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Coalition:
    members: tuple[CoalitionMember, ...]
    covered: tuple[Requirement, ...]
    missing: tuple[Requirement, ...]
    score: float  # share of the needed weight covered, 0..1


def requirements(index: MatchIndex, t: Target) -> dict[Requirement, float]:
    """What is still open, with its weight."""
    out: dict[Requirement, float] = {}
    for s, urgency in t.needs.items():
        if s not in t.covered:
            req = Requirement("skill", index.ids[s], index.names[s], index.english(s))
            out[req] = index.rarity(s) * urgency
    for role in Role:
        if role not in t.roles:
            nl, en = ROLE_LABEL[role]
            out[Requirement("role", role.value, nl, en)] = ROLE_WEIGHT
    return out


def _offers(index: MatchIndex, j: int, open_: dict[Requirement, float]) -> set[Requirement]:
    skills = {index.ids[s] for s in index.skills[j] or ()}
    roles = {r.value for r in roles_of(index, j)}
    return {
        r
        for r in open_
        if (r.kind == "skill" and r.id in skills) or (r.kind == "role" and r.id in roles)
    }


def suggest_coalition(
    index: MatchIndex,
    initiative_or_draft: str | Draft,
    *,
    size: int = 7,
    shown: Shown | None = None,
) -> Coalition:
    """At most ``size`` actors who together cover the initiative's open needs and roles;
    with ``shown``, only actors it admits (see :func:`~matching.suggest.suggest_partners`)."""
    if not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"must be between 1 and {MAX_SIZE}", field="size")
    t = resolve(index, initiative_or_draft)
    open_ = requirements(index, t)
    total = sum(open_.values())
    pool = score_candidates(index, t, limit=POOL, shown=shown)
    offers = {j: _offers(index, j, open_) for _, j, _, _ in pool}
    remaining = dict(open_)
    chosen: list[tuple[int, float, set[Requirement]]] = []
    kinds_taken: dict[int, int] = {}
    for _ in range(size):
        best: tuple[float, int, set[Requirement]] | None = None
        for score, j, _, _ in pool:
            if any(j == c for c, _, _ in chosen):
                continue
            new = offers[j] & remaining.keys()
            if not new:
                continue
            gain = sum(remaining[r] for r in new) / (total or 1.0) + 0.5 * score
            gain -= DIVERSITY * kinds_taken.get(index.kind[j], 0) * 0.2
            if best is None or gain > best[0]:
                best = (gain, j, new)
        if best is None:
            break  # nobody in reach covers anything still open
        _, j, new = best
        chosen.append((j, next(s for s, c, _, _ in pool if c == j), new))
        kinds_taken[index.kind[j]] = kinds_taken.get(index.kind[j], 0) + 1
        for r in new:
            remaining.pop(r, None)
        if not remaining:
            break
    by_pos = {j: (score, parts, links) for score, j, parts, links in pool}
    members = []
    for j, score, new in chosen:
        _, parts, links = by_pos[j]
        explained = explain(index, t, j, score, parts, links, shown=shown)
        members.append(
            CoalitionMember(
                actor=index.ids[j],
                score=round(score, 4),
                covers=tuple(sorted(new, key=lambda r: (r.kind, r.id))),
                reasons=explained.reasons,
                path=explained.path,
            )
        )
    covered = [r for r in open_ if r not in remaining]
    return Coalition(
        members=tuple(members),
        covered=tuple(covered),
        missing=tuple(remaining),
        score=round(sum(open_[r] for r in covered) / total, 4) if total else 1.0,
    )
