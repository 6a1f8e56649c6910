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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from graph.errors import InvalidInput, NotFound
from graph.model import ActorKind, NodeKind, PlaceLevel
from matching import features
from matching.candidates import Collector, Pool, gather, shortlist
from matching.features import FEATURES, REASON_OF
from matching.index import KIND_CODE, ROLE_NAMES, MatchIndex
from matching.instruments import instrument_reason
from matching.ranker import Ranker

MAX_K = 100

# Hand weights, used when no trained ranker is loaded. Warmth (local PageRank) and
# network (Adamic-Adar over shared groups) carry the network; the roles a team lacks
# shape coalitions and reasons, not this ranking.
WEIGHTS = {
    "skills": 0.05,
    "proximity": 0.10,
    "warmth": 0.75,
    "network": 0.02,
    "theme": 0.10,
    "role": 0.0,
}

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
    network: float = 0.0
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


Shown = Callable[[int], bool]
"""Whether the asking viewer may see a node (by index position) in full."""


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


def roles_of(index: MatchIndex, i: int) -> frozenset[Role]:
    """The team roles actor ``i`` can fill (kept by the index as it is written)."""
    return _ROLE_SETS[index.role_bits[i]]


def role_bits(roles: Iterable[Role]) -> int:
    """``roles`` as bits of :attr:`MatchIndex.role_bits`."""
    return sum(1 << ROLE_NAMES.index(r.value) for r in set(roles))


_ROLE_SETS = [
    frozenset(Role(name) for b, name in enumerate(ROLE_NAMES) if bits >> b & 1)
    for bits in range(1 << len(ROLE_NAMES))
]


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


# --- candidates and scores ----------------------------------------------------------


_STAFF_ROLES = frozenset({Role.PROFESSIONAL, Role.MUNICIPAL, Role.FUNDER_HOST})


class _Default:
    pass


INDEX_MODEL = _Default()  # score with the index's ranker when it has one


@dataclass(slots=True)
class Scored:
    """The candidates of a target, their feature rows and scores (best first)."""

    cands: list[int]
    x: np.ndarray
    scores: np.ndarray
    pool: Pool
    model: Ranker | None


def rank(
    index: MatchIndex,
    t: Target,
    *,
    kinds: Iterable[ActorKind] | None = None,
    model: Ranker | _Default | None = INDEX_MODEL,
    shown: Shown | None = None,
) -> Scored:
    """Gather, featurise and score every eligible candidate of ``t``; with ``shown``,
    only candidates it admits (those the asking viewer may see in full)."""
    codes = {KIND_CODE[NodeKind(k.value)] for k in kinds} if kinds else None
    collector = Collector(index, t.members, codes, shown)
    missing = _STAFF_ROLES - t.roles
    bits, lacked = index.role_bits, role_bits(missing)
    pool = gather(
        index,
        initiative=t.initiative,
        members=t.members,
        needs=t.needs,
        themes=t.themes,
        home=t.home,
        eligible=collector,
        staff=(lambda j: bool(bits[j] & lacked)) if missing else None,
    )
    cands = shortlist(pool, collector)
    x = features.matrix(
        index,
        pool,
        cands,
        home=t.home,
        themes=t.themes,
        weights=features.skill_weights(index, t.needs, t.covered),
        team_size=len(t.members),
        team_roles=role_bits(t.roles),
    )
    chosen = index.ranker if isinstance(model, _Default) else model
    scores = chosen.score(x, FEATURES) if chosen is not None else _hand(x)
    return Scored(cands, x, scores, pool, chosen)


def _parts(x: np.ndarray) -> np.ndarray:
    """Hand score parts per row, in the order of :data:`WEIGHTS`."""
    c = features.COLUMN
    theme = np.minimum(1.0, 0.6 * x[:, c["theme_interest"]] + 0.4 * (x[:, c["theme_groups"]] > 0))
    return np.stack(
        [
            x[:, c["skill_coverage"]],
            x[:, c["proximity"]],
            x[:, c["pagerank_rel"]],
            x[:, c["adamic_adar_rel"]],
            theme,
            x[:, c["lacks_role"]],
        ],
        axis=1,
    )


def _hand(x: np.ndarray) -> np.ndarray:
    return np.asarray(_parts(x) @ np.array([WEIGHTS[k] for k in WEIGHTS]), dtype=float)


def score_candidates(
    index: MatchIndex,
    t: Target,
    *,
    kinds: Iterable[ActorKind] | None = None,
    limit: int | None = None,
    model: Ranker | _Default | None = INDEX_MODEL,
    shown: Shown | None = None,
) -> list[tuple[float, int, ScoreParts, list[int]]]:
    """Eligible candidates with score, parts and warm links, best first (ties: smaller
    id first); the first ``limit`` of them when given."""
    scored = rank(index, t, kinds=kinds, model=model, shown=shown)
    return _top(index, scored, limit)[0]


def _top(
    index: MatchIndex, scored: Scored, limit: int | None
) -> tuple[list[tuple[float, int, ScoreParts, list[int]]], list[int]]:
    """The best rows (see :func:`score_candidates`), and where each is in ``scored``."""
    ids, cands, scores = index.ids, scored.cands, scored.scores
    values = scores.tolist()

    def key(r: int) -> tuple[float, str]:
        return (-values[r], ids[cands[r]])

    if limit is None or limit >= len(cands):
        order = sorted(range(len(cands)), key=key)
    else:
        # only rows scoring at least the limit-th best can make it (ties included)
        bar = np.partition(scores, len(cands) - limit)[len(cands) - limit]
        order = sorted(np.flatnonzero(scores >= bar).tolist(), key=key)[:limit]
    parts = _parts(scored.x[order]) if order else np.zeros((0, len(WEIGHTS)))
    found = scored.pool.found
    best = [
        (
            values[r],
            cands[r],
            ScoreParts(*(float(v) for v in p)),
            found.get(cands[r], []),
        )
        for r, p in zip(order, parts.tolist(), strict=True)
    ]
    return best, order


_REASON_CODES = sorted(set(REASON_OF.values()))
_REASON_COLUMNS = [
    [features.COLUMN[f] for f, c in REASON_OF.items() if c == code] for code in _REASON_CODES
]


def lifts(scored: Scored, rows: list[int]) -> list[dict[str, float]]:
    """Per row, how much each reason's features lift the model's score: the score with
    them minus the score with them set to zero."""
    model = scored.model
    if model is None or not rows:
        return [{} for _ in rows]
    # a row's score does not depend on the rows scored with it: the rows as they are
    # were scored already (scored.scores), only the variants need the trees
    variants = np.tile(scored.x[rows], (len(_REASON_CODES), 1))
    for i, cols in enumerate(_REASON_COLUMNS):
        variants[i * len(rows) : (i + 1) * len(rows), cols] = 0.0
    s = model.score(variants, FEATURES).reshape(len(_REASON_CODES), len(rows))
    lift = (scored.scores[rows] - s).T.tolist()
    return [dict(zip(_REASON_CODES, r, strict=True)) for r in lift]


def suggest_partners(
    index: MatchIndex,
    initiative_or_draft: str | Draft,
    *,
    k: int = 10,
    kinds: Iterable[ActorKind] | None = None,
    shown: Shown | None = None,
) -> list[Suggestion]:
    """The ``k`` best partners for an initiative (or a draft), with reasons and paths.

    Only matchable actors are suggested, never current members. ``shown`` says which
    nodes (by position) the asking viewer may see in full (public ones if None): only
    those are suggested, and reasons and paths name nothing else.
    """
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"must be between 1 and {MAX_K}", field="first")
    t = resolve(index, initiative_or_draft)
    scored = rank(index, t, kinds=kinds, shown=shown)
    best, rows = _top(index, scored, k)
    lifted = lifts(scored, rows)
    return [
        explain(index, t, j, score, parts, links, lift, shown=shown)
        for (score, j, parts, links), lift in zip(best, lifted, strict=True)
    ]


# --- explanations ----------------------------------------------------------------------


def explain(
    index: MatchIndex,
    t: Target,
    j: int,
    score: float,
    parts: ScoreParts,
    links: list[int],
    lift: dict[str, float] | None = None,
    *,
    shown: Shown | None = None,
) -> Suggestion:
    """Reasons and the warm path for one scored candidate. With ``lift`` (how much each
    reason's features raised a trained ranker's score), reasons that lowered it are
    left out and the rest come strongest first. A tie to someone ``shown`` does not
    admit (public ones if None) is no reason and no path."""
    see = shown if shown is not None else (lambda i: bool(index.public[i]))
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
    direct = sorted({m for m in links if m >= 0 and see(m)}, key=lambda m: index.ids[m])
    shared = sorted(
        {-(g + 1) for g in links if g < 0 and see(-(g + 1))}, key=lambda g: index.ids[g]
    )
    if direct:
        m = direct[0]
        who = index.names[m]
        more = len(direct) - 1
        nl = f"kent {who}, die lid is"
        en = f"knows {who}, who is a member"
        if more:
            nl += f" (en nog {more} {'lid' if more == 1 else 'leden'})"
            en += f" (and {more} more)"
        reasons.append(Reason("KNOWS_MEMBER", nl, en))
        path = (index.ids[j], index.ids[m], *ini)
    elif shared and (m := _mate(index, t, shared[0], see)) >= 0:
        g = shared[0]
        who, group = index.names[m], index.names[g]
        reasons.append(
            Reason("CO_MEMBER", f"zit met {who} in {group}", f"works with {who} in {group}")
        )
        path = (index.ids[j], index.ids[g], index.ids[m], *ini)
    ring = features.ring_of(index, t.home, j)
    if ring:
        reasons.append(_place_reason(index, t, j, ring))
    themes = [x for x in index.themes[j] or () if x in t.themes]
    if themes:
        label, label_en = index.names[themes[0]], index.english(themes[0])
        reasons.append(
            Reason("THEME", f"is betrokken bij {label.lower()}", f"cares about {label_en.lower()}")
        )
    if t.initiative >= 0 and (hint := instrument_reason(index, t.initiative, j)) is not None:
        reasons.append(Reason(hint.code, hint.nl, hint.en))
    lacking = sorted(roles_of(index, j) - t.roles)
    for role in lacking[:1]:
        nl, en = ROLE_LABEL[role]
        reasons.append(
            Reason(
                "ROLE", f"is {nl}, wat het team nog mist", f"is {en}, which the team still lacks"
            )
        )
    if lift:
        kept = [r for r in reasons if lift.get(r.code, 0.0) >= 0.0] or reasons
        reasons = sorted(kept, key=lambda r: -lift.get(r.code, 0.0))
    return Suggestion(
        actor=index.ids[j],
        score=round(score, 4),
        parts=parts,
        reasons=tuple(reasons),
        path=path,
        covers=tuple(index.ids[s] for s in covers),
        roles=tuple(lacking),
    )


def _mate(index: MatchIndex, t: Target, group: int, see: Shown) -> int:
    """The first member of the team, in its order, who is in ``group`` and may be
    named; -1 if none."""
    in_group = index.members.get(group, {})
    return next((m for m in t.members if m in in_group and see(m)), -1)


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
