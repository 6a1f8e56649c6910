"""Exports read back by networkx with the same nodes, edges and attributes; what is shown."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from matching import build_index_sync
from matching.index import MatchIndex
from network import analytics as a
from network import exports as x
from tests.network.test_analytics import city

ATTRS = ("label", "kind", "community", "broker", "reach", "degree", "place", "theme", "x", "y")


@pytest.fixture
def index() -> MatchIndex:
    return build_index_sync(*city())


def _same(original: nx.Graph, back: nx.Graph) -> None:
    assert back.number_of_nodes() == original.number_of_nodes()
    assert back.number_of_edges() == original.number_of_edges()
    assert {frozenset(e) for e in back.edges()} == {frozenset(e) for e in original.edges()}
    for node, data in original.nodes(data=True):
        got = back.nodes[node]
        for key, value in data.items():
            if isinstance(value, float):
                assert float(got[key]) == pytest.approx(value), key
            elif isinstance(value, bool):
                assert got[key] in (value, str(value).lower()), key
            else:
                assert got[key] == value, key
    for u, v, data in original.edges(data=True):
        # every attribute of a tie, provenance and tie_source too, survives the format
        assert {k: back.edges[u, v].get(k) for k in data} == data


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json"])
def test_round_trip_through_networkx(index: MatchIndex, tmp_path: Path, fmt: str) -> None:
    net = a.analyse(index, "GM", "energy")
    graph = x.to_networkx(index, net)
    assert graph.number_of_nodes() == len(net.nodes) and graph.number_of_edges() == len(net.edges)
    node = graph.nodes["I1"]
    assert node["kind"] == "Initiative" and node["theme"] == "energy" and node["place"] == "B1"
    assert set(ATTRS) <= set(node)
    [path] = x.write_path(graph, fmt, tmp_path / f"net.{fmt}")
    if fmt == "gexf":
        back = nx.read_gexf(path)
        assert back.nodes["I1"]["viz"]["position"]["x"] == pytest.approx(node["x"])
        for _, data in back.nodes(data=True):
            del data["viz"]
    elif fmt == "graphml":
        back = nx.read_graphml(path)
    else:
        back = nx.node_link_graph(json.loads(path.read_text()), edges="edges")
    _same(graph, back)


def test_csv_in_a_folder_and_as_a_zip(index: MatchIndex, tmp_path: Path) -> None:
    graph = x.to_networkx(index, a.analyse(index, "GM"))
    written = x.write_path(graph, "csv", tmp_path / "out")
    assert [p.name for p in written] == ["nodes.csv", "edges.csv"]
    with (tmp_path / "out" / "nodes.csv").open() as fh:
        nodes = list(csv.DictReader(fh))
    assert {r["Id"] for r in nodes} == set(graph.nodes)
    assert {r["Id"]: r["Label"] for r in nodes}["I1"] == "Zon op Moerwijk"
    buf = io.BytesIO()
    x.write(graph, "csv", buf)
    with zipfile.ZipFile(buf) as zf:
        edges = list(csv.DictReader(io.StringIO(zf.read("edges.csv").decode())))
    assert len(edges) == graph.number_of_edges()
    assert {e["Type"] for e in edges} == {"Undirected"}
    assert {e["relation"] for e in edges} <= set(a.EDGE_TYPES)
    with pytest.raises(ValueError, match="unknown format"):
        x.write(graph, "pdf", io.BytesIO())


def test_select_caps_and_hides_ties_between_hidden_nodes(index: MatchIndex) -> None:
    net = a.analyse(index, "GM")
    everything = x.select(net)
    assert len(everything.nodes) == len(net.nodes) and not everything.truncated
    visible = np.zeros(len(net.nodes), dtype=bool)
    local = {index.ids[i]: k for k, i in enumerate(net.nodes.tolist())}
    visible[local["I1"]] = True
    shown = x.select(net, visible=visible)
    for row in shown.edges.tolist():
        assert visible[net.edges[row]].any()
    assert len(shown.edges) == int(net.degree[local["I1"]])
    capped = x.select(net, max_nodes=5, max_edges=3)
    assert len(capped.nodes) == 5 and len(capped.edges) <= 3 and capped.truncated
    kept = set(capped.nodes.tolist())
    assert all(set(net.edges[r].tolist()) <= kept for r in capped.edges.tolist())
    top = int(np.argmax(net.betweenness))
    assert top in kept  # the most central nodes come first


def test_redacted_nodes_show_kind_and_wijk_only(index: MatchIndex) -> None:
    net = a.analyse(index, "GM")
    hidden = np.array([index.ids[i].startswith("res-b") for i in net.nodes.tolist()])
    labels = [
        "Bewoner in X" if h else index.names[i]
        for h, i in zip(hidden, net.nodes.tolist(), strict=True)
    ]
    graph = x.to_networkx(index, net, labels=labels, redacted=hidden)
    assert graph.nodes["res-b2"] == graph.nodes["res-b2"] | {
        "label": "Bewoner in X",
        "redacted": True,
        "theme": "",
        "themes": "",
        "place": "W2",
    }
    assert graph.nodes["res-a1"]["redacted"] is False


def test_layout_is_deterministic_and_separates_communities(index: MatchIndex) -> None:
    net = a.analyse(index, "GM")
    pos = x.layout(net)
    assert pos.shape == (len(net.nodes), 2) and np.isfinite(pos).all()
    fresh = a.analyse(index, "GM")
    assert np.array_equal(x.layout(fresh), pos)
    centres = [pos[net.community == c].mean(axis=0) for c in range(net.community.max() + 1)]
    assert len({(round(c[0], 3), round(c[1], 3)) for c in centres}) == len(centres)
