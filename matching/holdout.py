"""Hold-out cases: a known membership, hidden while a method looks for it."""

from __future__ import annotations

import random
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from graph.model import NodeKind
from matching.index import KIND_CODE, MatchIndex

_INI = KIND_CODE[NodeKind.INITIATIVE]


@dataclass(frozen=True, slots=True, order=True)
class Case:
    actor: int
    initiative: int


def holdout_cases(index: MatchIndex, *, seed: int, limit: int) -> list[Case]:
    """Matchable actors in two or more initiatives, each with one membership to hide."""
    rng = random.Random(seed)
    cases = []
    for i, groups in enumerate(index.groups):
        if not groups or not index.matchable[i]:
            continue
        initiatives = sorted(g for g in groups if index.kind[g] == _INI)
        if len(initiatives) >= 2:
            cases.append(Case(i, rng.choice(initiatives)))
    rng.shuffle(cases)
    return sorted(cases[:limit], key=lambda c: (c.initiative, c.actor))


def memberships(
    index: MatchIndex, *, seed: int, limit: int, exclude: Collection[Case] = ()
) -> list[Case]:
    """Up to ``limit`` memberships of matchable actors in initiatives that keep at least
    one other member, sampled with ``seed``, none of ``exclude``."""
    skip = set(exclude)
    out = [
        Case(a, g)
        for g, members in index.members.items()
        if index.kind[g] == _INI and len(members) >= 2
        for a in members
        if index.matchable[a] and Case(a, g) not in skip
    ]
    out.sort(key=lambda c: (c.initiative, c.actor))
    random.Random(seed).shuffle(out)
    return out[:limit]


class Hidden:
    """Hide memberships from the index for the duration of a ``with`` block."""

    def __init__(self, index: MatchIndex, cases: Case | Iterable[Case]) -> None:
        self.index = index
        self.cases = [cases] if isinstance(cases, Case) else list(cases)
        self.roles: list[tuple[Case, str]] = []

    def __enter__(self) -> None:
        idx = self.index
        for c in self.cases:
            role = idx.members[c.initiative].pop(c.actor, None)
            groups = idx.groups[c.actor]
            if role is None or groups is None or c.initiative not in groups:
                continue
            groups.remove(c.initiative)
            idx.groups[c.actor] = groups
            idx.touch(c.actor, c.initiative)
            self.roles.append((c, role))

    def __exit__(self, *exc: object) -> None:
        idx = self.index
        for c, role in reversed(self.roles):
            idx.members[c.initiative][c.actor] = role
            groups = idx.groups[c.actor] or array("i")
            groups.append(c.initiative)
            idx.groups[c.actor] = groups
            idx.touch(c.actor, c.initiative)
        self.roles.clear()
