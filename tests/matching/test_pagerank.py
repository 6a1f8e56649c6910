"""The local push agrees with exact personalised PageRank within its error bound."""

from __future__ import annotations

import random

import numpy as np
import pytest

from graph.model import Actor, ActorKind, Initiative, Node, NodeId, Relationship, RelType
from matching import build_index_sync, suggest_partners
from matching.holdout import Case, Hidden
from matching.index import MatchIndex
from matching.pagerank import (
    exact_pagerank,
    local_pagerank,
    social_degree,
    social_neighbours,
)

R = RelType


def people(n: int, prefix: str = "p") -> list[Node]:
    return [
        Actor(
            id=NodeId(f"{prefix}{i}"),
            kind=ActorKind.FREELANCER,
            name=f"{prefix}{i}",
            matchable=True,
        )
        for i in range(n)
    ]


def team_of_sixty() -> MatchIndex:
    """x shares team J with all 60 members of initiative I, and with no one else."""
    nodes: list[Node] = [
        *people(60, "m"),
        Actor(id=NodeId("x"), kind=ActorKind.FREELANCER, name="x", matchable=True),
        *people(30, "o"),
        Initiative(id=NodeId("I"), name="I"),
        Initiative(id=NodeId("J"), name="J"),
        Initiative(id=NodeId("K"), name="K"),
    ]
    rels = [Relationship(R.MEMBER_OF, NodeId(f"m{i}"), NodeId("I")) for i in range(60)]
    rels += [Relationship(R.MEMBER_OF, NodeId(f"m{i}"), NodeId("J")) for i in range(60)]
    rels.append(Relationship(R.MEMBER_OF, NodeId("x"), NodeId("J")))
    # others sit in a team of their own with one member of I
    rels += [Relationship(R.MEMBER_OF, NodeId(f"o{i}"), NodeId("K")) for i in range(30)]
    rels.append(Relationship(R.MEMBER_OF, NodeId("m0"), NodeId("K")))
    return build_index_sync(nodes, rels)


def chain(n: int = 12) -> MatchIndex:
    rels = [Relationship(R.KNOWS, NodeId(f"p{i}"), NodeId(f"p{i + 1}")) for i in range(n - 1)]
    return build_index_sync(people(n), rels)


def star(n: int = 25) -> MatchIndex:
    nodes = [*people(n), Initiative(id=NodeId("hub"), name="hub")]
    rels = [Relationship(R.MEMBER_OF, NodeId(f"p{i}"), NodeId("hub")) for i in range(n)]
    return build_index_sync(nodes, rels)


def random_graph(seed: int = 5) -> MatchIndex:
    rng = random.Random(seed)
    n, groups = 80, 12
    nodes = [*people(n), *(Initiative(id=NodeId(f"g{k}"), name=f"g{k}") for k in range(groups))]
    rels = []
    for _ in range(160):
        a, b = rng.sample(range(n), 2)
        rels.append(Relationship(R.KNOWS, NodeId(f"p{a}"), NodeId(f"p{b}")))
    for i in range(n):
        for g in rng.sample(range(groups), rng.randint(1, 3)):
            rels.append(Relationship(R.MEMBER_OF, NodeId(f"p{i}"), NodeId(f"g{g}")))
    return build_index_sync(nodes, rels)


CASES = {
    "sixty": (team_of_sixty, ["I", *(f"m{i}" for i in range(60))]),
    "chain": (chain, ["p0"]),
    "star": (star, ["p3"]),
    "star-hub": (star, ["hub"]),
    "random": (random_graph, ["p1", "p2", "g3"]),
}


@pytest.mark.parametrize("eps", [1e-3, 1e-4, 1e-6])
@pytest.mark.parametrize("name", sorted(CASES))
def test_local_push_is_within_its_bound_of_exact_pagerank(name: str, eps: float) -> None:
    build, seed_ids = CASES[name]
    index = build()
    seeds = [index.pos[s] for s in seed_ids]
    exact = exact_pagerank(index, seeds)
    approx = local_pagerank(index, seeds, eps=eps, max_work=10**9)
    assert abs(sum(exact.values()) - 1.0) < 1e-9
    for v in range(len(index.ids)):
        gap = exact.get(v, 0.0) - approx.get(v, 0.0)
        bound = eps * max(1, social_degree(index, v))
        assert -1e-12 <= gap <= bound + 1e-12, (index.ids[v], gap, bound)
    if eps <= 1e-6:  # fine enough to see every node the walk reaches
        assert set(approx) == set(exact)


def test_mass_crosses_a_team_of_sixty() -> None:
    index = team_of_sixty()
    seeds = [index.pos["I"], *(index.pos[f"m{i}"] for i in range(60))]
    ranks = local_pagerank(index, seeds)
    x = index.pos["x"]
    others = [index.pos[f"o{i}"] for i in range(30)]
    assert ranks.get(x, 0.0) > 0
    assert all(ranks[x] > ranks.get(o, 0.0) for o in others)


def test_the_sixty_member_case_is_suggested_first() -> None:
    index = team_of_sixty()
    best = suggest_partners(index, "I", k=5)
    assert best[0].actor == "x"
    assert any(r.code == "CO_MEMBER" for r in best[0].reasons)


def _neighbours_in_csr(index: MatchIndex, u: int) -> list[int]:
    g = index.social()
    nodes = np.array([u], dtype=np.int64)
    return sorted(g.neighbours(nodes, g.degree[nodes].astype(np.int64)).tolist())


def test_the_csr_copy_follows_every_write_and_hidden_membership() -> None:
    index = random_graph()
    index.social()  # copied now: what follows must reach it through the overlay
    p = index.pos
    index.apply(
        [*people(3, "new"), Initiative(id=NodeId("g-new"), name="g-new")],
        [
            Relationship(R.KNOWS, NodeId("new0"), NodeId("p1")),
            Relationship(R.MEMBER_OF, NodeId("new1"), NodeId("g3")),
            Relationship(R.MEMBER_OF, NodeId("p2"), NodeId("g-new")),
        ],
    )
    index.remove(
        [Relationship(R.MEMBER_OF, NodeId("p1"), NodeId(index.ids[index.groups[p["p1"]][0]]))]
    )
    index.remove_actor("p7")
    case = Case(p["p4"], index.groups[p["p4"]][0])
    for hidden in (False, True):
        with Hidden(index, [case] if hidden else []):
            assert (case.initiative in _neighbours_in_csr(index, case.actor)) is not hidden
            for u in range(len(index.ids)):
                assert _neighbours_in_csr(index, u) == sorted(social_neighbours(index, u))
                assert index.social().degree[u] == social_degree(index, u)
            seeds = [p["p1"], p["new0"], p["g-new"]]
            exact = exact_pagerank(index, seeds)
            approx = local_pagerank(index, seeds, eps=1e-7, max_work=10**9)
            for v in range(len(index.ids)):
                gap = exact.get(v, 0.0) - approx.get(v, 0.0)
                assert -1e-12 <= gap <= 1e-7 * max(1, social_degree(index, v)) + 1e-12
        # the push's thresholds (eps times the degree, kept per eps) follow the writes too
        g = index.social()
        assert np.array_equal(g.bar(1e-7), 1e-7 * np.maximum(g.degree, 1))


def test_many_writes_bring_a_fresh_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    import matching.social

    monkeypatch.setattr(matching.social, "REBUILD", 5)
    index = random_graph()
    first = index.social()
    index.apply(
        [], [Relationship(R.KNOWS, NodeId(f"p{i}"), NodeId(f"p{i + 40}")) for i in range(20)]
    )
    again = index.social()
    assert again is not first and not again.dirty.any()
    assert _neighbours_in_csr(index, index.pos["p3"]) == sorted(
        social_neighbours(index, index.pos["p3"])
    )
