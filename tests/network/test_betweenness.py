"""Exact betweenness with the trees pruned equals networkx's and the plain sum over sources."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from network import analytics as a
from network import betweenness as b

BACKENDS = ["igraph", "networkx"]


def _edges(g: nx.Graph) -> np.ndarray:
    return np.array(sorted((min(e), max(e)) for e in g.edges()), dtype=np.int32).reshape(-1, 2)


def _graphs() -> list[tuple[str, nx.Graph]]:
    """Trees, stars, paths, cycles with trees hanging off them, disconnected graphs with
    loners, and random graphs with and without leaves."""
    out: list[tuple[str, nx.Graph]] = [
        ("path of 3", nx.path_graph(3)),
        ("path of 9", nx.path_graph(9)),
        ("star", nx.star_graph(7)),
        ("balanced tree", nx.balanced_tree(3, 3)),
        ("triangle with a leaf", nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])),
        ("pair and a path", nx.Graph([(0, 1), (2, 3), (3, 4)])),
        ("two stars joined", nx.Graph([(0, 1), (0, 2), (0, 3), (0, 4), (4, 5), (5, 6), (5, 7)])),
    ]
    for seed in range(30):
        rng = random.Random(seed)
        n = rng.randint(3, 70)
        if seed % 4 == 0:
            g = nx.random_labeled_tree(n, seed=seed)
        elif seed % 4 == 1:
            g = nx.gnm_random_graph(n, rng.randint(0, 2 * n), seed=seed)
        elif seed % 4 == 2:  # a tree, a cycle and loners side by side
            g = nx.disjoint_union(nx.random_labeled_tree(n, seed=seed), nx.cycle_graph(5))
            g.add_nodes_from(range(len(g), len(g) + 3))
        else:  # a small world with trees hanging off it
            g = nx.connected_watts_strogatz_graph(max(n, 6), 4, 0.3, seed=seed)
            for _ in range(15):
                g.add_edge(rng.randrange(len(g)), len(g))
        out.append((f"random {seed}", nx.convert_node_labels_to_integers(g)))
    return out


def _plain_sum(n: int, edges: np.ndarray) -> np.ndarray:
    """The sum over every source, normalised, as `betweenness` took it before pruning."""
    raw = b._dependency_sums(n, edges, np.arange(n), np.ones(n))
    return raw / ((n - 1) * (n - 2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "g"), _graphs(), ids=lambda v: v if isinstance(v, str) else "")
def test_pruned_betweenness_equals_networkx(backend: str, name: str, g: nx.Graph) -> None:
    n, edges = len(g), _edges(g)
    exact = nx.betweenness_centrality(g)
    got = a.betweenness(n, edges, backend=backend)
    assert got == pytest.approx([exact[i] for i in range(n)], abs=1e-12), name
    if len(edges):
        assert got == pytest.approx(_plain_sum(n, edges), abs=1e-12), name


def test_a_tree_is_counted_without_a_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forest has no node left with ties after pruning: no source is searched at all."""
    searched: list[int] = []
    real = b._dependency_sums

    def counting(n: int, edges: np.ndarray, sources: np.ndarray, *args, **kw):  # type: ignore[no-untyped-def]
        searched.append(len(sources))
        return real(n, edges, sources, *args, **kw)

    monkeypatch.setattr(b, "_dependency_sums", counting)
    g = nx.disjoint_union(nx.balanced_tree(2, 4), nx.star_graph(5))
    exact = nx.betweenness_centrality(g)
    assert a.betweenness(len(g), _edges(g)) == pytest.approx([exact[i] for i in range(len(g))])
    assert searched == [0]


def test_a_big_component_left_as_it_was_is_not_searched_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write that adds a loner or ties another component keeps the big one's sums."""
    summed: list[int] = []
    real = b._exact_sums

    def counting(n: int, edges: np.ndarray, **kw):  # type: ignore[no-untyped-def]
        summed.append(n)
        return real(n, edges, **kw)

    monkeypatch.setattr(b, "_exact_sums", counting)
    big = nx.connected_watts_strogatz_graph(150, 4, 0.2, seed=8)
    for k in range(20):  # with trees hanging off it
        big.add_edge(k * 7, len(big))
    g = nx.disjoint_union(big, nx.path_graph(5))
    before = a.betweenness(len(g), _edges(g))
    assert sorted(summed) == [5, len(big)]
    summed.clear()
    # two new loners sort first (every position moves up two), and a new triangle
    g2 = nx.disjoint_union(nx.disjoint_union(nx.Graph([(0, 1)]), g), nx.cycle_graph(3))
    g2.remove_edge(0, 1)
    n2 = len(g2)
    got = a.betweenness(n2, _edges(g2))
    assert summed == [5 + 3]  # the small ones only
    exact = nx.betweenness_centrality(g2)
    assert got == pytest.approx([exact[i] for i in range(n2)], abs=1e-12)
    # the big component's raw sums are the same, only the normalisation moved
    n = len(g)
    scale = ((n - 1) * (n - 2)) / ((n2 - 1) * (n2 - 2))
    assert got[2 : 2 + len(big)] == pytest.approx(before[: len(big)] * scale, abs=1e-15)
    # a tie inside the big component: searched again, and right
    g2.add_edge(2, 2 + 75)
    summed.clear()
    got = a.betweenness(n2, _edges(g2))
    exact = nx.betweenness_centrality(g2)
    assert got == pytest.approx([exact[i] for i in range(n2)], abs=1e-12)
    assert sorted(summed) == [8, len(big)]


def test_kept_sums_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(b, "KEEP_NODES", 100)
    monkeypatch.setattr(b, "_kept", b.OrderedDict())
    monkeypatch.setattr(b, "_kept_nodes", 0)
    for seed in range(3):
        g = nx.connected_watts_strogatz_graph(70, 4, 0.3, seed=seed)
        exact = nx.betweenness_centrality(g)
        assert a.betweenness(70, _edges(g)) == pytest.approx([exact[i] for i in range(70)])
    assert len(b._kept) == 1 and b._kept_nodes == 70
