"""Hold-out evaluation of the matcher against simple baselines, on the same cases.

For a sample of matchable actors who are in two or more initiatives, hide one
of their memberships, ask each method for partners of that initiative, and find
the hidden actor's rank. Report hit@10 and MRR (reciprocal rank, 0 past rank
100). Baselines: random, popularity, skill-only, proximity-only, Adamic-Adar
on co-membership, and whole-graph personalised PageRank (networkx).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from graph.model import (
    Actor,
    ActorKind,
    Initiative,
    Node,
    NodeId,
    NodeKind,
    Relationship,
    RelType,
    Visibility,
)
from matching.index import KIND_CODE, MatchIndex
from matching.suggest import Target, resolve, score_candidates

CUTOFF = 100
_INI = KIND_CODE[NodeKind.INITIATIVE]

Ranker = Callable[[MatchIndex, Target, random.Random], list[int]]


@dataclass(frozen=True, slots=True)
class Case:
    actor: int
    initiative: int


@dataclass(frozen=True, slots=True)
class Result:
    method: str
    hit_at_10: float
    mrr: float
    cases: int
    ms_per_query: float


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


class _Hidden:
    """Hide one membership from the index for the duration of a ``with`` block."""

    def __init__(self, index: MatchIndex, case: Case) -> None:
        self.index, self.case = index, case

    def __enter__(self) -> None:
        idx, c = self.index, self.case
        self.role = idx.members[c.initiative].pop(c.actor)
        groups = idx.groups[c.actor]
        assert groups is not None
        groups.remove(c.initiative)

    def __exit__(self, *exc: object) -> None:
        idx, c = self.index, self.case
        idx.members[c.initiative][c.actor] = self.role
        groups = idx.groups[c.actor]
        assert groups is not None
        groups.append(c.initiative)


# --- methods -------------------------------------------------------------------------


def rank_wijknet(index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
    return [j for _, j, _, _ in score_candidates(index, t, limit=CUTOFF)]


class Baselines:
    """Baseline rankers; global orders are computed once per index."""

    def __init__(self, index: MatchIndex) -> None:
        self.index = index
        self.matchable = [
            i for i in range(len(index.ids)) if index.matchable[i] and index.is_actor(i)
        ]
        self.popular = sorted(
            self.matchable, key=lambda i: (-len(index.groups[i] or ()), index.ids[i])
        )
        self.holders: dict[int, list[int]] = {}
        for i in self.matchable:
            for s in index.skills[i] or ():
                self.holders.setdefault(s, []).append(i)
        self._graph: nx.Graph | None = None

    def _top(self, t: Target, ordered: list[int]) -> list[int]:
        out = []
        for i in ordered:
            if i not in t.members:
                out.append(i)
                if len(out) == CUTOFF:
                    break
        return out

    def random_order(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._top(t, rng.sample(self.matchable, min(len(self.matchable), CUTOFF * 2)))

    def popularity(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        return self._top(t, self.popular)

    def skill_only(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        score: dict[int, float] = {}
        for s, urgency in t.needs.items():
            for i in self.holders.get(s, ()):
                score[i] = score.get(i, 0.0) + index.rarity(s) * urgency
        noise = {i: rng.random() for i in score}
        return self._top(t, sorted(score, key=lambda i: (-score[i], noise[i])))

    def proximity_only(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        ordered: list[int] = []
        for ring in index.areas_near(t.home) if t.home >= 0 else []:
            ring_actors = [
                i
                for area in index.at(ring)
                for i in index.actors_at.get(area, ())
                if index.matchable[i]
            ]
            rng.shuffle(ring_actors)
            ordered += ring_actors
            if len(ordered) > CUTOFF * 3:
                break
        return self._top(t, ordered)

    def adamic_adar(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        """Sum over members m of Adamic-Adar(candidate, m) on the actor-group graph:
        every group they share counts 1 / log(its size)."""
        score: dict[int, float] = {}
        for m in t.members:
            for g in index.groups[m] or ():
                if g == t.initiative:
                    continue
                size = len(index.members.get(g, ()))
                w = 1.0 / math.log(size) if size > 1 else 0.0
                for c in index.members.get(g, ()):
                    if index.matchable[c]:
                        score[c] = score.get(c, 0.0) + w
        noise = {i: rng.random() for i in score}
        return self._top(t, sorted(score, key=lambda i: (-score[i], noise[i])))

    def graph(self) -> nx.Graph:
        """The whole graph, undirected, as networkx sees it (built once)."""
        if self._graph is None:
            g = nx.Graph()
            index = self.index
            g.add_nodes_from(range(len(index.ids)))
            for i in range(len(index.ids)):
                for lists in (index.ties, index.groups, index.skills, index.themes):
                    for j in lists[i] or ():
                        g.add_edge(i, j)
                if index.home[i] >= 0:
                    g.add_edge(i, index.home[i])
            for child, parent in index.parent.items():
                g.add_edge(child, parent)
            for grp, sups in index.supporters.items():
                g.add_edges_from((grp, s) for s in sups)
            self._graph = g
        return self._graph

    def hide(self, case: Case) -> None:
        """Take the hidden membership out of the networkx graph too."""
        if self._graph is not None and self._graph.has_edge(case.actor, case.initiative):
            self._graph.remove_edge(case.actor, case.initiative)

    def unhide(self, case: Case) -> None:
        if self._graph is not None:
            self._graph.add_edge(case.actor, case.initiative)

    def pagerank(self, index: MatchIndex, t: Target, rng: random.Random) -> list[int]:
        """Personalised PageRank over the whole graph, restarting at the initiative and
        its members (``networkx.pagerank`` with a personalisation vector)."""
        g = self.graph()
        seeds = [*t.members, *([t.initiative] if t.initiative >= 0 else [])]
        pr = nx.pagerank(g, alpha=0.85, personalization={s: 1.0 for s in seeds}, tol=1e-6)
        ordered = sorted(
            (i for i in pr if index.matchable[i] and index.is_actor(i)), key=lambda i: -pr[i]
        )
        return self._top(t, ordered)


def evaluate(
    index: MatchIndex,
    *,
    seed: int = 1,
    cases: int = 200,
    methods: list[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Result]:
    """hit@10 and MRR per method, all on the same hold-out cases."""
    chosen = holdout_cases(index, seed=seed, limit=cases)
    if not chosen:
        raise ValueError("no matchable actor is in two or more initiatives: nothing to hold out")
    base = Baselines(index)
    rankers: dict[str, Ranker] = {
        "wijknet": rank_wijknet,
        "random": base.random_order,
        "popularity": base.popularity,
        "skill-only": base.skill_only,
        "proximity-only": base.proximity_only,
        "adamic-adar (co-membership)": base.adamic_adar,
        "personalised PageRank (networkx)": base.pagerank,
    }
    if methods:
        rankers = {k: v for k, v in rankers.items() if k in methods}
    if "personalised PageRank (networkx)" in rankers:
        base.graph()  # build outside the timed loop
    results = []
    for name, ranker in rankers.items():
        rng = random.Random(seed)
        hits = 0
        rr = 0.0
        started = time.perf_counter()
        for n, case in enumerate(chosen):
            with _Hidden(index, case):
                base.hide(case)
                try:
                    t = resolve(index, index.ids[case.initiative])
                    ranked = ranker(index, t, rng)
                finally:
                    base.unhide(case)
            if case.actor in ranked:
                rank = ranked.index(case.actor) + 1
                hits += rank <= 10
                rr += 1.0 / rank
            if progress:
                progress(name, n + 1, len(chosen))
        took = time.perf_counter() - started
        results.append(
            Result(
                name, hits / len(chosen), rr / len(chosen), len(chosen), 1000 * took / len(chosen)
            )
        )
    return results


def davis_southern_women() -> tuple[list[Node], list[Relationship]]:
    """The Davis Southern Women graph that networkx ships, as wijknet nodes: the 18
    women are (public, matchable) residents, the 14 social events are initiatives."""
    g = nx.davis_southern_women_graph()
    nodes: list[Node] = []
    ids: dict[str, NodeId] = {}
    for n, data in sorted(g.nodes(data=True)):
        slug = NodeId("".join(c if c.isalnum() else "-" for c in n).strip("-").lower())
        ids[n] = slug
        if data["bipartite"] == 0:
            nodes.append(
                Actor(
                    id=slug,
                    kind=ActorKind.RESIDENT,
                    name=n,
                    visibility=Visibility.PUBLIC,
                    matchable=True,
                    source="networkx davis_southern_women_graph",
                )
            )
        else:
            nodes.append(Initiative(id=slug, name=n, source="networkx davis_southern_women_graph"))
    women = {n for n, d in g.nodes(data=True) if d["bipartite"] == 0}
    rels = [
        Relationship(RelType.MEMBER_OF, ids[a], ids[b])
        if a in women
        else Relationship(RelType.MEMBER_OF, ids[b], ids[a])
        for a, b in sorted(g.edges())
    ]
    return nodes, rels
