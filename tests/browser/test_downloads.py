"""Downloads from the running app and ``wijknet export --place``, read back by networkx."""

from __future__ import annotations

import asyncio
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import httpx
import networkx as nx
import pytest

from tests.api.server import Server
from tests.identity_helpers import make_account

ROOT = Path(__file__).resolve().parents[2]
REDACTED = re.compile(
    r"^(Bewoner|ZZP'er|Professional|Onderneming|Organisatie|Gemeente|Initiatief) "
)
COMPARED = ("label", "kind", "community", "broker", "reach", "place", "theme", "x", "y")


def _get(server: Server, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{server.port}{path}", timeout=120)


def _json(server: Server, path: str) -> nx.Graph:
    res = _get(server, path)
    assert res.status_code == 200, res.text
    return nx.node_link_graph(res.json(), edges="edges")


def test_every_format_downloads_the_same_network(map_server: Server) -> None:
    ref = _json(map_server, "/network/GM0518.json")
    assert ref.number_of_nodes() > 100 and ref.graph["place"] == "GM0518"
    for fmt, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        res = _get(map_server, f"/network/GM0518.{fmt}")
        assert res.status_code == 200
        assert f'filename="wijknet-GM0518.{fmt}"' in res.headers["content-disposition"]
        got = read(io.BytesIO(res.content))
        assert set(got.nodes) == set(ref.nodes)
        assert {frozenset(e) for e in got.edges} == {frozenset(e) for e in ref.edges}
        node = next(iter(ref.nodes))
        assert got.nodes[node]["kind"] == ref.nodes[node]["kind"]
    res = _get(map_server, "/network/GM0518.csv")
    assert res.headers["content-type"] == "application/zip"


def test_downloads_hide_private_people_from_the_public(map_server: Server) -> None:
    graph = _json(map_server, "/network/GM0518.json?theme=theme-energy")
    assert graph.graph["theme"] == "theme-energy"
    assert graph.number_of_nodes() > 0
    assert not any(d["redacted"] for _, d in graph.nodes(data=True))


def test_an_officer_downloads_private_people_as_kind_and_wijk(map_server: Server) -> None:
    creds = asyncio.run(make_account(map_server, officer_of=["GM0518"]))
    res = httpx.get(
        f"http://127.0.0.1:{map_server.port}/network/GM0518.json?theme=theme-energy",
        headers=creds.headers,
        timeout=120,
    )
    assert res.status_code == 200, res.text
    graph = nx.node_link_graph(res.json(), edges="edges")
    hidden = {n for n, d in graph.nodes(data=True) if d["redacted"]}
    assert hidden, "the synthetic city has private residents"
    for node in hidden:
        data = graph.nodes[node]
        assert REDACTED.match(data["label"]) and data["themes"] == ""
    # an officer sees counts, kinds and places, not whom a private person is tied to
    assert not any(u in hidden or v in hidden for u, v in graph.edges)


def test_download_errors(map_server: Server) -> None:
    assert _get(map_server, "/network/XX9999.json").status_code == 404
    assert _get(map_server, "/network/GM0518.pdf").status_code == 404
    assert _get(map_server, "/network/GM0518.json?theme=nope").status_code == 400
    capped = _json(map_server, "/network/GM0518.json?max_nodes=50")
    assert capped.number_of_nodes() == 50 and capped.graph["truncated"] is True


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_wijknet_export_writes_what_networkx_reads_back(
    map_server: Server, map_db: Path, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"den-haag.{fmt}"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "export", "--db", str(map_db), "--place", "GM0518",
         "--format", fmt, str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    back = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
    served = _json(map_server, "/network/GM0518.json")  # the same store, analysed by the app
    assert back.number_of_nodes() == served.number_of_nodes()
    assert back.number_of_edges() == served.number_of_edges()
    for node, data in served.nodes(data=True):
        for key in COMPARED:
            want, got = data[key], back.nodes[node][key]
            assert got == pytest.approx(want) if isinstance(want, float) else got == want, key
    again = subprocess.run(
        [sys.executable, "-m", "api.cli", "export", "--db", str(map_db), "--place", "GM0518",
         "--format", fmt, str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert again.returncode == 1 and "--force" in again.stdout + again.stderr


def test_graphql_network_has_gaps_figures_and_capped_nodes(map_server: Server) -> None:
    query = """query($place: String!) { network(place: $place, maxNodes: 30, maxEdges: 20) {
      nodeCount edgeCount truncated nodes { id kind } edges { source target relation }
      communities { id size } brokers { id broker reach }
      gaps { neighbourhoods { place { code } themes { id } } withoutContact { id }
             unfundedThemes { theme { id } count } isolated { id } }
      figures { place { code } initiativeCount density shareInvolved }
      totals { residents residentsInvolved } } }"""
    res = httpx.post(
        f"http://127.0.0.1:{map_server.port}/graphql",
        json={"query": query, "variables": {"place": "GM0518"}},
        timeout=120,
    )
    body = res.json()
    assert "errors" not in body, body
    net = body["data"]["network"]
    assert net["truncated"] and len(net["nodes"]) == 30 and len(net["edges"]) <= 20
    shown = {n["id"] for n in net["nodes"]}
    assert all(e["source"] in shown and e["target"] in shown for e in net["edges"])
    assert net["nodeCount"] > 30 and net["communities"] and net["brokers"]
    assert len(net["figures"]) == 44  # Den Haag's wijken
    assert net["totals"]["residents"] >= net["totals"]["residentsInvolved"] > 0
    missing = httpx.post(
        f"http://127.0.0.1:{map_server.port}/graphql",
        json={"query": '{ network(place: "XX0000") { nodeCount } }'},
        timeout=30,
    ).json()
    assert missing["data"]["network"] is None
    assert json.dumps(net)  # plain JSON all the way down
