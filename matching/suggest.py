"""Explained partner suggestions: who should join this initiative, and why.

Candidates come from bounded lookups (holders of a needed skill near the
initiative, people close to its theme nearby, its members' ties and
co-members, the kinds of actor it lacks), never from a scan of the graph.
Only those candidates are scored.

>>> from matching.index import build_index_sync
>>> from graph.model import *
>>> nodes = [Place(id="W", name="Moerwijk", level="neighbourhood"),
...          Skill(id="s", name_nl="subsidieaanvragen", name_en="grant writing"),
...          Initiative(id="i", name="Zon op Moerwijk"),
...          Actor(id="fa", kind="Freelancer", name="Fatima"),
...          Actor(id="jo", kind="Freelancer", name="Joost")]
>>> rels = [Relationship("LOCATED_IN", "i", "W"), Relationship("NEEDS", "i", "s"),
...         Relationship("MEMBER_OF", "fa", "i"), Relationship("LIVES_IN", "jo", "W"),
...         Relationship("HAS_SKILL", "jo", "s"), Relationship("KNOWS", "jo", "fa")]
>>> [best] = suggest_partners(build_index_sync(nodes, rels), "i")
>>> best.actor, [r.code for r in best.reasons], best.path
('jo', ['SKILL', 'KNOWS_MEMBER', 'PLACE'], ('jo', 'fa', 'i'))
>>> best.reasons[0].text("nl")
"biedt 'subsidieaanvragen', wat dit initiatief zoekt"
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from graph.errors import InvalidInput, NotFound
from graph.model import ActorKind, NodeKind, PlaceLevel
from matching.index import KIND_CODE, MatchIndex

PER_SKILL = 120
PER_THEME = 120
PER_MEMBER = 60
PER_PAGERANK = 200
PER_ROLE = 40
CITYWIDE = 0.6  # proximity of a non-resident anywhere in the same gemeente
MAX_K = 100
ALPHA = 0.15  # restart probability of the local PageRank
EPSILON = 2e-4  # push threshold: smaller is more exact and slower
MAX_PUSHES = 3_000

# Chosen by hold-out evaluation (a grid on a 5k city of seed 7, checked on 100k of seed 42).
# The roles a team lacks do not predict who joins, so they shape coalitions and reasons,
# not this ranking.
WEIGHTS = {"skills": 0.05, "proximity": 0.10, "warmth": 0.75, "theme": 0.10, "role": 0.0}
_PROXIMITY = {"buurt": 1.0, "wijk": 0.85, "adjacent": 0.6, "district": 0.4, "municipality": 0.25}

_RES = KIND_CODE[NodeKind.RESIDENT]
_ZZP = KIND_CODE[NodeKind.FREELANCER]
_PRO = KIND_CODE[NodeKind.PROFESSIONAL]
_ENT = KIND_CODE[NodeKind.ENTERPRISE]
_ORG = KIND_CODE[NodeKind.ORGANISATION]
_MUN = KIND_CODE[NodeKind.MUNICIPALITY]
_INI = KIND_CODE[NodeKind.INITIATIVE]
_PLACE = KIND_CODE[NodeKind.PLACE]
_SKILL = KIND_CODE[NodeKind.SKILL]
_THEME = KIND_CODE[NodeKind.THEME]


class Role(StrEnum):
    """The roles a wijkonderneming needs in its team."""

    RESIDENTS = "residents"
    ENTREPRENEUR = "entrepreneur"
    PROFESSIONAL = "professional"
    MUNICIPAL = "municipal"
    FUNDER_HOST = "funder_host"


ROLE_LABEL = {
    Role.RESIDENTS: ("bewoners aan het roer", "residents at the helm"),
    Role.ENTREPRENEUR: ("een ondernemer of ZZP'er", "an entrepreneur or freelancer"),
    Role.PROFESSIONAL: ("een professional", "a professional"),
    Role.MUNICIPAL: ("een contact bij de gemeente", "a municipal contact"),
    Role.FUNDER_HOST: ("een financier of plek", "a funder or host location"),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why, in words a resident understands; ``code`` is for machines."""

    code: str
    nl: str
    en: str

    def text(self, lang: str = "nl") -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True, slots=True)
class ScoreParts:
    skills: float = 0.0
    proximity: float = 0.0
    warmth: float = 0.0
    theme: float = 0.0
    role: float = 0.0

    def total(self) -> float:
        return float(sum(WEIGHTS[k] * getattr(self, k) for k in WEIGHTS))


@dataclass(frozen=True, slots=True)
class Suggestion:
    actor: str
    score: float
    parts: ScoreParts
    reasons: tuple[Reason, ...]
    path: tuple[str, ...]
    covers: tuple[str, ...] = ()  # ids of needed skills this actor offers
    roles: tuple[Role, ...] = ()  # roles it fills that the team lacks


@dataclass(frozen=True, slots=True)
class Draft:
    """An initiative that does not exist yet: what it is about, where, and what it needs."""

    themes: tuple[str, ...] = ()
    place: str | None = None
    needs: tuple[str, ...] = ()
    founders: tuple[str, ...] = ()


@dataclass(slots=True)
class Target:
    """What the matcher knows about the initiative it matches for (resolved to positions)."""

    initiative: int
    members: dict[int, str]
    needs: dict[int, float]
    themes: set[int]
    home: int
    covered: set[int] = field(default_factory=set)
    roles: set[Role] = field(default_factory=set)
    warmth: dict[int, float] = field(default_factory=dict)  # filled by `candidates`


def roles_of(index: MatchIndex, i: int) -> set[Role]:
    """The team roles actor ``i`` can fill."""
    code = index.kind[i]
    out: set[Role] = set()
    if code == _RES:
        out.add(Role.RESIDENTS)
    elif code in (_ZZP, _ENT):
        out.add(Role.ENTREPRENEUR)
    elif code == _PRO:
        out.add(Role.PROFESSIONAL)
        if any(index.kind[e] == _MUN for e in index.employers.get(i, ())):
            out.add(Role.MUNICIPAL)
    elif code == _MUN:
        out.add(Role.MUNICIPAL)
    if i in index.helpers or index.subtype.get(i) in ("fund", "housing_corporation"):
        out.add(Role.FUNDER_HOST)
    return out


def resolve(index: MatchIndex, target: str | Draft | None) -> Target:
    """Turn an initiative id or a draft into a :class:`Target`; errors name the field."""
    if isinstance(target, str):
        i = index.pos.get(target)
        if i is None or index.kind[i] != _INI:
            raise NotFound(f"there is no initiative with id {target!r}", field="initiative")
        t = Target(
            initiative=i,
            members=dict(index.members.get(i, {})),
            needs=dict(index.needs.get(i, {})),
            themes=set(index.themes[i] or ()),
            home=index.home[i],
        )
    elif isinstance(target, Draft):
        t = Target(initiative=-1, members={}, needs={}, themes=set(), home=-1)
        if not (target.themes or target.place or target.needs or target.founders):
            raise InvalidInput(
                "say at least a theme, a place, a needed skill or a founder", field="draft"
            )
        for theme in target.themes:
            t.themes.add(_expect(index, theme, _THEME, "draft.themes", "theme"))
        for skill in target.needs:
            t.needs[_expect(index, skill, _SKILL, "draft.needs", "skill")] = 1.0
        for founder in target.founders:
            f = index.pos.get(founder)
            if f is None or not index.is_actor(f):
                raise NotFound(f"there is no actor with id {founder!r}", field="draft.founders")
            t.members[f] = "initiator"
        if target.place is not None:
            t.home = _expect(index, target.place, _PLACE, "draft.place", "place")
    else:
        raise InvalidInput("give an initiative id or a draft", field="initiative")
    for m in t.members:
        t.covered.update(s for s in index.skills[m] or () if s in t.needs)
        t.roles |= roles_of(index, m)
        if t.home < 0 and index.home[m] >= 0:
            t.home = index.home[m]  # a draft without a place: where its founders are
    return t


def _expect(index: MatchIndex, node_id: str, code: int, field: str, what: str) -> int:
    i = index.pos.get(node_id)
    if i is None or index.kind[i] != code:
        raise NotFound(f"there is no {what} with id {node_id!r}", field=field)
    return i


# --- candidates ----------------------------------------------------------------------


def _social(index: MatchIndex, u: int) -> list[int]:
    """Neighbours in the social graph: ties, and groups (for actors) or members (for groups)."""
    if index.kind[u] == _INI:
        return list(index.members.get(u, ()))
    out = list(index.ties[u] or ())
    out += index.groups[u] or ()
    if index.kind[u] == _ENT:
        out += index.members.get(u, ())
    return out


def local_pagerank(
    index: MatchIndex, seeds: Collection[int], *, alpha: float = ALPHA, eps: float = EPSILON
) -> dict[int, float]:
    """Personalised PageRank from ``seeds`` over the social graph, by local push.

    Forward push (Andersen, Chung & Lang 2006) touches only nodes whose residual
    exceeds ``eps`` times their degree, so the work is bounded by the
    neighbourhood of the seeds, not by the size of the graph.
    """
    residual = dict.fromkeys(seeds, 1.0 / max(1, len(seeds)))
    rank: dict[int, float] = {}
    nbrs_of: dict[int, list[int]] = {}
    degree: dict[int, int] = {}
    ties, groups = index.ties, index.groups
    queue = list(seeds)
    pushes = 0
    while queue and pushes < MAX_PUSHES:
        u = queue.pop()
        ru = residual[u]
        nbrs = nbrs_of.get(u)
        if nbrs is None:
            nbrs = nbrs_of[u] = _social(index, u)
        if ru < eps * (len(nbrs) or 1):
            continue
        pushes += 1
        rank[u] = rank.get(u, 0.0) + alpha * ru
        residual[u] = 0.0
        if not nbrs:
            continue
        share = (1.0 - alpha) * ru / len(nbrs)
        for v in nbrs:
            before = residual.get(v, 0.0)
            after = residual[v] = before + share
            d = degree.get(v)
            if d is None:
                d = degree[v] = max(1, len(ties[v] or ()) + len(groups[v] or ()))
            threshold = eps * d
            if before < threshold <= after:
                queue.append(v)
    return rank


def candidates(index: MatchIndex, t: Target) -> dict[int, list[int]]:
    """Candidate positions, each with its warm links: members it knows directly, and
    ``-(group+1)`` markers for groups it shares with members (co-membership).

    Also fills ``t.warmth``: a local personalised PageRank from the members.
    """
    found: dict[int, list[int]] = {}
    seeds = [*t.members, *([t.initiative] if t.initiative >= 0 else [])]
    ranks = local_pagerank(index, seeds) if seeds else {}
    people = sorted(
        (j for j in ranks if j not in t.members and index.is_actor(j)), key=lambda j: -ranks[j]
    )[:PER_PAGERANK]
    top = ranks[people[0]] if people else 1.0
    t.warmth = {j: min(1.0, ranks[j] / top) for j in people}
    _gather(found, people)
    rings = index.areas_near(t.home) if t.home >= 0 else []
    for skill in t.needs:
        _gather(found, _near(index, index.skill_at, skill, rings, PER_SKILL))
    for theme in t.themes:
        _gather(found, _near(index, index.theme_at, theme, rings, PER_THEME))
    for m in t.members:
        for j in (index.ties[m] or ())[:PER_MEMBER]:
            found.setdefault(j, []).append(m)
        for g in (index.groups[m] or ())[:8]:
            if g == t.initiative:
                continue
            for j in list(index.members.get(g, {}))[:PER_MEMBER]:
                if j != m:
                    found.setdefault(j, []).append(-(g + 1))
    missing = {Role.PROFESSIONAL, Role.MUNICIPAL, Role.FUNDER_HOST} - t.roles
    if missing and rings:
        taken = 0
        for j in _near_all(index, index.staff_at, rings):
            if roles_of(index, j) & missing:
                found.setdefault(j, [])
                taken += 1
                if taken >= PER_ROLE:
                    break
    return found


def _near_all(
    index: MatchIndex, by_place: dict[int, array[int]], rings: list[list[int]]
) -> Iterable[int]:
    for ring in rings:
        for area in index.at(ring):
            yield from by_place.get(area, ())


def _near(
    index: MatchIndex,
    inverted: dict[tuple[int, int], array[int]],
    key: int,
    rings: list[list[int]],
    cap: int,
) -> Iterable[int]:
    """Up to ``cap`` entries of ``inverted[(key, area)]``, nearest areas first."""
    return itertools.islice(
        (
            j
            for ring in rings or [[]]
            for area in index.at(ring)
            for j in inverted.get((key, area), ())
        ),
        cap,
    )


def _gather(found: dict[int, list[int]], ids: Iterable[int]) -> None:
    for j in ids:
        found.setdefault(j, [])


# --- scoring --------------------------------------------------------------------------


def _proximity(index: MatchIndex, t: Target, j: int) -> tuple[float, str]:
    a, b = t.home, index.home[j]
    if a < 0 or b < 0:
        return 0.0, ""
    if a == b and index.level.get(a) is PlaceLevel.BUURT:
        return _PROXIMITY["buurt"], "buurt"
    wa, wb = index.area(a), index.area(b)
    if wa == wb:
        return _PROXIMITY["wijk"], "wijk"
    if wb in index.adjacent.get(wa, ()):
        return _PROXIMITY["adjacent"], "adjacent"
    for level, name in (
        (PlaceLevel.DISTRICT, "district"),
        (PlaceLevel.MUNICIPALITY, "municipality"),
    ):
        up = index.up(wa, level)
        if up >= 0 and up == index.up(wb, level):
            return _PROXIMITY[name], name
    return 0.0, ""


def _reach(index: MatchIndex, t: Target, j: int) -> float:
    """Proximity as it matters for this kind: residents act in their own buurt and wijk,
    while ZZP'ers, professionals and bodies work across their gemeente."""
    score, ring = _proximity(index, t, j)
    if ring == "municipality" and index.kind[j] != _RES:
        return CITYWIDE
    return score


def _score(index: MatchIndex, t: Target, j: int, links: list[int]) -> ScoreParts:
    skills = index.skills[j] or ()
    if t.needs:
        total = 0.0
        got = 0.0
        for s, urgency in t.needs.items():
            w = index.rarity(s) * urgency * (0.35 if s in t.covered else 1.0)
            total += w
            if s in skills:
                got += w
        skill_part = got / total if total else 0.0
    else:
        skill_part = 0.0
    warmth = t.warmth.get(j, 0.0)
    themes = index.themes[j] or ()
    theme = 0.6 if any(x in t.themes for x in themes) else 0.0
    if theme < 1.0:
        for g in index.groups[j] or ():
            if any(x in t.themes for x in index.themes[g] or ()):
                theme = min(1.0, theme + 0.4)
                break
    role = 1.0 if roles_of(index, j) - t.roles else 0.0
    return ScoreParts(
        skills=skill_part,
        proximity=_reach(index, t, j),
        warmth=warmth,
        theme=theme,
        role=role,
    )


def _eligible(index: MatchIndex, t: Target, j: int, kinds: Collection[int] | None) -> bool:
    return (
        index.matchable[j] == 1
        and j not in t.members
        and index.is_actor(j)
        and (kinds is None or index.kind[j] in kinds)
    )


def score_candidates(
    index: MatchIndex, t: Target, *, kinds: Iterable[ActorKind] | None = None
) -> list[tuple[float, int, ScoreParts, list[int]]]:
    """Every eligible candidate with its score, best first (ties: smaller id first)."""
    codes = {KIND_CODE[NodeKind(k.value)] for k in kinds} if kinds else None
    scored = []
    for j, links in candidates(index, t).items():
        if not _eligible(index, t, j, codes):
            continue
        parts = _score(index, t, j, links)
        scored.append((parts.total(), j, parts, links))
    ids = index.ids
    return sorted(scored, key=lambda x: (-x[0], ids[x[1]]))


def suggest_partners(
    index: MatchIndex,
    initiative_or_draft: str | Draft,
    *,
    k: int = 10,
    kinds: Iterable[ActorKind] | None = None,
) -> list[Suggestion]:
    """The ``k`` best partners for an initiative (or a draft), with reasons and paths.

    Only matchable actors are suggested, never current members.
    """
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"must be between 1 and {MAX_K}", field="first")
    t = resolve(index, initiative_or_draft)
    best = score_candidates(index, t, kinds=kinds)[:k]
    return [explain(index, t, j, score, parts, links) for score, j, parts, links in best]


# --- explanations ----------------------------------------------------------------------


def _who(index: MatchIndex, m: int) -> str | None:
    return index.names[m] if index.public[m] else None


def explain(
    index: MatchIndex, t: Target, j: int, score: float, parts: ScoreParts, links: list[int]
) -> Suggestion:
    """Reasons and the warm path for one scored candidate."""
    reasons: list[Reason] = []
    path: tuple[str, ...] = ()
    ini = (index.ids[t.initiative],) if t.initiative >= 0 else ()
    skills = index.skills[j] or ()
    covers = sorted((s for s in t.needs if s in skills), key=lambda s: -index.rarity(s))
    if covers:
        names = ", ".join(f"'{index.names[s]}'" for s in covers[:3])
        names_en = ", ".join(f"'{index.english(s)}'" for s in covers[:3])
        reasons.append(
            Reason(
                "SKILL",
                f"biedt {names}, wat dit initiatief zoekt",
                f"offers {names_en}, which this initiative needs",
            )
        )
    direct = sorted({m for m in links if m >= 0}, key=lambda m: index.ids[m])
    shared = sorted({-(g + 1) for g in links if g < 0}, key=lambda g: index.ids[g])
    if direct:
        m = next((x for x in direct if index.public[x]), direct[0])
        who = _who(index, m)
        more = len(direct) - 1
        nl = f"kent {who}, die lid is" if who else "kent een lid van dit initiatief"
        en = f"knows {who}, who is a member" if who else "knows a member of this initiative"
        if more:
            nl += f" (en nog {more} {'lid' if more == 1 else 'leden'})"
            en += f" (and {more} more)"
        reasons.append(Reason("KNOWS_MEMBER", nl, en))
        path = (index.ids[j], index.ids[m], *ini)
    elif shared:
        g = shared[0]
        mates = [m for m in t.members if m in index.members.get(g, {})]
        m = next((x for x in mates if index.public[x]), mates[0]) if mates else -1
        who = _who(index, m) if m >= 0 else None
        group = index.names[g] if index.public[g] else "een ander initiatief"
        group_en = index.names[g] if index.public[g] else "another initiative"
        reasons.append(
            Reason(
                "CO_MEMBER",
                f"zit met {who or 'een lid'} in {group}",
                f"works with {who or 'a member'} in {group_en}",
            )
        )
        path = (index.ids[j], index.ids[g], *((index.ids[m],) if m >= 0 else ()), *ini)
    _, ring = _proximity(index, t, j)
    if ring:
        reasons.append(_place_reason(index, t, j, ring))
    themes = [x for x in index.themes[j] or () if x in t.themes]
    if themes:
        label, label_en = index.names[themes[0]], index.english(themes[0])
        reasons.append(
            Reason("THEME", f"is betrokken bij {label.lower()}", f"cares about {label_en.lower()}")
        )
    lacking = sorted(roles_of(index, j) - t.roles)
    for role in lacking[:1]:
        nl, en = ROLE_LABEL[role]
        reasons.append(
            Reason(
                "ROLE", f"is {nl}, wat het team nog mist", f"is {en}, which the team still lacks"
            )
        )
    return Suggestion(
        actor=index.ids[j],
        score=round(score, 4),
        parts=parts,
        reasons=tuple(reasons),
        path=path,
        covers=tuple(index.ids[s] for s in covers),
        roles=tuple(lacking),
    )


def _place_reason(index: MatchIndex, t: Target, j: int, ring: str) -> Reason:
    home = index.home[j]
    body = index.kind[j] in (_ENT, _ORG, _MUN)
    verb_nl, verb_en = ("is gevestigd in", "is based in") if body else ("woont in", "lives in")
    here = index.names[index.area(home)]
    target_area = index.names[index.area(t.home)]
    if ring == "buurt":
        return Reason(
            "PLACE",
            f"{verb_nl} {index.names[home]}, dezelfde buurt",
            f"{verb_en} {index.names[home]}, the same buurt",
        )
    if ring == "wijk":
        return Reason(
            "PLACE", f"{verb_nl} {here}, dezelfde wijk", f"{verb_en} {here}, the same neighbourhood"
        )
    if ring == "adjacent":
        return Reason(
            "PLACE",
            f"{verb_nl} {here}, naast {target_area}",
            f"{verb_en} {here}, next to {target_area}",
        )
    level = PlaceLevel.DISTRICT if ring == "district" else PlaceLevel.MUNICIPALITY
    up = index.names[index.up(index.area(home), level)]
    what_nl, what_en = (
        ("hetzelfde stadsdeel", "the same district")
        if ring == "district"
        else ("dezelfde gemeente", "the same municipality")
    )
    return Reason("PLACE", f"{verb_nl} {up}, {what_nl}", f"{verb_en} {up}, {what_en}")
