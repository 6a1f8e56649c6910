"""Candidate generation: who could join an initiative, gathered by bounded lookups.

Sources, each bounded by a work budget rather than by cutting a list short:
the local personalised PageRank from the members; co-members in the members'
other groups (smallest, most telling groups first); the members' ties; holders
of a needed skill and people interested in the theme (near the initiative's
place, or network-wide in arrival order when it has none); members of other
initiatives about the same theme; and bodies that fill a role the team lacks.
Along the way it keeps the co-membership signals (Adamic-Adar, resource
allocation, shared groups, ties to members) that the scoring reads.
"""

from __future__ import annotations

import itertools
import math
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np

from graph.model import NodeKind
from matching.index import ACTOR_CODES, KIND_CODE, MatchIndex
from matching.pagerank import local_pagerank_arrays

PER_PAGERANK = 200
PER_SKILL = 120
PER_THEME = 120
PER_ROLE = 40
CO_MEMBER_WORK = 5_000  # co-member entries visited per query
TIE_WORK = 3_000  # member ties visited per query
THEME_TEAM_WORK = 1_000  # members of same-theme initiatives visited per query
WARM = 240  # candidates kept by network signal (PageRank, shared groups, ties)
COLD = 120  # and by the other sources (skills, themes, roles), in the order found
PAGERANK_WORK = 5_000  # neighbour visits of the local push per query
FALLBACK = 50  # eligible actors taken in a stable order when nothing else is found

_INI = KIND_CODE[NodeKind.INITIATIVE]


@dataclass(slots=True)
class Pool:
    """Candidates and the network signals gathered while finding them."""

    found: dict[int, list[int]] = field(default_factory=dict)  # warm links, see `gather`
    pagerank: dict[int, float] = field(default_factory=dict)
    adamic_adar: dict[int, float] = field(default_factory=dict)
    resource: dict[int, float] = field(default_factory=dict)
    shared: dict[int, int] = field(default_factory=dict)  # groups shared with members
    overlap: dict[int, float] = field(default_factory=dict)  # most of the team in one group
    ties: dict[int, int] = field(default_factory=dict)  # members it knows
    seeds: int = 1


def gather(
    index: MatchIndex,
    *,
    initiative: int,
    members: Collection[int],
    needs: Iterable[int],
    themes: Collection[int],
    home: int,
    eligible: Collector,
    staff: Callable[[int], bool] | None = None,
) -> Pool:
    """All candidates for a target with their warm links: members a candidate knows
    directly, and ``-(group+1)`` for a group it shares with members. ``staff`` says
    which nearby professionals and bodies fill a role the team lacks."""
    pool = Pool()
    seeds = [*members, *([initiative] if initiative >= 0 else [])]
    pool.seeds = max(1, len(seeds))
    nodes, ranks = local_pagerank_arrays(index, seeds, max_work=PAGERANK_WORK)
    taken = 0
    pagerank, kind = pool.pagerank, index.kind
    order = np.lexsort((nodes, -ranks))  # strongest first, ties by position
    # the strongest PER_PAGERANK actors that are not members, looked at a slice at a time
    for at in range(0, len(order), 2 * PER_PAGERANK):
        chunk = order[at : at + 2 * PER_PAGERANK]
        for j, r in zip(nodes[chunk].tolist(), ranks[chunk].tolist(), strict=True):
            if kind[j] in ACTOR_CODES and j not in members:
                pagerank[j] = r
                taken += 1
                if taken == PER_PAGERANK:
                    break
        if taken == PER_PAGERANK:
            break
    found: dict[int, list[int]] = {j: [] for j in pagerank}
    pool.found = found
    _co_members(index, pool, initiative, members)
    _member_ties(index, pool, members)
    # Every candidate so far has a network signal; the rest join eligible and without
    # one, and the shortlist takes the first COLD of those: once the pool holds them,
    # stop looking (what a source would add past them is never scored).
    full = len(found) + COLD
    places = near_places(index, home)
    for skill in needs:
        if len(found) >= full:
            return pool
        source = (
            _near(index.skill_at, skill, places) if places else index.skill_holders.get(skill, ())
        )
        eligible.take(found, source, PER_SKILL, full)
    for theme in themes:
        if len(found) >= full:
            return pool
        source = (
            _near(index.theme_at, theme, places) if places else index.theme_holders.get(theme, ())
        )
        eligible.take(found, source, PER_THEME, full)
    if len(found) >= full:
        return pool
    _theme_teams(index, pool, initiative, themes, eligible, full)
    if places and staff is not None and len(found) < full:
        near_staff = filter(staff, _near_all(index.staff_at, places))
        eligible.take(found, near_staff, PER_ROLE, full)
    if not any(eligible(j) for j in found):
        eligible.take(found, range(len(index.ids)), FALLBACK)
    return pool


def shortlist(pool: Pool, eligible: Collector) -> list[int]:
    """The eligible candidates to score: the :data:`WARM` strongest by network signal,
    then up to :data:`COLD` more in the order found (stable)."""
    pr, aa, ties = pool.pagerank, pool.adamic_adar, pool.ties
    # a network signal is there exactly when one of these has the candidate
    signalled = pr.keys() | aa.keys() | ties.keys()
    keys = list(filter(eligible.check, signalled))
    n, zero = len(keys), repeat(0.0)
    strength = np.fromiter(map(pr.get, keys, zero), float, n) * pool.seeds
    strength += np.fromiter(map(aa.get, keys, zero), float, n)
    strength += np.fromiter(map(ties.get, keys, zero), float, n)
    at = np.fromiter(keys, np.int64, n)
    warm = at[np.lexsort((at, -strength))[:WARM]].tolist()  # strongest first, ties by position
    cold = itertools.islice(
        (j for j in pool.found if j not in signalled and eligible.check(j)), COLD
    )
    return [*warm, *cold]


class Collector:
    """Who may be gathered: a predicate with a bounded, stable ``take``."""

    def __init__(
        self,
        index: MatchIndex,
        members: Collection[int],
        kinds: Collection[int] | None,
        shown: Callable[[int], bool] | None = None,
    ):
        self.index, self.members, self.kinds, self.shown = index, members, kinds, shown
        matchable, kind, codes = index.matchable, index.kind, kinds or ACTOR_CODES
        if shown is None:
            self.check: Callable[[int], bool] = lambda j: (
                matchable[j] == 1 and kind[j] in codes and j not in members
            )
        else:
            self.check = lambda j: (
                matchable[j] == 1 and kind[j] in codes and j not in members and shown(j)
            )

    def __call__(self, j: int) -> bool:
        return self.check(j)

    def take(
        self, found: dict[int, list[int]], source: Iterable[int], cap: int, full: int = -1
    ) -> None:
        """The first ``cap`` eligible actors of ``source`` join the pool; with ``full``,
        it stops as soon as the pool holds that many."""
        for j in itertools.islice(filter(self.check, source), cap):
            if j not in found:
                found[j] = []
                if len(found) == full:
                    return


def _co_members(index: MatchIndex, pool: Pool, initiative: int, members: Collection[int]) -> None:
    together: dict[int, int] = {}  # group -> how many of the team are in it
    for m in members:
        for g in index.groups[m] or ():
            if g != initiative:
                together[g] = together.get(g, 0) + 1
    sizes = {g: len(index.members.get(g, ())) for g in together}
    order = sorted(together, key=lambda g: (-together[g] / math.log(sizes[g] + 1.0), g))
    work = 0
    found, aa, ra, shared = pool.found, pool.adamic_adar, pool.resource, pool.shared
    overlap, team = pool.overlap, max(1, len(members))
    for g in order:
        size = sizes[g]
        if size < 2:
            continue
        if work + size > CO_MEMBER_WORK and work:
            break
        work += size
        k = together[g]
        w_aa = k / math.log(size)
        w_ra = k / size
        share = k / team
        marker = -(g + 1)
        for j in index.members[g]:
            if j in members:
                continue
            aa[j] = aa.get(j, 0.0) + w_aa
            ra[j] = ra.get(j, 0.0) + w_ra
            shared[j] = shared.get(j, 0) + 1
            if share > overlap.get(j, 0.0):
                overlap[j] = share
            links = found.get(j)
            if links is None:
                found[j] = [marker]
            elif len(links) < 8:
                links.append(marker)


def _member_ties(index: MatchIndex, pool: Pool, members: Collection[int]) -> None:
    work = 0
    found, ties = pool.found, pool.ties
    for m in sorted(members, key=lambda m: len(index.ties[m] or ())):
        lst = index.ties[m] or ()
        if work + len(lst) > TIE_WORK and work:
            break
        work += len(lst)
        for j in lst:
            if j in members:
                continue
            ties[j] = ties.get(j, 0) + 1
            links = found.get(j)
            if links is None:
                found[j] = [m]
            elif len(links) < 8:
                links.append(m)


def _theme_teams(
    index: MatchIndex,
    pool: Pool,
    initiative: int,
    themes: Iterable[int],
    eligible: Collector,
    full: int,
) -> None:
    """Members of other initiatives about the same theme, in arrival order, until the
    pool holds ``full`` candidates."""
    work = 0
    found, check, members = pool.found, eligible.check, index.members
    for g in (g for t in sorted(themes) for g in index.about.get(t, ()) if g != initiative):
        mem = members.get(g)
        if not mem:
            continue
        if work + len(mem) > THEME_TEAM_WORK and work:
            break
        work += len(mem)
        for j in mem:
            if j not in found and check(j):
                found[j] = []
                if len(found) == full:
                    return


def near_places(index: MatchIndex, home: int) -> list[int]:
    """The home places (wijk-level areas and their buurten) around ``home``, nearest
    first (remembered until the next write); empty without a home."""
    if home < 0:
        return []
    memo = index.memo("near_places")
    places = memo.get(home)
    if places is None:
        places = memo[home] = [p for ring in index.areas_near(home) for p in index.at(ring)]
    return places


def _near_all(by_place: dict[int, array[int]], places: list[int]) -> Iterator[int]:
    """Entries of ``by_place[place]``, nearest places first (an iterator made of C-level
    parts: no Python step per place or entry)."""
    return chain.from_iterable(filter(None, map(by_place.get, places)))


def _near(
    inverted: dict[tuple[int, int], array[int]], key: int, places: list[int]
) -> Iterator[int]:
    """Entries of ``inverted[(key, place)]``, nearest places first (as :func:`_near_all`)."""
    return chain.from_iterable(filter(None, map(inverted.get, zip(repeat(key), places))))
