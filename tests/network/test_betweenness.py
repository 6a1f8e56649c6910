"""Exact betweenness with the trees pruned equals networkx's and the plain sum over sources."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest

from network import analytics as a

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
    raw = a._dependency_sums(n, edges, np.arange(n), np.ones(n))
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
    real = a._dependency_sums

    def counting(n: int, edges: np.ndarray, sources: np.ndarray, *args, **kw):  # type: ignore[no-untyped-def]
        searched.append(len(sources))
        return real(n, edges, sources, *args, **kw)

    monkeypatch.setattr(a, "_dependency_sums", counting)
    g = nx.disjoint_union(nx.balanced_tree(2, 4), nx.star_graph(5))
    exact = nx.betweenness_centrality(g)
    assert a.betweenness(len(g), _edges(g)) == pytest.approx([exact[i] for i in range(len(g))])
    assert searched == [0]
