"""The network map: GraphQL ``network``, the map page at ``/`` and downloads.

What a viewer sees follows :mod:`api.policy`: the map lists the actors and
initiatives the viewer sees in full, and a tie only when the viewer sees both
its ends. An officer of the gemeente (and an admin) also sees the others there,
as "Bewoner in Moerwijk" (kind and wijk, no themes, no ties): what policy needs,
no names. Analytics and the figures (counts) run over the whole network.
"""

from __future__ import annotations

import io
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import strawberry
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles

from api import heavy, policy, relay
from api import types as t
from api.graphiql import STATIC_DIR
from api.identity.web import authenticate
from api.settings import Settings
from api.stores import open_store
from graph import model as m
from graph.errors import GraphError, InvalidInput, StoreUnavailable
from graph.store import GraphStore
from matching import MatchIndex, build_index
from network import analytics as a
from network import exports as x

if TYPE_CHECKING:
    import networkx as nx

MAP_DIR = STATIC_DIR / "map"
DEFAULT_NODES, MAX_NODES = 2_000, 20_000
DEFAULT_EDGES, MAX_EDGES = 10_000, 100_000


# --- what a viewer may see ---------------------------------------------------------


def viewer_view(
    index: MatchIndex, net: a.Network, circle: policy.Circle, lang: str = "nl"
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Labels per node, which nodes the viewer sees in full, and which it may list at
    all (those, and for an officer or admin the others of its gemeente, redacted)."""
    shown, listed = _sight(index, net, circle)
    labels = [_label(index, i, bool(shown[k]), lang) for k, i in enumerate(net.nodes.tolist())]
    return labels, shown, listed


def _sight(
    index: MatchIndex, net: a.Network, circle: policy.Circle
) -> tuple[np.ndarray, np.ndarray]:
    """Which nodes the viewer sees in full, and which it may list (see `viewer_view`)."""
    sees = circle.shown(index)
    shown = np.fromiter((sees(i) for i in net.nodes.tolist()), dtype=bool, count=len(net.nodes))
    listed = shown.copy()
    viewer = circle.viewer
    if viewer.is_admin:
        listed[:] = True
    elif viewer.officer_of:
        gemeenten = {index.pos[g] for g in viewer.officer_of if g in index.pos}
        for k, i in enumerate(net.nodes.tolist()):
            if not listed[k]:
                listed[k] = index.up(index.home[i], m.PlaceLevel.MUNICIPALITY) in gemeenten
    return shown, listed


def _label(index: MatchIndex, i: int, shown: bool, lang: str) -> str:
    """The name of node ``i`` on the map: its own, or what the policy calls it redacted."""
    if shown:
        return index.names[i]
    area = index.area(index.home[i])
    where = index.names[area] if area >= 0 else None
    kind = index.node_kind(i)
    if kind is m.NodeKind.INITIATIVE:
        return policy.redacted_initiative_name(where)
    return policy.redacted_kind_name(m.ActorKind(kind.value), where, lang)


def public_graph(
    index: MatchIndex,
    net: a.Network,
    *,
    lang: str = "nl",
    max_nodes: int | None = None,
    max_edges: int | None = None,
    circle: policy.Circle = policy.PUBLIC_CIRCLE,
) -> nx.Graph:
    """The networkx graph a viewer may download (see the module docstring)."""
    labels, shown, listed = viewer_view(index, net, circle, lang)
    sel = x.select(
        net, visible=shown, max_nodes=max_nodes, max_edges=max_edges, listed=listed, both=True
    )
    return x.to_networkx(index, net, sel, labels=labels, redacted=~shown)


async def export_network(
    store: GraphStore, place: str, fmt: str, out: Path, *, theme: str | None = None
) -> list[Path]:
    """Analyse the stored graph and write the network of ``place`` as ``fmt`` to ``out``."""
    if fmt not in x.FORMATS:
        raise InvalidInput(f"must be one of {', '.join(x.FORMATS)}", field="format")
    index = await build_index(store.stream())
    graph = public_graph(index, a.analyse(index, place, theme))
    return x.write_path(graph, fmt, out)


def default_path(place: str, theme: str | None, fmt: str) -> Path:
    """``wijknet-GM0518-theme-energy.gexf``; for csv a folder of that name."""
    stem = f"wijknet-{place}{'-' + theme if theme else ''}"
    return Path(stem if fmt == "csv" else stem + x.SUFFIX[fmt])


async def export_command(
    settings: Settings,
    *,
    place: str,
    fmt: str,
    out: str | None = None,
    theme: str | None = None,
    force: bool = False,
) -> list[Path]:
    """``wijknet export --place P --format F [--theme T] [OUT] [--force]``; the paths written.

    Opens the store read-only, so it works beside a running server.
    """
    path = Path(out) if out else default_path(place, theme, fmt)
    taken = [path / n for n in ("nodes.csv", "edges.csv")] if fmt == "csv" else [path]
    if not force and any(p.exists() for p in taken):
        raise InvalidInput(f"{path} already exists; pass --force to replace it", field="out")
    store = await open_store(settings, readonly=True)
    try:
        return await export_network(store, place, fmt, path, theme=theme)
    finally:
        await store.close()


# --- GraphQL -----------------------------------------------------------------------


@strawberry.enum(description="Kinds of node on the network map: the six actors and initiatives.")
class NetworkNodeKind(Enum):
    RESIDENT = "Resident"
    FREELANCER = "Freelancer"
    PROFESSIONAL = "Professional"
    ENTERPRISE = "Enterprise"
    ORGANISATION = "Organisation"
    MUNICIPALITY = "Municipality"
    INITIATIVE = "Initiative"


@strawberry.enum(description="TIE: KNOWS or PARTNERS_WITH; MEMBER: MEMBER_OF; SUPPORT; EMPLOYMENT.")
class NetworkRelation(Enum):
    TIE = "tie"
    MEMBER = "member"
    SUPPORT = "support"
    EMPLOYMENT = "employment"


@strawberry.type(description="An actor or initiative on the map.")
class NetworkNode:
    id: strawberry.ID
    label: str = strawberry.field(description="Name, or '<kind> in <wijk>' when not public.")
    kind: NetworkNodeKind
    redacted: bool
    community: int = strawberry.field(description="Its community; -1 when it has no ties.")
    broker: float = strawberry.field(
        description="Betweenness (normalised; exact up to 2,000 nodes, else from 64 samples)."
    )
    wijken_reached: int = strawberry.field(
        description="How many other wijken its ties reach (exact; ranks brokers in big networks)."
    )
    reach: int = strawberry.field(description="How many communities its ties reach.")
    degree: int
    place: str | None = strawberry.field(description="Code of its place (its wijk if redacted).")
    themes: list[strawberry.ID]
    inside: bool = strawberry.field(description="False for members and supporters from elsewhere.")
    x: float
    y: float
    provenance: m.Provenance = strawberry.field(
        description="Where it comes from; DEMO for made-up demo data."
    )


@strawberry.type
class NetworkEdge:
    source: strawberry.ID
    target: strawberry.ID
    relation: NetworkRelation
    provenance: m.Provenance = strawberry.field(
        description="Where the tie comes from; DEMO when either end is demo data."
    )


@strawberry.type(
    description="How much of what a figure counts is made-up demo data: a share from 0 to 1 "
    "per count (0 where there is nothing to count)."
)
class DemoShare:
    actors: float
    initiatives: float
    ties: float
    residents: float
    residents_involved: float
    any: bool = strawberry.field(description="True when any of the counts holds demo data.")


@strawberry.type
class KindCount:
    kind: NetworkNodeKind
    count: int


@strawberry.type
class ThemeCount:
    theme: t.Theme
    count: int


@strawberry.type
class PlaceCount:
    place: t.Place
    count: int


@strawberry.type(
    description="A cluster of actors and initiatives that are tied more among themselves."
)
class NetworkCommunity:
    id: int
    size: int
    kinds: list[KindCount]
    places: list[PlaceCount]
    themes: list[ThemeCount]
    brokers: list[NetworkNode]


@strawberry.type(description="Ties between two communities and the nodes that carry most of them.")
class CommunityBridge:
    source: int
    target: int
    ties: int
    via: list[NetworkNode]


@strawberry.type
class NeighbourhoodGap:
    place: t.Place
    themes: list[t.Theme] = strawberry.field(description="Themes with no initiative there.")


@strawberry.type
class NetworkGaps:
    neighbourhoods: list[NeighbourhoodGap] = strawberry.field(
        description="Wijken with no initiative on a theme (on any theme, without `theme`)."
    )
    without_contact: list[NetworkNode] = strawberry.field(
        description="Initiatives with neither a professional nor a municipal contact."
    )
    unfunded_themes: list[ThemeCount] = strawberry.field(
        description="Themes none of whose initiatives here has a funder; count: initiatives."
    )
    isolated: list[NetworkNode] = strawberry.field(
        description="Initiatives with no path to any other initiative, enterprise or organisation."
    )


@strawberry.enum(description="What `shareInvolved` is a share of.")
class ShareBasis(Enum):
    INHABITANTS = "inhabitants"  # the published number of inhabitants (CBS)
    REGISTERED_RESIDENTS = "registered_residents"  # residents registered in wijknet


@strawberry.type(description="Figures for one wijk, or for the whole place.")
class PlaceFigures:
    place: t.Place
    actors: list[KindCount]
    initiatives: list[ThemeCount]
    initiative_count: int
    ties: int = strawberry.field(description="Ties among its own actors and initiatives.")
    density: float = strawberry.field(description="Ties / possible ties among them.")
    residents: int = strawberry.field(description="Residents registered there in wijknet.")
    residents_involved: int = strawberry.field(description="Of those, in an initiative here.")
    inhabitants: t.Inhabitants | None = strawberry.field(
        description="Published number of inhabitants of the place (CBS), with year and source; "
        "null where none is known."
    )
    share_involved: float = strawberry.field(
        description="residentsInvolved as a share of the place's published inhabitants where "
        "known, else of the residents registered in wijknet; `shareBasis` says which."
    )
    share_basis: ShareBasis
    share_of_registered: float = strawberry.field(
        description="residentsInvolved / residents (registered in wijknet)."
    )
    demo: DemoShare = strawberry.field(description="What share of each count is demo data.")


@strawberry.type
class NameCount:
    name: str
    count: int


@strawberry.type
class InstrumentCount:
    instrument: t.Instrument
    count: int


@strawberry.type(
    description="What pays for the enterprises and initiatives here: legal forms and revenue "
    "models of the enterprises (and organisations) homed in the place (on the theme), how "
    "its initiatives are supported, and which instruments they use."
)
class BusinessSummary:
    enterprises: int
    legal_forms: list[NameCount] = strawberry.field(description="Enterprises and organisations.")
    revenue_models: list[NameCount] = strawberry.field(description="Enterprises per model.")
    support: list[NameCount] = strawberry.field(
        description="Initiatives supported by funding, space, advice or contract."
    )
    instruments: list[InstrumentCount]
    demo_share: float = strawberry.field(description="Share of the enterprises that is demo data.")


@strawberry.type(description="The bottom-up network of a place (and theme), analysed.")
class NetworkMap:
    place: t.Place
    theme: t.Theme | None
    node_count: int = strawberry.field(description="Actors and initiatives in the network.")
    edge_count: int = strawberry.field(description="Ties in the network.")
    truncated: bool = strawberry.field(description="True when nodes or edges were cut to the caps.")
    modularity: float
    algorithm: str
    nodes: list[NetworkNode] = strawberry.field(description="Most central first, up to maxNodes.")
    edges: list[NetworkEdge] = strawberry.field(
        description="Ties among `nodes` whose both ends you may see, up to maxEdges."
    )
    communities: list[NetworkCommunity]
    bridges: list[CommunityBridge]
    brokers: list[NetworkNode] = strawberry.field(
        description="Actors who connect most, best first; `brokerMeasure` says by what."
    )
    broker_measure: str = strawberry.field(
        description="How brokers are ranked: 'betweenness' (exact, up to 2,000 nodes) or "
        "'bridging' (other wijken their ties reach, then ties across wijken, then degree)."
    )
    brokers_exact: bool = strawberry.field(
        description="True when the broker ranking has no sampling noise in it."
    )
    gaps: NetworkGaps
    figures: list[PlaceFigures] = strawberry.field(description="Per wijk inside the place.")
    totals: PlaceFigures
    business: BusinessSummary


@strawberry.type(description="A place with actors in it, for choosing what to map.")
class NetworkPlace:
    place: t.Place
    parent: str | None
    actors: int
    initiatives: int


COMMUNITIES, BRIDGES, BROKERS = 100, 50, 25
PARTS = frozenset({"communities", "bridges", "brokers", "gaps", "figures", "totals", "business"})
"""Fields of a NetworkMap made only when the query asks for them (see `_Builder.build`)."""
_SUMMARIES = {
    "communities": ("communities",),
    "bridges": ("links",),
    "gaps": ("gaps",),
    "figures": ("figures",),
    "totals": ("totals",),
}
"""The summaries of the analysis (`analytics.DERIVED`) each part of the map needs."""


class _Builder:
    """Turns an analysed network into GraphQL objects, as one viewer may see it."""

    def __init__(
        self,
        index: MatchIndex,
        net: a.Network,
        lang: str,
        nodes: dict[m.NodeId, m.Node],
        circle: policy.Circle,
        *,
        layout: bool = True,
    ) -> None:
        """``layout``: False when the query asks no node's ``x`` or ``y`` (they are 0)."""
        self.index, self.net, self.lang, self.loaded = index, net, lang, nodes
        self.shown, self.listed = _sight(index, net, circle)
        self.local = {index.ids[i]: k for k, i in enumerate(net.nodes.tolist())}
        self.pos = x.layout(net) if layout else np.zeros((len(net.nodes), 2))
        self.degree = net.degree
        self.labels: dict[int, str] = {}  # made for the nodes shown only

    def label(self, k: int) -> str:
        label = self.labels.get(k)
        if label is None:
            label = _label(self.index, int(self.net.nodes[k]), bool(self.shown[k]), self.lang)
            self.labels[k] = label
        return label

    def node(self, k: int) -> NetworkNode:
        index, net = self.index, self.net
        i = int(net.nodes[k])
        redacted = not self.shown[k]
        home = index.home[i]
        place = index.area(home) if redacted else home
        themes = (
            [] if redacted else sorted(strawberry.ID(index.ids[th]) for th in index.themes[i] or ())
        )
        return NetworkNode(
            id=strawberry.ID(index.ids[i]),
            label=self.label(k),
            kind=NetworkNodeKind(index.node_kind(i).value),
            redacted=redacted,
            community=int(net.community[k]),
            broker=float(net.betweenness[k]),
            wijken_reached=int(net.areas_reached[k]) if net.areas_reached is not None else 0,
            reach=int(net.reach[k]),
            degree=int(self.degree[k]),
            place=index.ids[place] if place >= 0 else None,
            themes=themes,
            inside=bool(net.inside[k]),
            x=float(self.pos[k, 0]),
            y=float(self.pos[k, 1]),
            provenance=index.source_of(i)[0],
        )

    def by_id(self, node_id: str) -> NetworkNode:
        return self.node(self.local[node_id])

    def listed_ids(self, node_ids: list[str]) -> list[NetworkNode]:
        """The nodes among ``node_ids`` the viewer may see on the map."""
        return [self.by_id(i) for i in node_ids if self.listed[self.local[i]]]

    def place(self, code: str) -> t.Place:
        return t.Place.of(self.loaded[m.NodeId(code)])

    def theme(self, theme_id: str) -> t.Theme:
        return t.Theme.of(self.loaded[m.NodeId(theme_id)])

    def figures(self, f: a.Figures) -> PlaceFigures:
        node = self.loaded[m.NodeId(f.place)]
        assert isinstance(node, m.Place)
        inhabitants = t.inhabitants_of(node)
        real = inhabitants is not None and inhabitants.count > 0
        return PlaceFigures(
            place=t.Place.of(node),
            actors=[KindCount(kind=NetworkNodeKind(k), count=c) for k, c in f.actors.items()],
            initiatives=[
                ThemeCount(theme=self.theme(k), count=c) for k, c in f.initiatives.items()
            ],
            initiative_count=f.initiative_count,
            ties=f.ties,
            density=f.density,
            residents=f.residents,
            residents_involved=f.residents_involved,
            inhabitants=inhabitants,
            share_involved=f.residents_involved / inhabitants.count
            if real and inhabitants is not None
            else f.share_involved,
            share_basis=ShareBasis.INHABITANTS if real else ShareBasis.REGISTERED_RESIDENTS,
            share_of_registered=f.share_involved,
            demo=DemoShare(
                **f.demo_share(),
                any=bool(f.demo_actors or f.demo_initiatives or f.demo_ties or f.demo_residents),
            ),
        )

    def build(self, max_nodes: int, max_edges: int, parts: frozenset[str] = PARTS) -> NetworkMap:
        """The map; of the fields in :data:`PARTS` only those in ``parts`` are filled (the
        others are left empty: the query does not ask for them)."""
        net, ids = self.net, self.index.ids
        sel = x.select(
            net,
            visible=self.shown,
            max_nodes=max_nodes,
            max_edges=max_edges,
            listed=self.listed,
            both=True,
        )
        gaps = net.gaps
        return NetworkMap(
            place=self.place(net.place),
            theme=self.theme(net.theme) if net.theme else None,
            node_count=len(net.nodes),
            edge_count=len(net.edges),
            truncated=sel.truncated,
            modularity=net.modularity,
            algorithm=net.algorithm,
            nodes=[self.node(k) for k in sel.nodes.tolist()],
            edges=[
                NetworkEdge(
                    source=strawberry.ID(ids[net.nodes[net.edges[r, 0]]]),
                    target=strawberry.ID(ids[net.nodes[net.edges[r, 1]]]),
                    relation=NetworkRelation(a.EDGE_TYPES[net.edge_type[r]]),
                    provenance=self.index.tie_source(
                        int(net.nodes[net.edges[r, 0]]), int(net.nodes[net.edges[r, 1]])
                    )[0],
                )
                for r in sel.edges.tolist()
            ],
            communities=[
                NetworkCommunity(
                    id=c.id,
                    size=c.size,
                    kinds=[KindCount(kind=NetworkNodeKind(k), count=n) for k, n in c.kinds.items()],
                    places=[PlaceCount(place=self.place(p), count=n) for p, n in c.places],
                    themes=[ThemeCount(theme=self.theme(th), count=n) for th, n in c.themes],
                    brokers=self.listed_ids(list(c.top)),
                )
                for c in net.communities[:COMMUNITIES]
            ]
            if "communities" in parts
            else [],
            bridges=[
                CommunityBridge(
                    source=b.a, target=b.b, ties=b.ties, via=self.listed_ids(list(b.via))
                )
                for b in net.links[:BRIDGES]
            ]
            if "bridges" in parts
            else [],
            brokers=[self.node(k) for k in net.brokers(BROKERS) if self.listed[k]]
            if "brokers" in parts
            else [],
            broker_measure=net.broker_measure,
            brokers_exact=net.brokers_exact,
            gaps=NetworkGaps(
                neighbourhoods=[
                    NeighbourhoodGap(place=self.place(p), themes=[self.theme(th) for th in ths])
                    for p, ths in gaps.empty_areas
                ],
                without_contact=self.listed_ids(list(gaps.no_contact)),
                unfunded_themes=[
                    ThemeCount(theme=self.theme(th), count=n) for th, n in gaps.unfunded_themes
                ],
                isolated=self.listed_ids(list(gaps.isolated)),
            )
            if "gaps" in parts
            else NetworkGaps(
                neighbourhoods=[], without_contact=[], unfunded_themes=[], isolated=[]
            ),
            figures=[self.figures(f) for f in net.figures] if "figures" in parts else [],
            totals=self.figures(net.totals) if "totals" in parts else self._no_figures(),
            business=self.business()
            if "business" in parts
            else BusinessSummary(
                enterprises=0,
                legal_forms=[],
                revenue_models=[],
                support=[],
                instruments=[],
                demo_share=0.0,
            ),
        )

    def _no_figures(self) -> PlaceFigures:
        """Figures the query does not ask for (never shown): the place's, every count 0."""
        zero = a.Figures(
            place=self.net.place,
            actors={},
            initiatives={},
            initiative_count=0,
            ties=0,
            density=0.0,
            residents=0,
            residents_involved=0,
        )
        return self.figures(zero)

    def business(self) -> BusinessSummary:
        b = a.business(self.index, self.net)

        def counts(d: dict[str, int]) -> list[NameCount]:
            return [NameCount(name=k, count=v) for k, v in d.items()]

        return BusinessSummary(
            enterprises=b.enterprises,
            legal_forms=counts(b.legal_forms),
            revenue_models=counts(b.revenue_models),
            support=counts(b.support),
            instruments=[
                InstrumentCount(instrument=t.Instrument.of(self.loaded[m.NodeId(i)]), count=c)
                for i, c in b.instruments.items()
                if m.NodeId(i) in self.loaded
            ],
            demo_share=b.demo_enterprises / b.enterprises if b.enterprises else 0.0,
        )


def _referenced(net: a.Network, parts: frozenset[str] = PARTS) -> set[str]:
    """Ids of the places and themes a NetworkMap with ``parts`` names."""
    out = {net.place, *([net.theme] if net.theme else [])}
    if "figures" in parts or "totals" in parts:
        for f in [*net.figures, net.totals]:
            out.add(f.place)
            out.update(f.initiatives)
    if "communities" in parts:
        for c in net.communities[:COMMUNITIES]:
            out.update(p for p, _ in c.places)
            out.update(th for th, _ in c.themes)
    if "gaps" in parts:
        for p, ths in net.gaps.empty_areas:
            out.add(p)
            out.update(ths)
        out.update(th for th, _ in net.gaps.unfunded_themes)
    return out


def _analysed(index: MatchIndex, place: str, theme: str | None, parts: frozenset[str]) -> a.Network:
    """The (cached) analysis of a place, with the summaries ``parts`` need made (in the
    heavy pool, so the event loop does not make them)."""
    net = a.cached_analyse(index, place, theme)
    for part in parts:
        for summary in _SUMMARIES.get(part, ()):
            getattr(net, summary)
    return net


def _index(info: t.Ctx) -> MatchIndex:
    index = info.context.index
    if index is None:
        raise StoreUnavailable("the matching index is still being built; try again shortly")
    return index


def _check_cap(value: int, top: int, field: str) -> None:
    if not 0 <= value <= top:
        raise InvalidInput(f"must be between 0 and {top}", field=field)


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="The network of a place (with everything inside it) and optionally one "
        "theme: nodes, ties, communities, brokers, gaps and figures per wijk. Null for an "
        f"unknown place. At most maxNodes (<= {MAX_NODES}) nodes, most central first, and "
        f"maxEdges (<= {MAX_EDGES}) ties among them; `truncated` says when the caps cut."
    )
    async def network(
        self,
        info: t.Ctx,
        place: str,
        theme: strawberry.ID | None = None,
        max_nodes: int = DEFAULT_NODES,
        max_edges: int = DEFAULT_EDGES,
        lang: t.Lang | None = None,
    ) -> NetworkMap | None:
        _check_cap(max_nodes, MAX_NODES, "maxNodes")
        _check_cap(max_edges, MAX_EDGES, "maxEdges")
        index = _index(info)
        p = index.pos.get(place)
        if p is None or index.node_kind(p) is not m.NodeKind.PLACE:
            return None
        name = str(theme) if theme else None
        parts = frozenset(part for part in PARTS if relay.selects(info, part))
        layout = relay.selects_anywhere(info, ("x", "y"))
        net = await heavy.run(
            ("analyse", id(index), place, name, parts), _analysed, index, place, name, parts
        )
        wanted = _referenced(net, parts)
        if "business" in parts:
            wanted |= set(a.business(index, net).instruments)
        loaded = await info.context.store.get_nodes([m.NodeId(i) for i in wanted])
        language = lang.value if lang is not None else info.context.lang
        circle = info.context.circle
        key = ("map", id(index), id(net), language, max_nodes, max_edges)
        return await heavy.run(
            (*key, id(loaded), circle, parts, layout),
            _build_map,
            index,
            net,
            language,
            dict(loaded),
            max_nodes,
            max_edges,
            circle,
            parts,
            layout,
        )

    @strawberry.field(
        description="Places with actors in them (gemeenten, stadsdelen, wijken, buurten), "
        "with how many actors and initiatives each holds, for choosing what to map."
    )
    async def network_places(self, info: t.Ctx) -> list[NetworkPlace]:
        index = _index(info)
        counts = a.place_counts(index)
        loaded = await info.context.store.get_nodes([m.NodeId(index.ids[p]) for p in counts])
        out = []
        for p, (actors, initiatives) in counts.items():
            node = loaded.get(m.NodeId(index.ids[p]))
            if isinstance(node, m.Place) and node.level is not m.PlaceLevel.PROVINCE:
                parent = index.parent.get(p)
                out.append(
                    NetworkPlace(
                        place=t.Place.of(node),
                        parent=index.ids[parent] if parent is not None else None,
                        actors=actors,
                        initiatives=initiatives,
                    )
                )
        return sorted(out, key=lambda n: (m.PLACE_DEPTH[n.place.level], n.place.name))


# --- pages and downloads -------------------------------------------------------------


async def page(request: Request) -> Response:
    return HTMLResponse((MAP_DIR / "index.html").read_text(encoding="utf-8"))


def _problem(status: int, message: str) -> Response:
    return Response(message + "\n", status_code=status, media_type="text/plain")


def _download(
    index: MatchIndex,
    place: str,
    theme: str | None,
    lang: str,
    cap: int | None,
    fmt: str,
    circle: policy.Circle,
) -> bytes:
    """Analyse, redact and serialise a download (in the heavy pool: :mod:`api.heavy`)."""
    net = a.cached_analyse(index, place, theme)
    graph = public_graph(index, net, lang=lang, max_nodes=cap, circle=circle)
    buf = io.BytesIO()
    x.write(graph, fmt, buf)
    return buf.getvalue()


def _build_map(
    index: MatchIndex,
    net: a.Network,
    lang: str,
    loaded: dict[m.NodeId, m.Node],
    max_nodes: int,
    max_edges: int,
    circle: policy.Circle,
    parts: frozenset[str] = PARTS,
    layout: bool = True,
) -> NetworkMap:
    """The GraphQL objects of a map as ``circle`` may see it (in the heavy pool), with
    only the ``parts`` and the ``layout`` the query asks for."""
    builder = _Builder(index, net, lang, loaded, circle, layout=layout)
    return builder.build(max_nodes, max_edges, parts)


async def download(request: Request) -> Response:
    """``/network/GM0518.gexf?theme=theme-energy&lang=en&max_nodes=20000``."""
    place, fmt = request.path_params["place"], request.path_params["fmt"]
    if fmt not in x.FORMATS:
        return _problem(404, f"unknown format {fmt!r}; use one of {', '.join(x.FORMATS)}")
    index = getattr(request.app.state, "index", None)
    if index is None:
        return _problem(503, "the index is still being built; try again shortly")
    query = request.query_params
    theme = query.get("theme") or None
    lang = "en" if (query.get("lang") or "nl").lower().startswith("en") else "nl"
    try:
        cap = int(query["max_nodes"]) if query.get("max_nodes") else None
        if cap is not None and cap < 0:
            raise ValueError
    except ValueError:
        return _problem(400, "max_nodes must be a whole number of at least 0")
    viewer = (await authenticate(request)).viewer
    circle = await policy.circle_of(viewer, request.app.state.store)
    try:
        body = await heavy.run(
            ("download", id(index), place, theme, lang, cap, fmt, circle),
            _download,
            index,
            place,
            theme,
            lang,
            cap,
            fmt,
            circle,
        )
    except GraphError as exc:
        return _problem(404 if exc.code == "NOT_FOUND" else 400, str(exc))
    name = f"wijknet-{place}{'-' + theme if theme else ''}{x.SUFFIX[fmt]}"
    return Response(
        body,
        media_type=x.MEDIA_TYPES[fmt],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def routes() -> list[BaseRoute]:
    """The map page at ``/``, its assets and ``/network/{place}.{format}`` downloads."""
    downloads = Router(routes=[Route("/{place}.{fmt}", download)])
    return [
        Route("/", page),
        Mount("/network", app=GZipMiddleware(downloads, minimum_size=2048)),
        Mount("/static/map", app=StaticFiles(directory=MAP_DIR, check_dir=False), name="map"),
    ]
