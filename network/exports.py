"""An analysed network as a networkx graph, laid out, written for Gephi and Cytoscape.

:func:`select` picks what is shown (at most so many nodes and edges, and only
ties with at least one end the viewer may see), :func:`to_networkx` builds the
graph with the attributes Gephi colours and sizes by (kind, community, broker,
reach, place, theme, x, y, and where each node and tie comes from: ``provenance``
reference/import/user/demo and its ``source``; a tie's is ``tie_source``, because in
node-link JSON and Gephi's edge table ``source`` names a tie's first end), and
:func:`write` writes GEXF, GraphML, a zip of CSV files, or JSON (networkx node-link
data, the map page's format).
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from graph.text import escape_cell
from matching.index import MatchIndex
from network.analytics import EDGE_TYPES, Network

if TYPE_CHECKING:  # networkx is imported where it is used: serve starts without it
    import networkx as nx

FORMATS = ("gexf", "graphml", "csv", "json")
MEDIA_TYPES = {
    "gexf": "application/gexf+xml",
    "graphml": "application/graphml+xml",
    "csv": "application/zip",
    "json": "application/json",
}
SUFFIX = {"gexf": ".gexf", "graphml": ".graphml", "csv": ".zip", "json": ".json"}
#: Colours of communities 0..19 (then repeating); nodes without ties are grey.
# fmt: off
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#e6550d", "#31a354", "#ad494a", "#756bb1", "#843c39",
    "#de9ed6", "#3182bd", "#637939", "#fdae6b",
)
# fmt: on
NO_COMMUNITY = "#b0b0b0"
# fmt: off
_NODE_COLUMNS = (
    "Id", "Label", "kind", "community", "broker", "reach", "degree", "place", "place_name",
    "theme", "themes", "inside", "redacted", "x", "y", "provenance", "source",
)
# fmt: on


@dataclass(frozen=True, slots=True)
class Selection:
    """What is shown of a network: local node positions and edge rows, and what was cut."""

    nodes: np.ndarray
    edges: np.ndarray  # rows of net.edges
    truncated: bool


def select(
    net: Network,
    *,
    visible: np.ndarray | None = None,
    max_nodes: int | None = None,
    max_edges: int | None = None,
    listed: np.ndarray | None = None,
    both: bool = False,
) -> Selection:
    """The nodes (most central first when capped) and the ties between them that are shown.

    A tie is shown when at least one end is ``visible`` (both ends with ``both``; all
    nodes are visible by default). Only ``listed`` nodes are shown (all by default).
    """
    n = len(net.nodes)
    degree = net.degree
    order = np.lexsort((np.arange(n), -degree, -net.betweenness))
    if listed is not None:
        order = order[listed[order]]
    keep = order if max_nodes is None or n <= max_nodes else order[:max_nodes]
    rank = np.full(n, n, dtype=np.int64)
    rank[keep] = np.arange(len(keep))
    u, v = net.edges[:, 0], net.edges[:, 1]
    ok = (rank[u] < n) & (rank[v] < n)
    if visible is not None:
        ok &= (visible[u] & visible[v]) if both else (visible[u] | visible[v])
    rows = np.flatnonzero(ok)
    if max_edges is not None and len(rows) > max_edges:
        rows = rows[np.argsort(rank[u[rows]] + rank[v[rows]], kind="stable")[:max_edges]]
        rows.sort()
    return Selection(np.sort(keep), rows, len(keep) < n or len(rows) < int(ok.sum()))


def layout(net: Network) -> np.ndarray:
    """(n, 2) positions: each community a disc (hubs in the middle), discs placed by a
    spring layout of the ties between communities, nodes without ties on an outer ring.
    Deterministic and linear in the nodes; cached on the network."""
    if "layout" in net.extra:
        return np.asarray(net.extra["layout"])
    n, lab = len(net.nodes), net.community
    pos = np.zeros((n, 2))
    count = int(lab.max()) + 1 if n else 0
    sizes = np.bincount(lab[lab >= 0], minlength=count).astype(np.float64)
    radius = np.sqrt(sizes) * 1.2
    centres = _place_discs(net, radius)
    degree = net.degree
    order = np.lexsort((np.arange(n), -degree, lab))
    sorted_lab = lab[order]
    slot = np.empty(n)
    slot[order] = np.arange(n) - np.searchsorted(sorted_lab, sorted_lab)  # rank in community
    golden = math.pi * (3 - math.sqrt(5))
    r = np.sqrt(slot + 0.5) * 1.2
    angle = slot * golden
    inner = lab >= 0
    pos[inner, 0] = centres[lab[inner], 0] + r[inner] * np.cos(angle[inner])
    pos[inner, 1] = centres[lab[inner], 1] + r[inner] * np.sin(angle[inner])
    loose = ~inner
    if loose.any():  # nodes without ties: a ring around everything else
        outer = (np.abs(centres).max() + radius.max() + 5) if count else 1.0
        k = np.arange(int(loose.sum()))
        ring = outer + np.sqrt(k + 0.5) * 0.6
        pos[loose, 0] = ring * np.cos(k * golden)
        pos[loose, 1] = ring * np.sin(k * golden)
    net.extra["layout"] = pos
    return pos


def _place_discs(net: Network, radius: np.ndarray, big: int = 400) -> np.ndarray:
    count = len(radius)
    centres = np.zeros((count, 2))
    if not count:
        return centres
    import networkx as nx

    head = min(count, big)  # communities are numbered largest first
    g = nx.Graph()
    g.add_nodes_from(range(head))
    lab = net.community
    u, v = lab[net.edges[:, 0]], lab[net.edges[:, 1]]
    cross = (u != v) & (u < head) & (v < head) & (u >= 0) & (v >= 0)
    pairs, ties = np.unique(
        np.sort(np.stack([u[cross], v[cross]], 1), axis=1), axis=0, return_counts=True
    )
    g.add_weighted_edges_from(
        (int(a), int(b), float(w)) for (a, b), w in zip(pairs, ties, strict=True)
    )
    spread = float(np.sqrt((radius[:head] ** 2).sum())) * 1.6 + 1.0
    spring = nx.spring_layout(g, seed=7, iterations=60) if head > 1 else {0: np.zeros(2)}
    centres[:head] = np.array([spring[c] for c in range(head)]) * spread
    centres[:head] = _separate(centres[:head], radius[:head])
    if count > head:  # small communities: a spiral band outside the big ones
        edge = float((np.linalg.norm(centres[:head], axis=1) + radius[:head]).max()) + 4
        golden = math.pi * (3 - math.sqrt(5))
        k = np.arange(count - head)
        ring = edge + np.sqrt(k + 0.5) * 3.0
        centres[head:, 0] = ring * np.cos(k * golden)
        centres[head:, 1] = ring * np.sin(k * golden)
    return centres


def _separate(centres: np.ndarray, radius: np.ndarray, rounds: int = 60) -> np.ndarray:
    """Push overlapping discs apart."""
    pos = centres.copy()
    for _ in range(rounds):
        diff = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((diff**2).sum(-1)) + np.eye(len(pos))
        overlap = radius[:, None] + radius[None, :] + 1.0 - dist
        np.fill_diagonal(overlap, 0)
        overlap = np.clip(overlap, 0, None)
        if not overlap.any():
            break
        pos += ((diff / dist[..., None]) * overlap[..., None] * 0.5).sum(1) / 2
    return pos


def to_networkx(
    index: MatchIndex,
    net: Network,
    selection: Selection | None = None,
    *,
    labels: Sequence[str] | None = None,
    redacted: np.ndarray | None = None,
    place_names: Callable[[int], str] | None = None,
) -> nx.Graph:
    """The shown part of ``net`` as an undirected networkx graph with flat attributes.

    ``labels`` per local node (default: the index's names); ``redacted`` marks
    nodes shown as kind and wijk only (no themes, a buurt widened to its wijk).
    """
    import networkx as nx

    sel = selection or select(net)
    pos = layout(net)
    deg = net.degree
    top = float(net.betweenness.max()) if len(net.nodes) else 0.0
    g = nx.Graph(
        place=net.place,
        theme=net.theme or "",
        modularity=float(round(net.modularity, 6)),
        algorithm=net.algorithm,
        node_count=len(net.nodes),
        edge_count=len(net.edges),
        truncated=bool(sel.truncated),
    )
    for k in sel.nodes.tolist():
        i = int(net.nodes[k])
        hidden = redacted is not None and bool(redacted[k])
        home = index.area(index.home[i]) if hidden else index.home[i]  # kind and wijk only
        themes = [] if hidden else sorted(index.ids[t] for t in index.themes[i] or ())
        main = net.theme if net.theme in themes else (themes[0] if themes else "")
        provenance, source = index.source_of(i)
        g.add_node(
            index.ids[i],
            label=labels[k] if labels is not None else index.names[i],
            kind=index.node_kind(i).value,
            community=int(net.community[k]),
            broker=float(round(net.betweenness[k], 8)),
            broker_rank=float(round(math.sqrt(net.betweenness[k] / top), 4)) if top else 0.0,
            reach=int(net.reach[k]),
            degree=int(deg[k]),
            place=index.ids[home] if home >= 0 else "",
            place_name=(place_names(home) if place_names else index.names[home])
            if home >= 0
            else "",
            theme=main or "",
            themes=";".join(themes),
            inside=bool(net.inside[k]),
            redacted=hidden,
            x=float(round(pos[k, 0], 3)),
            y=float(round(pos[k, 1], 3)),
            provenance=provenance.value,
            source="" if hidden else source,
        )
    ids = index.ids
    for row in sel.edges.tolist():
        a, b = net.edges[row]
        ia, ib = int(net.nodes[a]), int(net.nodes[b])
        provenance, source = index.tie_source(ia, ib)
        g.add_edge(
            ids[ia],
            ids[ib],
            relation=EDGE_TYPES[net.edge_type[row]],
            provenance=provenance.value,
            tie_source="" if redacted is not None and (redacted[a] or redacted[b]) else source,
        )
    return g


def _with_viz(g: nx.Graph) -> nx.Graph:
    """A copy with GEXF ``viz`` colour, size and position, so Gephi opens it styled."""
    out = g.copy()
    for _, data in out.nodes(data=True):
        c = data["community"]
        hexa = PALETTE[c % len(PALETTE)] if c >= 0 else NO_COMMUNITY
        r, gg, b = (int(hexa[i : i + 2], 16) for i in (1, 3, 5))
        data["viz"] = {
            "color": {"r": r, "g": gg, "b": b, "a": 1.0},
            "size": 2.0 + 18.0 * data["broker_rank"],
            "position": {"x": data["x"], "y": data["y"], "z": 0.0},
        }
    return out


def write(g: nx.Graph, fmt: str, out: IO[bytes]) -> None:
    """Write ``g`` as ``fmt`` (one of FORMATS); csv is a zip of nodes.csv and edges.csv."""
    import networkx as nx

    if fmt == "gexf":
        nx.write_gexf(_with_viz(g), out)
    elif fmt == "graphml":
        nx.write_graphml(g, out)
    elif fmt == "json":
        data = nx.node_link_data(g, edges="edges")
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    elif fmt == "csv":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in csv_tables(g).items():
                zf.writestr(name, text)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def csv_tables(g: nx.Graph) -> dict[str, str]:
    """nodes.csv and edges.csv with the column names Gephi's spreadsheet import expects."""
    nodes, edges = io.StringIO(), io.StringIO()
    w = csv.writer(nodes, lineterminator="\n")
    w.writerow(_NODE_COLUMNS)
    for node, d in g.nodes(data=True):
        w.writerow([_cell(node), _cell(d["label"]), *(_cell(d[c]) for c in _NODE_COLUMNS[2:])])
    w = csv.writer(edges, lineterminator="\n")
    w.writerow(["Source", "Target", "Type", "relation", "provenance", "tie_source"])
    for a, b, d in g.edges(data=True):
        row = (a, b, "Undirected", d["relation"], d["provenance"], d["tie_source"])
        w.writerow([_cell(v) for v in row])
    return {"nodes.csv": nodes.getvalue(), "edges.csv": edges.getvalue()}


def _cell(value: Any) -> str:
    """Text of a cell, escaped where a spreadsheet would run it as a formula."""
    return escape_cell(("true" if value else "false") if isinstance(value, bool) else str(value))


def write_path(g: nx.Graph, fmt: str, path: Path) -> list[Path]:
    """Write to ``path``; for csv, ``path`` is a folder that gets nodes.csv and edges.csv."""
    if fmt == "csv":
        path.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in csv_tables(g).items():
            (path / name).write_text(text, encoding="utf-8")
            written.append(path / name)
        return written
    with path.open("wb") as fh:
        write(g, fmt, fh)
    return [path]
