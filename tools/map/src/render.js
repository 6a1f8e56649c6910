// The graph on screen: sigma.js (WebGL) over a graphology graph, with highlight and search.

import Graph from "graphology";
import FA2Layout from "graphology-layout-forceatlas2/worker";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";
import { EdgeLineProgram, NodePointProgram } from "sigma/rendering";
import { toBlob } from "@sigma/export-image";
import { HIGHLIGHT, KIND_COLOUR, NO_COMMUNITY, PALETTE } from "./i18n.js";

const LIGHT_FROM = 5000; // nodes

export const EDGE_COLOUR = {
  tie: "rgba(90,90,90,0.35)",
  member: "rgba(40,100,160,0.45)",
  support: "rgba(220,110,10,0.6)",
  employment: "rgba(130,70,160,0.5)",
};

export function nodeColour(attrs, mode) {
  if (mode === "community") {
    const c = attrs.community;
    return c >= 0 ? PALETTE[c % PALETTE.length] : NO_COMMUNITY;
  }
  return KIND_COLOUR[attrs.kind] || NO_COMMUNITY;
}

export class NetworkView {
  constructor(container, onSelect) {
    this.container = container;
    this.onSelect = onSelect;
    this.graph = null;
    this.renderer = null;
    this.selected = null;
    this.highlight = new Set();
    this.marked = new Set(); // initiatives using the chosen instrument
    this.neighbours = new Set();
    this.layout = null;
  }

  // data: networkx node-link JSON from /network/{place}.json
  show(data, mode) {
    this.kill();
    const graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    const nodes = data.nodes.map((n) => ({
      key: n.id,
      attributes: {
        label: n.label,
        x: n.x,
        y: n.y,
        size: 2.5 + 12 * (n.broker_rank || 0),
        kind: n.kind,
        community: n.community,
        broker: n.broker,
        reach: n.reach,
        degree: n.degree,
        place: n.place,
        placeName: n.place_name,
        redacted: n.redacted,
        provenance: n.provenance,
        demo: n.provenance === "demo",
        color: nodeColour(n, mode),
      },
    }));
    const edges = data.edges.map((e) => ({
      source: e.source,
      target: e.target,
      attributes: { color: EDGE_COLOUR[e.relation] || EDGE_COLOUR.tie, size: 0.6, relation: e.relation },
    }));
    graph.import({ nodes, edges });
    this.graph = graph;
    // Large networks draw nodes as points and ties as 1px lines: far cheaper per frame.
    const light = graph.order > LIGHT_FROM || new URLSearchParams(location.search).has("light");
    this.renderer = new Sigma(graph, this.container, {
      ...(light
        ? {
            defaultNodeType: "point",
            defaultEdgeType: "line",
            nodeProgramClasses: { point: NodePointProgram },
            edgeProgramClasses: { line: EdgeLineProgram },
          }
        : {}),
      hideEdgesOnMove: true,
      hideLabelsOnMove: true,
      labelRenderedSizeThreshold: 9,
      labelDensity: 0.5,
      labelFont: "system-ui, sans-serif",
      zIndex: true,
      minCameraRatio: 0.01,
      maxCameraRatio: 4,
      nodeReducer: (node, attrs) => this.reduceNode(node, attrs),
      edgeReducer: (edge, attrs) => this.reduceEdge(edge, attrs),
    });
    this.renderer.on("clickNode", ({ node }) => this.onSelect(node));
    this.renderer.on("clickStage", () => this.onSelect(null));
    this.renderer.on("enterNode", () => (this.container.style.cursor = "pointer"));
    this.renderer.on("leaveNode", () => (this.container.style.cursor = ""));
  }

  // Demo data says so on the canvas too: its label ends in "· demo".
  reduceNode(node, attrs) {
    const out = attrs.demo ? { ...attrs, label: `${attrs.label} · demo` } : attrs;
    const busy = this.selected !== null || this.highlight.size > 0 || this.marked.size > 0;
    if (!busy) return out;
    if (node === this.selected) return { ...out, highlighted: true, zIndex: 3, forceLabel: true, size: Math.max(attrs.size, 8) };
    if (this.highlight.has(node)) {
      return { ...out, highlighted: true, zIndex: 2, forceLabel: true, color: HIGHLIGHT.suggested, size: Math.max(attrs.size, 5) };
    }
    if (this.marked.has(node)) {
      return { ...out, highlighted: true, zIndex: 2, forceLabel: true, color: HIGHLIGHT.instrument, size: Math.max(attrs.size, 5) };
    }
    if (this.neighbours.has(node)) return { ...out, zIndex: 1 };
    return { ...out, color: HIGHLIGHT.faded, label: "", zIndex: 0 };
  }

  reduceEdge(edge, attrs) {
    if (this.selected === null) return attrs;
    const [a, b] = this.graph.extremities(edge);
    if (a === this.selected || b === this.selected) return { ...attrs, color: HIGHLIGHT.selectedTie, size: 1.2 };
    return { ...attrs, hidden: true };
  }

  recolour(mode) {
    if (!this.graph) return;
    this.graph.updateEachNodeAttributes((_, attrs) => ({ ...attrs, color: nodeColour(attrs, mode) }));
  }

  select(node, { focus = false } = {}) {
    if (!this.graph) return;
    this.selected = node && this.graph.hasNode(node) ? node : null;
    this.neighbours = new Set(this.selected ? this.graph.neighbors(this.selected) : []);
    if (!this.selected) this.highlight = new Set();
    this.renderer.refresh({ skipIndexation: true });
    if (focus && this.selected) this.focus(this.selected);
  }

  setHighlight(ids) {
    this.highlight = new Set(ids.filter((id) => this.graph && this.graph.hasNode(id)));
    this.renderer.refresh({ skipIndexation: true });
  }

  // Mark the initiatives that use the chosen instrument (none: an empty list).
  setMarked(ids) {
    if (!this.graph) return;
    this.marked = new Set(ids.filter((id) => this.graph.hasNode(id)));
    this.renderer.refresh({ skipIndexation: true });
  }

  focus(node) {
    const d = this.renderer.getNodeDisplayData(node);
    if (d) this.renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.1 }, { duration: 500 });
  }

  // Where a node is on screen, in CSS pixels relative to the container (for tests).
  viewport(node) {
    const d = this.renderer.getNodeDisplayData(node);
    return d ? this.renderer.framedGraphToViewport(d) : null;
  }

  // The current view as a PNG blob (sigma's own layers, drawn on a white background).
  png() {
    return toBlob(this.renderer, { format: "png", backgroundColor: "#ffffff" });
  }

  // The current view as SVG text: what is on screen, with the same colours, highlights and labels.
  svg() {
    const { width, height } = this.renderer.getDimensions();
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const num = (x) => Math.round(x * 10) / 10;
    const settings = this.renderer.getSettings();
    const pos = new Map();
    const nodes = [];
    const labels = [];
    this.graph.forEachNode((node) => {
      const d = this.renderer.getNodeDisplayData(node);
      if (!d || d.hidden) return;
      const p = this.renderer.framedGraphToViewport(d);
      if (p.x < -20 || p.y < -20 || p.x > width + 20 || p.y > height + 20) return;
      pos.set(node, p);
      const size = this.renderer.scaleSize(d.size);
      nodes.push([d.zIndex || 0, `<circle cx="${num(p.x)}" cy="${num(p.y)}" r="${num(Math.max(size, 1))}" fill="${esc(d.color)}"/>`]);
      if (d.label && (d.forceLabel || size >= settings.labelRenderedSizeThreshold)) {
        labels.push(`<text x="${num(p.x + size + 3)}" y="${num(p.y + 4)}">${esc(d.label)}</text>`);
      }
    });
    const edges = [];
    this.graph.forEachEdge((edge, attrs, a, b) => {
      const r = this.renderer.getEdgeDisplayData(edge) || attrs;
      if (r.hidden || !pos.has(a) || !pos.has(b)) return;
      const p = pos.get(a);
      const q = pos.get(b);
      edges.push(`<line x1="${num(p.x)}" y1="${num(p.y)}" x2="${num(q.x)}" y2="${num(q.y)}" stroke="${esc(r.color)}" stroke-width="${r.size || 0.6}"/>`);
    });
    nodes.sort((x, y) => x[0] - y[0]);
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
      `<rect width="100%" height="100%" fill="#ffffff"/>`,
      `<g>${edges.join("")}</g>`,
      `<g>${nodes.map((n) => n[1]).join("")}</g>`,
      `<g font-family="system-ui, sans-serif" font-size="12" fill="#1d1d1f">${labels.join("")}</g>`,
      "</svg>",
    ].join("\n");
  }

  search(text, limit = 12) {
    if (!this.graph || text.length < 2) return [];
    const words = text.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const out = [];
    this.graph.forEachNode((node, attrs) => {
      if (out.length >= 200) return;
      const hay = attrs.label.toLocaleLowerCase();
      if (words.every((w) => hay.includes(w))) out.push({ id: node, label: attrs.label, kind: attrs.kind, broker: attrs.broker });
    });
    out.sort((a, b) => b.broker - a.broker || a.label.localeCompare(b.label));
    return out.slice(0, limit);
  }

  // ForceAtlas2 in a web worker, seeded with the server's layout, for a few seconds.
  refine(seconds, done) {
    if (!this.graph || this.layout) return;
    const settings = forceAtlas2.inferSettings(this.graph);
    this.layout = new FA2Layout(this.graph, { settings: { ...settings, barnesHutOptimize: true } });
    this.layout.start();
    this.refineTimer = setTimeout(() => this.stopRefine(done), seconds * 1000);
  }

  stopRefine(done) {
    clearTimeout(this.refineTimer);
    if (this.layout) {
      this.layout.kill();
      this.layout = null;
    }
    if (done) done();
  }

  kill() {
    this.stopRefine();
    if (this.renderer) this.renderer.kill();
    this.renderer = null;
    this.graph = null;
    this.selected = null;
    this.highlight = new Set();
    this.marked = new Set();
    this.neighbours = new Set();
  }
}
