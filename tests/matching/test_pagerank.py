"""The local push agrees with exact personalised PageRank within its error bound."""

from __future__ import annotations

import random

import pytest

from graph.model import Actor, ActorKind, Initiative, Node, NodeId, Relationship, RelType
from matching import build_index_sync, suggest_partners
from matching.index import MatchIndex
from matching.pagerank import exact_pagerank, local_pagerank, social_degree

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
