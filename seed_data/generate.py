"""A seeded, reproducible generator of a synthetic neighbourhood network.

People and bodies are invented (faker ``nl_NL`` names, never real private
persons) and placed in the real places of the reference data. The structure
follows how wijkondernemingen grow: people cluster by place and theme, each
theme brings its typical partners (an energy coop with a woningcorporatie,
ZZP installers and the gemeente; a care coop with a zorgaanbieder and a
wijkprofessional; green maintenance contracted by the gemeente), team sizes
have a long tail, KNOWS ties are mostly local and a share of people opt in to
being matched. Every generated node has ``provenance="demo"`` (its
relationships inherit it: see :func:`graph.model.rel_provenance`).

Generated relationships never touch a real named body (a reference enterprise,
organisation or gemeente): the gemeente contacts are invented professionals of an
invented municipal department. They do point at real places, themes, skills and
instruments.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStage,
    LegalForm,
    Node,
    NodeId,
    PlaceLevel,
    Provenance,
    Relationship,
    RelType,
    RevenueModel,
    Visibility,
)
from seed_data.reference import SOURCE_SYNTHETIC, Reference

#: The five cities of the public reports, and their share of a city-sized seed.
FOCUS = {"GM0518": 0.45, "GM0772": 0.2, "GM0479": 0.13, "GM0193": 0.14, "GM0606": 0.08}
#: Above this many actors the rest of the country is populated too.
COUNTRY_FROM = 200_000

KIND_SHARE = {
    ActorKind.RESIDENT: 0.72,
    ActorKind.FREELANCER: 0.11,
    ActorKind.PROFESSIONAL: 0.08,
    ActorKind.ENTERPRISE: 0.05,
    ActorKind.ORGANISATION: 0.04,
}
_PREFIX = {
    ActorKind.RESIDENT: "res",
    ActorKind.FREELANCER: "zzp",
    ActorKind.PROFESSIONAL: "pro",
    ActorKind.ENTERPRISE: "ent",
    ActorKind.ORGANISATION: "org",
}


@dataclass(frozen=True, slots=True)
class ThemePlan:
    """How initiatives on one theme look: names, partner mix, instruments."""

    names: tuple[str, ...]
    partner_subtypes: tuple[tuple[str, str], ...]  # (organisation subtype, SUPPORTS how)
    freelancers: int
    professional: bool
    gemeente_how: str | None
    instruments: tuple[str, ...]
    enterprise_subtype: str


PLANS: dict[str, ThemePlan] = {
    "energy": ThemePlan(
        ("Energiecoöperatie {w}", "Zon op {w}", "Warmtenet {w}", "Energiebank {w}"),
        (("housing_corporation", "space"),),
        2,
        False,
        "funding",
        ("subsidie_bewonersinitiatief", "wijkbudget"),
        "energy_cooperative",
    ),
    "care": ThemePlan(
        ("Zorgcoöperatie {w}", "Zorg voor elkaar {w}", "Ouderen in {w}", "Mantelzorgpunt {w}"),
        (("care_provider", "advice"), ("welfare_organisation", "advice")),
        0,
        True,
        "funding",
        ("subsidie_bewonersinitiatief", "maatschappelijk_aanbesteden"),
        "care_cooperative",
    ),
    "green": ThemePlan(
        ("Groenonderhoud {w}", "Buurttuin {w}", "Groene Wijk {w}", "Tegels eruit {w}"),
        (),
        2,
        False,
        "contract",
        ("right_to_challenge", "maatschappelijk_aanbesteden", "wijkbudget"),
        "bewonersbedrijf",
    ),
    "food": ThemePlan(
        ("Voedselcoöperatie {w}", "Buurtmoestuin {w}", "Buurtkeuken {w}", "Eetcafé {w}"),
        (("welfare_organisation", "advice"),),
        1,
        False,
        None,
        ("subsidie_bewonersinitiatief",),
        "food_cooperative",
    ),
    "mobility": ThemePlan(
        ("Deelauto's {w}", "Buurtbus {w}", "Fietsenwerkplaats {w}"),
        (),
        1,
        False,
        "funding",
        ("subsidie_bewonersinitiatief",),
        "mobility_cooperative",
    ),
    "meeting_place": ThemePlan(
        ("Buurthuis {w}", "Huiskamer van {w}", "Wijkcentrum {w}", "Ontmoetingsplek {w}"),
        (("housing_corporation", "space"), ("welfare_organisation", "advice")),
        0,
        True,
        "funding",
        ("wijkbudget", "right_to_challenge", "buurtrechten"),
        "bewonersbedrijf",
    ),
    "work_learning": ThemePlan(
        ("Taalcafé {w}", "Leerwerkplaats {w}", "Huiswerkklas {w}", "Repaircafé {w}"),
        (("welfare_organisation", "advice"),),
        1,
        True,
        "contract",
        ("maatschappelijk_aanbesteden", "subsidie_bewonersinitiatief"),
        "wijkonderneming",
    ),
    "housing": ThemePlan(
        ("Wooncoöperatie {w}", "Bewonerscommissie {w}", "Samen Wonen {w}"),
        (("housing_corporation", "advice"),),
        0,
        False,
        None,
        ("omgevingswet_participatie",),
        "housing_cooperative",
    ),
}
_GENERIC_PLAN = ThemePlan(
    ("Bewonersinitiatief {w}", "Samen {w}", "Buurtproject {w}"),
    (("welfare_organisation", "advice"),),
    1,
    False,
    "funding",
    ("wijkbudget", "subsidie_bewonersinitiatief"),
    "wijkonderneming",
)
_ORG_SUBTYPES = {
    "housing_corporation": ("Woonstichting {w}", 0.2, LegalForm.STICHTING),
    "welfare_organisation": ("Welzijn {w}", 0.3, LegalForm.STICHTING),
    "care_provider": ("Thuiszorg {w}", 0.2, LegalForm.STICHTING),
    "fund": ("Buurtfonds {w}", 0.1, LegalForm.STICHTING),
    "school": ("Brede School {w}", 0.2, LegalForm.STICHTING),
}
_ENT_NAMES = {
    "bewonersbedrijf": ("Bewonersbedrijf {w}", LegalForm.STICHTING),
    "wijkonderneming": ("Wijkonderneming {w}", LegalForm.STICHTING),
    "energy_cooperative": ("Energie {w} U.A.", LegalForm.COOPERATIE),
    "care_cooperative": ("Zorgcoöperatie {w} U.A.", LegalForm.COOPERATIE),
    "food_cooperative": ("Voedselcoöperatie {w} U.A.", LegalForm.COOPERATIE),
    "mobility_cooperative": ("Deelmobiliteit {w} U.A.", LegalForm.COOPERATIE),
    "housing_cooperative": ("Wooncoöperatie {w} U.A.", LegalForm.COOPERATIE),
    "local_business": ("{n} {trade}", LegalForm.BV),
}
_TRADES = ("Installatietechniek", "Hoveniers", "Bouw & Onderhoud", "Catering", "Fietsen", "Advies")
_PROFESSIONS = (
    "opbouwwerker",
    "wijkprofessional",
    "wijkverpleegkundige",
    "jongerenwerker",
    "gebiedsmakelaar",
    "maatschappelijk werker",
    "wijkagent",
    "sociaal makelaar",
)
_NO_PROPS: dict[str, object] = {}
_ROLES = ("board", "coordinator", "member", "member", "member", "volunteer", "volunteer")


@dataclass(slots=True)
class Generated:
    nodes: list[Node] = field(default_factory=list)
    rels: list[Relationship] = field(default_factory=list)


def _theme_key(theme_id: str) -> str:
    return theme_id.removeprefix("theme-").replace("-", "_")


def _instrument_key(inst_id: str) -> str:
    return inst_id.removeprefix("inst-").replace("-", "_")


class _Builder:
    def __init__(self, ref: Reference, actors: int, seed: int) -> None:
        self.ref = ref
        self.n = actors
        self.rng = random.Random(seed)
        from faker import Faker  # here, not at import: serve loads seed_data without seeding

        fake = Faker("nl_NL")
        fake.seed_instance(seed)
        self.names = [fake.name() for _ in range(min(40_000, max(500, actors // 5)))]
        self.last_names = [fake.last_name() for _ in range(2_000)]
        self.out = Generated()
        self.children = ref.children()
        self.theme_ids = [t.id for t in ref.themes]
        self.skill_ids = [s.id for s in ref.skills]
        self.skills_by_theme: dict[NodeId, list[NodeId]] = defaultdict(list)
        for sid, themes in ref.skill_themes.items():
            for t in themes:
                self.skills_by_theme[t].append(sid)
        self.general_skills = [s for s, ts in ref.skill_themes.items() if not ts] or self.skill_ids
        # rarer skills exist: a Zipf-like popularity over a fixed shuffled order
        order = list(self.skill_ids)
        self.rng.shuffle(order)
        self.skill_weight = {s: 1.0 / (i + 1) ** 0.8 for i, s in enumerate(order)}
        self.instr = {_instrument_key(i.id): i.id for i in ref.instruments}
        # where people go
        self.leaves: dict[NodeId, list[NodeId]] = {}  # municipality -> leaf places
        self.leaf_cum: dict[NodeId, list[float]] = {}  # cumulative weights of those leaves
        self.wijk_of: dict[NodeId, NodeId] = {}  # leaf -> its neighbourhood (or itself)
        self.muni_of: dict[NodeId, NodeId] = {}
        self.theme_profile: dict[NodeId, list[float]] = {}
        # indexes filled while generating
        self.persons_at: dict[NodeId, list[NodeId]] = defaultdict(list)  # wijk -> persons
        self.persons_in_muni: dict[NodeId, list[NodeId]] = defaultdict(list)
        self.fans: dict[tuple[NodeId, NodeId], list[NodeId]] = defaultdict(list)  # (wijk, theme)
        self.active_fans: dict[tuple[NodeId, NodeId], list[NodeId]] = defaultdict(list)
        self.freelancers_in: dict[NodeId, list[NodeId]] = defaultdict(list)  # muni
        self.professionals_in: dict[NodeId, list[NodeId]] = defaultdict(list)
        self.orgs_in: dict[tuple[NodeId, str], list[NodeId]] = defaultdict(list)
        self.ents_in: dict[NodeId, list[NodeId]] = defaultdict(list)
        self.gemeente: dict[NodeId, NodeId] = {}
        self.holders: dict[tuple[NodeId, NodeId], list[NodeId]] = defaultdict(list)
        self._cum_cache: dict[int, tuple[list[NodeId], list[float]]] = {}
        self._themed_pool: dict[frozenset[NodeId], list[NodeId]] = {}
        self.theme_cum: dict[NodeId, list[float]] = {}

    # --- helpers -------------------------------------------------------------

    def rel(self, rtype: RelType, a: str, b: str, **props: object) -> None:
        # parts come from validated nodes and enums; the store still checks both ends
        self.out.rels.append(Relationship.trusted(rtype, a, b, props or _NO_PROPS))

    def _leaves_under(self, code: NodeId) -> list[NodeId]:
        kids = self.children.get(code, [])
        if not kids:
            return [code]
        out: list[NodeId] = []
        for kid in kids:
            out += self._leaves_under(kid)
        return out

    def _wijk(self, leaf: NodeId) -> NodeId:
        place = self.ref.places[leaf]
        if place.level is PlaceLevel.BUURT and leaf in self.ref.parent:
            return self.ref.parent[leaf]
        return leaf

    def _leaf_cum(self, leaves: list[NodeId]) -> list[float]:
        """Where people live, as cumulative weights: the published inhabitants of each
        leaf (or of its wijk, shared by the buurten listed), evenly where none is known."""
        per_wijk = Counter(self._wijk(leaf) for leaf in leaves)
        weights: list[float | None] = []
        for leaf in leaves:
            own = self.ref.places[leaf].inhabitants
            wijk = self._wijk(leaf)
            whole = self.ref.places[wijk].inhabitants
            if own is not None:
                weights.append(float(own))
            else:
                weights.append(None if whole is None else whole / per_wijk[wijk])
        if any(w is None for w in weights) or not any(weights):
            return list(itertools.accumulate(1.0 for _ in leaves))
        return list(itertools.accumulate(float(w or 0) for w in weights))

    def _sample_skills(self, pool: list[NodeId], k: int) -> list[NodeId]:
        if not pool or k <= 0:
            return []
        key = id(pool)
        cached = self._cum_cache.get(key)
        if cached is None or cached[0] is not pool:
            cum = list(itertools.accumulate(self.skill_weight[s] for s in pool))
            cached = self._cum_cache[key] = (pool, cum)
        picked = set(self.rng.choices(pool, cum_weights=cached[1], k=k))
        return sorted(picked)

    def _place_weights(self) -> tuple[list[NodeId], list[float]]:
        munis = [p for p in self.ref.places.values() if p.level is PlaceLevel.MUNICIPALITY]
        focus = [m.id for m in munis if m.id in FOCUS]
        weights = [FOCUS[m] for m in focus]
        codes = list(focus)
        if self.n >= COUNTRY_FROM:
            rest = sorted(m.id for m in munis if m.id not in FOCUS)
            if rest:
                share = 1.0 / len(rest)
                codes += rest
                weights = [w * 0.5 for w in weights] + [0.5 * share] * len(rest)
        return codes, weights

    # --- stages --------------------------------------------------------------

    def places(self) -> tuple[list[NodeId], list[float]]:
        codes, weights = self._place_weights()
        if not codes:
            raise ValueError("the reference data has none of the focus municipalities")
        for code in codes:
            leaves = self._leaves_under(code)
            self.leaves[code] = leaves
            self.leaf_cum[code] = self._leaf_cum(leaves)
            for leaf in leaves:
                wijk = self._wijk(leaf)
                self.wijk_of[leaf] = wijk
                self.muni_of[leaf] = code
                self.muni_of[wijk] = code
                if wijk not in self.theme_profile:
                    # each wijk leans towards a few themes: people cluster by theme
                    self.theme_profile[wijk] = [self.rng.paretovariate(1.2) for _ in self.theme_ids]
                    self.theme_cum[wijk] = list(itertools.accumulate(self.theme_profile[wijk]))
        return codes, weights

    def gemeenten(self, codes: list[NodeId]) -> None:
        """A made-up municipal department per city: demo data never claims that the real
        gemeente (a reference body) employs, funds or contracts invented people."""
        for code in codes:
            gid = NodeId(f"mun-{code}")
            name = self.ref.places[code].name
            self.out.nodes.append(
                Actor(
                    id=gid,
                    kind=ActorKind.MUNICIPALITY,
                    name=f"Afdeling Wijken {name} (demo)",
                    subtype="municipal_department",
                    source=SOURCE_SYNTHETIC,
                    provenance=Provenance.DEMO,
                    description="Fictieve gemeentelijke afdeling (gegenereerd voorbeeld)",
                )
            )
            self.rel(RelType.LOCATED_IN, gid, code)
            self.gemeente[code] = gid

    def actors(self, codes: list[NodeId], weights: list[float]) -> None:
        rng = self.rng
        counts = {k: max(1, round(self.n * s)) for k, s in KIND_SHARE.items()}
        counts[ActorKind.RESIDENT] += self.n - sum(counts.values())
        theme_ids = self.theme_ids
        for kind, count in counts.items():
            prefix = _PREFIX[kind]
            muni_choice = rng.choices(codes, weights, k=count)
            for i in range(count):
                muni = muni_choice[i]
                leaf = rng.choices(self.leaves[muni], cum_weights=self.leaf_cum[muni])[0]
                wijk = self.wijk_of[leaf]
                aid = NodeId(f"{prefix}-{i:07d}")
                node = self._actor(kind, aid, muni, wijk)
                self.out.nodes.append(node)
                self.rel(
                    RelType.LIVES_IN
                    if kind in (ActorKind.RESIDENT, ActorKind.FREELANCER, ActorKind.PROFESSIONAL)
                    else RelType.LOCATED_IN,
                    aid,
                    leaf,
                )
                themes = frozenset(
                    rng.choices(theme_ids, cum_weights=self.theme_cum[wijk], k=rng.randint(1, 3))
                )
                for t in sorted(themes):
                    self.rel(RelType.INTERESTED_IN, aid, t)
                if kind in (ActorKind.RESIDENT, ActorKind.FREELANCER, ActorKind.PROFESSIONAL):
                    self.persons_at[wijk].append(aid)
                    self.persons_in_muni[muni].append(aid)
                    active = rng.random() < 0.15
                    for t in themes:
                        self.fans[(wijk, t)].append(aid)
                        if active:
                            self.active_fans[(wijk, t)].append(aid)
                self._skills(kind, aid, themes, wijk)

    def _actor(self, kind: ActorKind, aid: NodeId, muni: NodeId, wijk: NodeId) -> Actor:
        rng = self.rng
        wname = self.ref.places[wijk].name
        if kind is ActorKind.RESIDENT:
            public = rng.random() < 0.3
            return Actor(
                id=aid,
                kind=kind,
                name=rng.choice(self.names),
                visibility=Visibility.PUBLIC if public else Visibility.PRIVATE,
                matchable=rng.random() < (0.6 if public else 0.1),
                source=SOURCE_SYNTHETIC,
                provenance=Provenance.DEMO,
            )
        if kind is ActorKind.FREELANCER:
            self.freelancers_in[muni].append(aid)
            return Actor(
                id=aid,
                kind=kind,
                name=rng.choice(self.names),
                profession="ZZP'er",
                matchable=rng.random() < 0.8,
                source=SOURCE_SYNTHETIC,
                provenance=Provenance.DEMO,
            )
        if kind is ActorKind.PROFESSIONAL:
            self.professionals_in[muni].append(aid)
            return Actor(
                id=aid,
                kind=kind,
                name=rng.choice(self.names),
                profession=rng.choice(_PROFESSIONS),
                matchable=rng.random() < 0.7,
                source=SOURCE_SYNTHETIC,
                provenance=Provenance.DEMO,
            )
        if kind is ActorKind.ORGANISATION:
            subtypes = list(_ORG_SUBTYPES)
            sub = rng.choices(subtypes, [_ORG_SUBTYPES[s][1] for s in subtypes])[0]
            pattern, _, legal = _ORG_SUBTYPES[sub]
            self.orgs_in[(muni, sub)].append(aid)
            return Actor(
                id=aid,
                kind=kind,
                name=pattern.format(w=wname),
                subtype=sub,
                legal_form=legal,
                matchable=rng.random() < 0.8,
                source=SOURCE_SYNTHETIC,
                provenance=Provenance.DEMO,
                description="Fictieve organisatie (gegenereerd voorbeeld)",
            )
        subs = list(_ENT_NAMES)
        sub = rng.choices(subs, [4 if s == "local_business" else 1 for s in subs])[0]
        pattern, legal = _ENT_NAMES[sub]
        name = pattern.format(w=wname, n=rng.choice(self.last_names), trade=rng.choice(_TRADES))
        name = name[0].upper() + name[1:]  # "van Luxemburg Hoveniers" starts a sentence
        models = [RevenueModel.SALES, RevenueModel.PAID_ASSIGNMENTS]
        if sub != "local_business":
            pool = list(RevenueModel)
            models = sorted(set(rng.sample(pool, rng.randint(1, 3))))
        self.ents_in[muni].append(aid)
        return Actor(
            id=aid,
            kind=kind,
            name=name,
            subtype=sub,
            legal_form=legal,
            revenue_models=tuple(models),
            matchable=rng.random() < 0.8,
            source=SOURCE_SYNTHETIC,
            provenance=Provenance.DEMO,
            description="Fictieve onderneming (gegenereerd voorbeeld)",
        )

    def _skills(
        self, kind: ActorKind, aid: NodeId, themes: frozenset[NodeId], wijk: NodeId
    ) -> None:
        rng = self.rng
        if kind is ActorKind.RESIDENT:
            k = rng.choices((0, 1, 2, 3), (0.3, 0.35, 0.25, 0.1))[0]
        elif kind is ActorKind.FREELANCER:
            k = rng.randint(2, 4)
        else:
            k = rng.randint(1, 3)
        themed = self._themed_pool.get(themes)
        if themed is None:
            themed = sorted({s for t in themes for s in self.skills_by_theme.get(t, ())})
            self._themed_pool[themes] = themed
        pool = themed if themed and rng.random() < 0.7 else self.skill_ids
        rtype = (
            RelType.OFFERS
            if kind in (ActorKind.ENTERPRISE, ActorKind.ORGANISATION)
            else (RelType.HAS_SKILL)
        )
        person = kind in (ActorKind.RESIDENT, ActorKind.FREELANCER, ActorKind.PROFESSIONAL)
        for s in self._sample_skills(pool, k):
            if person:
                self.holders[(s, wijk)].append(aid)
            self.rel(rtype, aid, s)

    def work(self) -> None:
        """Professionals work for an organisation or the gemeente of their city."""
        rng = self.rng
        for muni, pros in self.professionals_in.items():
            employers = [o for (m, _), orgs in self.orgs_in.items() if m == muni for o in orgs]
            for pro in pros:
                if employers and rng.random() < 0.7:
                    self.rel(RelType.WORKS_FOR, pro, rng.choice(employers))
                elif muni in self.gemeente:
                    self.rel(RelType.WORKS_FOR, pro, self.gemeente[muni])

    def initiatives(self) -> None:
        rng = self.rng
        count = max(5, self.n // 14)
        wijken = [w for w, people in self.persons_at.items() if people]
        wijk_weights = [len(self.persons_at[w]) for w in wijken]
        stages = list(InitiativeStage)
        used_names: dict[str, int] = defaultdict(int)
        members_of: dict[NodeId, list[NodeId]] = {}
        chosen_wijken = rng.choices(wijken, wijk_weights, k=count)
        for i in range(count):
            wijk = chosen_wijken[i]
            muni = self.muni_of[wijk]
            theme = rng.choices(self.theme_ids, cum_weights=self.theme_cum[wijk])[0]
            plan = PLANS.get(_theme_key(theme), _GENERIC_PLAN)
            base = rng.choice(plan.names).format(w=self.ref.places[wijk].name)
            used_names[base] += 1
            name = base if used_names[base] == 1 else f"{base} {used_names[base]}"
            iid = NodeId(f"ini-{i:07d}")
            stage = rng.choices(stages, (0.15, 0.25, 0.5, 0.1))[0]
            year = rng.randint(2012, 2026)
            self.out.nodes.append(
                Initiative(
                    id=iid,
                    name=name,
                    stage=stage,
                    started=str(year) if stage is not InitiativeStage.IDEA else "",
                    source=SOURCE_SYNTHETIC,
                    provenance=Provenance.DEMO,
                    description="Gegenereerd voorbeeldinitiatief",
                )
            )
            self.rel(RelType.LOCATED_IN, iid, wijk)
            self.rel(RelType.ABOUT, iid, theme)
            themed = self.skills_by_theme.get(theme, [])
            needs = self._sample_skills(themed, rng.randint(1, 3)) + self._sample_skills(
                self.general_skills, rng.randint(0, 2)
            )
            for s in sorted(set(needs)):
                self.rel(RelType.NEEDS, iid, s, urgency=rng.choice(("low", "medium", "high")))
            members = self._team(wijk, muni, theme, plan, sorted(set(needs)))
            members_of[iid] = members
            for j, m in enumerate(members):
                role = "initiator" if j == 0 else rng.choice(_ROLES)
                self.rel(RelType.MEMBER_OF, m, iid, role=role, since=str(rng.randint(year, 2026)))
            self._partners(iid, muni, plan, stage)
        self._knows(members_of)

    def _team(
        self, wijk: NodeId, muni: NodeId, theme: NodeId, plan: ThemePlan, needs: list[NodeId]
    ) -> list[NodeId]:
        rng = self.rng
        size = min(60, 2 + int(rng.lognormvariate(1.0, 0.8)))
        local = self.fans.get((wijk, theme)) or self.persons_at[wijk]
        city = self.persons_in_muni[muni]
        team: list[NodeId] = []
        seen: set[NodeId] = set()

        def add(pick: Callable[[], NodeId]) -> None:
            for _ in range(4):
                cand = pick()
                if cand not in seen:
                    seen.add(cand)
                    team.append(cand)
                    return

        actives = self.active_fans.get((wijk, theme), [])
        # people join for what they can do: some slots go to local holders of a needed skill
        skilled = [a for s in needs for a in self.holders.get((s, wijk), ())]
        for _ in range(size):
            r = rng.random()
            if r < 0.2 and skilled:
                add(lambda: rng.choice(skilled))
            elif r < 0.45 and actives:
                add(lambda: rng.choice(actives))
            elif r < 0.85:
                add(lambda: rng.choice(local))
            else:
                add(lambda: rng.choice(city))
        free = self.freelancers_in.get(muni, [])
        for _ in range(plan.freelancers):
            if free and rng.random() < 0.7:
                add(lambda: rng.choice(free))
        pros = self.professionals_in.get(muni, [])
        if plan.professional and pros and rng.random() < 0.7:
            add(lambda: rng.choice(pros))
        return team

    def _partners(self, iid: NodeId, muni: NodeId, plan: ThemePlan, stage: InitiativeStage) -> None:
        rng = self.rng
        if stage is InitiativeStage.IDEA:
            return
        for subtype, how in plan.partner_subtypes:
            orgs = self.orgs_in.get((muni, subtype))
            if orgs and rng.random() < 0.6:
                self.rel(RelType.SUPPORTS, rng.choice(orgs), iid, how=how)
        funds = self.orgs_in.get((muni, "fund"))
        if funds and rng.random() < 0.3:
            self.rel(RelType.SUPPORTS, rng.choice(funds), iid, how="funding")
        if plan.gemeente_how and muni in self.gemeente and rng.random() < 0.5:
            self.rel(RelType.SUPPORTS, self.gemeente[muni], iid, how=plan.gemeente_how)
        for key in plan.instruments:
            if key in self.instr and rng.random() < 0.4:
                self.rel(RelType.USES, iid, self.instr[key])
        ents = self.ents_in.get(muni)
        if ents and rng.random() < 0.3:
            self.rel(RelType.PARTNERS_WITH, iid, rng.choice(ents))

    def _knows(self, members_of: dict[NodeId, list[NodeId]]) -> None:
        rng = self.rng
        ties: set[tuple[NodeId, NodeId]] = set()

        def tie(a: NodeId, b: NodeId) -> None:
            if a != b:
                ties.add((a, b) if a < b else (b, a))

        for members in members_of.values():
            if len(members) < 2:
                continue
            # most people know one or two others in a team, not everyone
            for a in members:
                for b in rng.sample(members, 1 + (rng.random() < 0.3)):
                    tie(a, b)
        for people in self.persons_at.values():
            if len(people) < 2:
                continue
            for a in people:
                for _ in range(min(3, int(rng.expovariate(0.6)))):
                    tie(a, rng.choice(people))
        for a, b in sorted(ties):
            self.rel(RelType.KNOWS, a, b)
        # some enterprises employ or are run by local people
        for muni, ents in self.ents_in.items():
            people = self.persons_in_muni.get(muni, [])
            for ent in ents:
                for m in {rng.choice(people) for _ in range(rng.randint(1, 4))} if people else ():
                    self.rel(RelType.MEMBER_OF, m, ent, role=rng.choice(("board", "employee")))


def generate(ref: Reference, *, actors: int, seed: int = 42) -> Generated:
    """A synthetic network of ``actors`` actors placed in the reference places.

    The same ``ref``, ``actors`` and ``seed`` always give the same graph.
    """
    if actors < 10:
        raise ValueError("generate at least 10 actors")
    b = _Builder(ref, actors, seed)
    codes, weights = b.places()
    b.gemeenten(codes)
    b.actors(codes, weights)
    b.work()
    b.initiatives()
    return b.out


def expected_rel_count(actors: int) -> int:
    """A rough count of the relationships :func:`generate` makes, for progress bars."""
    return int(actors * 6.5 + math.sqrt(actors))
