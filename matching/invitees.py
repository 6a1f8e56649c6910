"""Who should be in the room: a varied set of invitees for a meeting on a theme in a place.

A weighted set cover like :mod:`matching.coalition`, over the six seats a good
meeting on a wijk's theme has: residents at the helm of initiatives on the theme,
a wijkprofessional, a gemeente officer, local entrepreneurs and ZZP'ers, a funder,
and a wijkonderneming that has done it before. Each seat is filled once first (the
best candidate for it), then the room fills up with the best of the rest, a seat
already taken counting less each time. Candidates are matchable actors who live or
are based in the place, or elsewhere in its gemeente; those in the place itself
and with more experience on the theme come first. Nobody else is ever suggested.

The gemeente seat is a person: a professional who works for the gemeente or a
department of it (a gemeente body in its gemeente), one who cares about or has
worked on the theme first. Only when no such person agreed to be suggested does a
gemeente body itself take the seat, and its reason says so. The funder seat is a
funding body: a fund, foundation or charity lottery (also from outside the gemeente,
as funds often work nationally; local ones first), then another body that funds
initiatives on the theme (``SUPPORTS {how: funding}``) or a housing corporation, and
a gemeente body only when it funds initiatives on the theme and no one else can.

>>> from matching.index import build_index_sync
>>> from graph.model import *
>>> nodes = [Place(id="GM", name="Zaanstad", level="municipality"),
...          Theme(id="t", name_nl="Groen", name_en="Green"),
...          Initiative(id="i", name="Buurttuin"),
...          Actor(id="a", kind="Resident", name="Ans", matchable=True),
...          Actor(id="b", kind="Freelancer", name="Bo")]
>>> rels = [Relationship("LOCATED_IN", "i", "GM"), Relationship("ABOUT", "i", "t"),
...         Relationship("LIVES_IN", "a", "GM"), Relationship("LIVES_IN", "b", "GM"),
...         Relationship("MEMBER_OF", "a", "i", {"role": "initiator"})]
>>> room = suggest_invitees(build_index_sync(nodes, rels), "t", "GM", size=4)
>>> [(x.actor, x.seat.value) for x in room.invitees]
[('a', 'resident_lead'), ('b', 'entrepreneur')]
>>> [s.value for s in room.missing]
['professional', 'municipal', 'funder', 'wijkonderneming']
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from graph.errors import InvalidInput, NotFound
from graph.model import NodeKind, PlaceLevel
from matching.index import KIND_CODE, MatchIndex
from network.analytics import subtree

MAX_SIZE = 40
_RES, _ZZP, _PRO = (
    KIND_CODE[k] for k in (NodeKind.RESIDENT, NodeKind.FREELANCER, NodeKind.PROFESSIONAL)
)
_ENT, _ORG, _MUN = (
    KIND_CODE[k] for k in (NodeKind.ENTERPRISE, NodeKind.ORGANISATION, NodeKind.MUNICIPALITY)
)
_INI, _THEME, _PLACE = (KIND_CODE[k] for k in (NodeKind.INITIATIVE, NodeKind.THEME, NodeKind.PLACE))
_HELM = frozenset({"initiator", "board", "coordinator"})
_WIJKONDERNEMING = frozenset({"bewonersbedrijf", "wijkonderneming", "neighbourhood_enterprise"})
#: Bodies whose work is funding: they take the funder seat first, from anywhere.
FUNDING_BODIES = frozenset({"fund", "foundation", "charity_lottery"})
#: Bodies that often fund a wijk's initiatives (leefbaarheid budgets): funders after those.
_ALSO_FUNDERS = frozenset({"housing_corporation"})
#: The tier of a seat a gemeente body takes only when nobody else can.
_LAST_RESORT = 2
#: Subtypes of an organisation that is (part of) a gemeente.
_GEMEENTE_SUBTYPES = frozenset({"municipality", "municipal_department"})


class Seat(StrEnum):
    """The seats of a varied room."""

    RESIDENT_LEAD = "resident_lead"
    PROFESSIONAL = "professional"
    MUNICIPAL = "municipal"
    ENTREPRENEUR = "entrepreneur"
    FUNDER = "funder"
    WIJKONDERNEMING = "wijkonderneming"


SEAT_LABEL = {
    Seat.RESIDENT_LEAD: ("bewoner aan het roer van een initiatief", "resident at the helm"),
    Seat.PROFESSIONAL: ("wijkprofessional", "neighbourhood professional"),
    Seat.MUNICIPAL: ("contact bij de gemeente", "gemeente officer"),
    Seat.ENTREPRENEUR: ("lokale ondernemer of ZZP'er", "local entrepreneur or freelancer"),
    Seat.FUNDER: ("financier", "funder"),
    Seat.WIJKONDERNEMING: ("wijkonderneming met ervaring", "experienced wijkonderneming"),
}


@dataclass(frozen=True, slots=True)
class Invitee:
    actor: str
    seat: Seat  # the seat they were picked for
    seats: tuple[Seat, ...]  # every seat they could fill
    score: float
    reasons: tuple[tuple[str, str], ...]  # (nl, en)


@dataclass(frozen=True, slots=True)
class Room:
    invitees: tuple[Invitee, ...]
    missing: tuple[Seat, ...]  # seats nobody eligible could fill


@dataclass(slots=True)
class _Candidate:
    i: int
    seats: set[Seat]
    local: float  # 1 in the place, 0.5 elsewhere in its gemeente, 0.25 further away
    experience: int  # initiatives on the theme they are in, lead, or support
    led: int  # of those, ones they lead
    interested: bool
    reasons: list[tuple[str, str]]
    rank: dict[Seat, int] = field(default_factory=dict)  # a seat's tier: 0 first
    employer: int = -1  # the gemeente body a gemeente officer works for

    def score(self) -> float:
        return self.local + 0.6 * math.log1p(self.experience) + 0.3 * self.interested


def _resolve(index: MatchIndex, theme: str, place: str) -> tuple[int, int]:
    t = index.pos.get(theme)
    if t is None or index.kind[t] != _THEME:
        raise NotFound(f"there is no theme {theme!r}", field="theme")
    p = index.pos.get(place)
    if p is None or index.kind[p] != _PLACE:
        raise NotFound(f"there is no place {place!r}", field="place")
    return t, p


def _on_theme(index: MatchIndex, group: int, theme: int) -> bool:
    lst = index.themes[group]
    return lst is not None and theme in lst


def suggest_invitees(index: MatchIndex, theme: str, place: str, *, size: int = 8) -> Room:
    """A varied room of at most ``size`` matchable actors for a meeting on ``theme`` in
    ``place`` (see the module docstring); each invitee with the seat and the reasons."""
    if not 1 <= size <= MAX_SIZE:
        raise InvalidInput(f"must be between 1 and {MAX_SIZE}", field="size")
    t, p = _resolve(index, theme, place)
    inside = set(subtree(index, p))
    gemeente = index.up(p, PlaceLevel.MUNICIPALITY)
    around = set(subtree(index, gemeente)) if gemeente >= 0 else inside
    theme_nl, theme_en = index.names[t].lower(), index.english(t).lower()
    where = index.names[p]
    # who supports what on the theme: experience, and for funders whether they fund
    supported: dict[int, list[int]] = {}
    funding: set[int] = set()
    for g, by in index.supporters.items():
        if _on_theme(index, g, t):
            for s, how in by.items():
                if how in ("funding", "space"):
                    supported.setdefault(s, []).append(g)
                if how == "funding":
                    funding.add(s)
    candidates: list[_Candidate] = []
    for home in sorted(around):
        for i in index.actors_at.get(home, ()):
            if not index.matchable[i]:
                continue
            local = 1.0 if home in inside else 0.5
            c = _candidate(index, i, t, local, supported.get(i, []), i in funding, around)
            if c.seats:
                candidates.append(c)
    # funds often work nationally: funding bodies from outside the gemeente too
    for i, subtype in index.subtype.items():
        if subtype in FUNDING_BODIES and index.matchable[i] and index.home[i] not in around:
            candidates.append(_candidate(index, i, t, 0.25, supported.get(i, []), True, around))
    _gemeente_seat(index, candidates)
    for c in candidates:
        _explain(index, c, theme_nl, theme_en, where)
    return _cover(index, [c for c in candidates if c.seats], size)


def _is_gemeente(index: MatchIndex, i: int) -> bool:
    """A gemeente or a department of it (a municipality body, or one by its subtype)."""
    return index.kind[i] == _MUN or index.subtype.get(i) in _GEMEENTE_SUBTYPES


def _candidate(
    index: MatchIndex,
    i: int,
    t: int,
    local: float,
    supported: list[int],
    funds: bool,
    gemeente: set[int],
) -> _Candidate:
    code = index.kind[i]
    groups = [g for g in index.groups[i] or () if _on_theme(index, g, t)]
    led = [g for g in groups if index.members[g].get(i) in _HELM and index.kind[g] == _INI]
    interested = index.themes[i] is not None and t in (index.themes[i] or ())
    c = _Candidate(
        i=i,
        seats=set(),
        local=local,
        experience=len(groups) + len(supported),
        led=len(led),
        interested=interested,
        reasons=[],
    )
    seats, rank = c.seats, c.rank
    if code == _RES and led:
        seats.add(Seat.RESIDENT_LEAD)
    if code == _PRO:
        # an officer of this gemeente: works for it or a department of it
        employer = min(
            (e for e in index.employers.get(i, ()) if _is_gemeente(index, e)),
            key=lambda e: (index.home[e] not in gemeente, index.ids[e]),
            default=-1,
        )
        if employer >= 0 and index.home[employer] in gemeente:
            seats.add(Seat.MUNICIPAL)
            c.employer = employer
            rank[Seat.MUNICIPAL] = 0 if interested or groups or supported else 1
        else:
            seats.add(Seat.PROFESSIONAL)
    if code in (_ZZP, _ENT):
        seats.add(Seat.ENTREPRENEUR)
    if code == _ENT and index.subtype.get(i) in _WIJKONDERNEMING and groups:  # done it before
        seats.add(Seat.WIJKONDERNEMING)
    subtype = index.subtype.get(i)
    if code in (_ORG, _ENT, _MUN):
        if subtype in FUNDING_BODIES:
            seats.add(Seat.FUNDER)
            rank[Seat.FUNDER] = 0
        elif _is_gemeente(index, i):
            seats.add(Seat.MUNICIPAL)  # a body: only when no officer is there (_gemeente_seat)
            rank[Seat.MUNICIPAL] = _LAST_RESORT
            if funds:  # a gemeente funds, but its seat is the gemeente's: funder last
                seats.add(Seat.FUNDER)
                rank[Seat.FUNDER] = _LAST_RESORT
        elif code == _ORG and (funds or subtype in _ALSO_FUNDERS):
            seats.add(Seat.FUNDER)
            rank[Seat.FUNDER] = 1
    return c


def _gemeente_seat(index: MatchIndex, candidates: list[_Candidate]) -> None:
    """The gemeente seat goes to a person; a gemeente body keeps it only when no officer
    of the gemeente may be suggested, and then says so."""
    officers = any(c.employer >= 0 for c in candidates)
    for c in candidates:
        if Seat.MUNICIPAL in c.seats and c.employer < 0:
            if officers:
                c.seats.discard(Seat.MUNICIPAL)
            else:
                c.reasons.append(
                    (
                        "geen ambtenaar van de gemeente die voorgesteld wil worden: de "
                        "gemeente zelf als aanspreekpunt",
                        "no gemeente officer who agreed to be suggested: the gemeente itself "
                        "as the contact",
                    )
                )


def _explain(index: MatchIndex, c: _Candidate, theme_nl: str, theme_en: str, where: str) -> None:
    if c.local == 1.0:
        c.reasons.insert(0, (f"woont of werkt in {where}", f"lives or works in {where}"))
    elif c.local == 0.5:
        c.reasons.insert(
            0, ("woont of werkt in dezelfde gemeente", "lives or works in the same gemeente")
        )
    else:
        home = index.home[c.i]
        base = index.names[home] if home >= 0 else ""
        c.reasons.insert(
            0,
            (f"werkt vanuit {base}", f"based in {base}")
            if base
            else ("werkt landelijk", "works nationally"),
        )
    if c.employer >= 0:
        name = index.names[c.employer]
        c.reasons.append((f"werkt bij {name}", f"works for {name}"))
    if c.led:
        c.reasons.append(
            (
                f"leidt {c.led} {'initiatieven' if c.led > 1 else 'initiatief'} over {theme_nl}",
                f"leads {c.led} initiative{'s' * (c.led > 1)} on {theme_en}",
            )
        )
    elif c.experience:
        c.reasons.append(
            (
                f"heeft ervaring met {theme_nl} ({c.experience}x betrokken)",
                f"has experience with {theme_en} (involved {c.experience}x)",
            )
        )
    elif c.interested:
        c.reasons.append((f"is betrokken bij {theme_nl}", f"cares about {theme_en}"))


def _cover(index: MatchIndex, candidates: list[_Candidate], size: int) -> Room:
    picked: list[Invitee] = []
    taken: set[int] = set()
    filled: dict[Seat, int] = {}

    def pick(c: _Candidate, seat: Seat) -> None:
        nl, en = SEAT_LABEL[seat]
        reasons = ((f"als {nl}", f"as {en}"), *c.reasons)
        picked.append(
            Invitee(
                actor=index.ids[c.i],
                seat=seat,
                seats=tuple(s for s in Seat if s in c.seats),
                score=round(c.score(), 4),
                reasons=reasons,
            )
        )
        taken.add(c.i)
        filled[seat] = filled.get(seat, 0) + 1

    def best(seat: Seat) -> _Candidate | None:
        pool = [c for c in candidates if c.i not in taken and seat in c.seats]
        if not pool:
            return None
        return min(pool, key=lambda c: (c.rank.get(seat, 0), -c.score(), index.ids[c.i]))

    # every seat once, the scarcest seats first so a versatile candidate is not used up
    order = sorted(Seat, key=lambda s: sum(s in c.seats for c in candidates))
    for seat in order:
        if len(picked) >= size:
            break
        c = best(seat)
        if c is not None:
            pick(c, seat)
    # then the best of the rest, a seat counting less the more it is filled
    while len(picked) < size:
        pool = [c for c in candidates if c.i not in taken]
        if not pool:
            break

        def seat_for(c: _Candidate) -> Seat:
            return min(c.seats, key=lambda s: (filled.get(s, 0), list(Seat).index(s)))

        def key(c: _Candidate) -> tuple[bool, float, str]:
            seat = seat_for(c)
            # a gemeente body as funder or contact only when nobody else is left
            last = c.rank.get(seat, 0) >= _LAST_RESORT
            return last, -c.score() / (1 + filled.get(seat, 0)), index.ids[c.i]

        c = min(pool, key=key)
        pick(c, seat_for(c))
    return Room(tuple(picked), tuple(s for s in Seat if not filled.get(s)))
