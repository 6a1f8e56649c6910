// The wijknet network map: choose a place and theme, look at the network, its gaps and figures.

import { DETAILS, FIND, INSTRUMENT, NETWORK, PLACES, SUGGEST, downloadUrl, gql, loadGraph } from "./api.js";
import { figuresCsv } from "./csv.js";
import { EXPLAIN, HIGHLIGHT, KIND_COLOUR, KIND_LABEL, NO_COMMUNITY, PALETTE, TEXT, WORDS } from "./i18n.js";
import { EDGE_COLOUR, NetworkView } from "./render.js";

const MAX_NODES = 20000;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  lang: params.get("lang") === "en" ? "en" : "nl",
  place: params.get("place") || "",
  theme: params.get("theme") || "",
  instrument: params.get("instrument") || "",
  mode: params.get("colour") === "community" ? "community" : "kind",
  node: params.get("node") || null,
  places: [],
  themes: [],
  instruments: [],
  using: [], // ids of the initiatives here that use the chosen instrument
  network: null,
  loadId: 0,
};
const t = (key) => TEXT[state.lang][key];
// GraphQL enums come in capitals (RESIDENT), the JSON download as stored (Resident)
const KIND_KEY = Object.fromEntries(Object.keys(KIND_COLOUR).map((k) => [k.toUpperCase(), k]));
const kindLabel = (kind) => KIND_LABEL[state.lang][KIND_KEY[String(kind).toUpperCase()]] || kind;
const word = (group, value) => (WORDS[state.lang][group] || {})[String(value).toLowerCase()] || String(value).toLowerCase();
const fmt = (n, digits = 0) =>
  new Intl.NumberFormat(state.lang === "nl" ? "nl-NL" : "en-GB", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  }).format(n);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === "data") Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const view = new NetworkView($("graph"), (id) => select(id));
window.wijknetMap = {
  get ready() {
    return document.body.dataset.state === "ready";
  },
  get graph() {
    return view.graph;
  },
  view,
  select: (id) => select(id, { focus: true }),
  get network() {
    return state.network;
  },
  figuresCsv: () => figuresCsv(figureRows()),
  get using() {
    return state.using;
  },
};

// --- static texts and controls -------------------------------------------------

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel));
  for (const a of document.querySelectorAll("a.info[data-info]")) labelInfo(a, a.dataset.info);
  showExplain();
  $("search").placeholder = t("search");
  $("lang").textContent = state.lang === "nl" ? "English" : "Nederlands";
  $("colour").replaceChildren(
    el("option", { value: "kind" }, t("byKind")),
    el("option", { value: "community" }, t("byCommunity")),
  );
  $("colour").value = state.mode;
}

function fillPlaces() {
  const munis = state.places.filter((p) => p.place.level.toLowerCase() === "municipality");
  munis.sort((a, b) => b.actors - a.actors || a.place.name.localeCompare(b.place.name));
  $("municipality").replaceChildren(
    ...munis.map((p) =>
      el("option", { value: p.place.code }, `${p.place.name} (${fmt(p.actors)})`),
    ),
  );
  const muni = municipalityOf(state.place) || (munis.find((p) => p.place.code === "GM0518") || munis[0])?.place.code;
  if (!state.place) state.place = muni || "";
  $("municipality").value = muni || "";
  fillAreas(muni);
}

function municipalityOf(code) {
  const byCode = new Map(state.places.map((p) => [p.place.code, p]));
  let cur = byCode.get(code);
  for (let i = 0; cur && i < 8; i++) {
    if (cur.place.level.toLowerCase() === "municipality") return cur.place.code;
    cur = byCode.get(cur.parent);
  }
  return null;
}

function fillAreas(muni) {
  const kids = new Map();
  for (const p of state.places) {
    if (!kids.has(p.parent)) kids.set(p.parent, []);
    kids.get(p.parent).push(p);
  }
  const options = [el("option", { value: muni }, t("wholeMunicipality"))];
  const walk = (code, depth) => {
    const list = (kids.get(code) || []).slice().sort((a, b) => a.place.name.localeCompare(b.place.name));
    for (const p of list) {
      const pad = "\u00a0\u00a0".repeat(depth);
      options.push(el("option", { value: p.place.code }, `${pad}${p.place.name} (${fmt(p.actors)})`));
      walk(p.place.code, depth + 1);
    }
  };
  walk(muni, 0);
  $("area").replaceChildren(...options);
  $("area").value = [...$("area").options].some((o) => o.value === state.place) ? state.place : muni;
}

function fillThemes() {
  $("theme").replaceChildren(
    el("option", { value: "" }, t("allThemes")),
    ...state.themes.map((th) => el("option", { value: th.id }, th.name)),
  );
  $("theme").value = state.theme;
  $("instrument").replaceChildren(
    el("option", { value: "" }, t("allInstruments")),
    ...state.instruments.map((i) => el("option", { value: i.id }, i.name)),
  );
  $("instrument").value = state.instruments.some((i) => i.id === state.instrument) ? state.instrument : "";
}

function updateUrl() {
  const q = new URLSearchParams();
  if (state.place) q.set("place", state.place);
  if (state.theme) q.set("theme", state.theme);
  if (state.instrument) q.set("instrument", state.instrument);
  if (state.lang === "en") q.set("lang", "en");
  if (state.mode === "community") q.set("colour", "community");
  if (state.node) q.set("node", state.node);
  history.replaceState(null, "", `?${q}`);
  for (const a of document.querySelectorAll("[data-format]")) {
    a.href = downloadUrl(state.place, state.theme, a.dataset.format, state.lang);
  }
}

// --- loading -----------------------------------------------------------------------

async function start() {
  applyTexts();
  try {
    const data = await gql(PLACES, { lang: state.lang.toUpperCase() });
    state.places = data.networkPlaces;
    state.themes = data.themes;
    state.instruments = data.instruments;
  } catch (err) {
    return fail(err);
  }
  fillPlaces();
  fillThemes();
  await load();
}

async function load() {
  const id = ++state.loadId;
  updateUrl();
  document.body.dataset.state = "loading";
  $("status").textContent = t("loading");
  const wanted = state.node;
  select(null, { keepUrl: true });
  const lang = state.lang.toUpperCase();
  try {
    const [graph, analysed] = await Promise.all([
      loadGraph(state.place, state.theme, state.lang, MAX_NODES),
      gql(NETWORK, { place: state.place, theme: state.theme || null, lang }),
    ]);
    if (id !== state.loadId) return;
    state.network = analysed.network;
    view.show(graph, state.mode);
    showStatus(graph);
    showLegend();
    showGaps();
    showBrokers();
    showFigures();
    showBusiness();
    await showInstrument(id);
    if (id !== state.loadId) return;
    document.body.dataset.nodes = String(view.graph.order);
    if (wanted && view.graph.hasNode(wanted)) select(wanted, { focus: true });
    else if (wanted) showOffMap(wanted);
    document.body.dataset.state = "ready";
  } catch (err) {
    if (id === state.loadId) fail(err);
  }
}

function fail(err) {
  document.body.dataset.state = "error";
  $("status").textContent = `${t("error")}: ${err.message}`;
  console.error(err);
}

function showStatus(graph) {
  const n = state.network;
  const parts = [
    [`${fmt(n.nodeCount)} ${t("nodes")}`],
    [`${fmt(n.edgeCount)} ${t("edges")}`, info("ties")],
    [`${t("modularity")} ${fmt(n.modularity, 2)}`, info("modularity")],
    [`${fmt(n.communities.length)}${n.communities.length >= 100 ? "+" : ""} ${t("communities")}`, info("community")],
  ];
  const demo = n.totals.demo;
  if (demo.any) parts.push([el("span", { class: "badge demo", id: "demo-status" }, `${fmt(100 * demo.actors, 0)}% ${t("demoOfActors")}: ${t("demoStatus")}`)]);
  if (graph.graph.truncated) parts.push([`${fmt(graph.nodes.length)} ${t("shown")}: ${t("truncated")}`]);
  $("status").replaceChildren(...parts.flatMap((p, i) => (i ? [" · ", ...p] : p)));
}

// --- explanations: a glossary in the side panel, (i) links next to each measure -------------

function labelInfo(a, key) {
  const [term] = EXPLAIN[state.lang][key];
  a.setAttribute("aria-label", `${t("explainOf")} ${term}`);
  a.title = `${t("explainOf")} ${term}`;
}

function info(key) {
  const a = el("a", { class: "info", href: `#explain-${key}`, data: { info: key } }, "i");
  labelInfo(a, key);
  return a;
}

function showExplain() {
  $("explain").replaceChildren(
    ...Object.entries(EXPLAIN[state.lang]).map(([key, [term, text]]) =>
      el("details", { id: `explain-${key}`, class: "explain" }, el("summary", {}, term), el("p", {}, text)),
    ),
  );
}

document.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a.info");
  if (!a) return;
  e.preventDefault();
  const box = $(`explain-${a.dataset.info}`);
  if (!box) return;
  box.open = true;
  box.scrollIntoView({ block: "nearest" });
  box.querySelector("summary").focus();
});

// Every colour on the map has an entry: node colours (by kind or community), highlights, ties.
function showLegend() {
  const nodes = [];
  if (state.mode === "kind") {
    for (const [kind, colour] of Object.entries(KIND_COLOUR)) nodes.push([colour, kindLabel(kind)]);
  } else {
    const shown = new Set();
    view.graph?.forEachNode((_, a) => shown.add(a.community));
    const communities = state.network.communities.filter((c) => shown.has(c.id));
    const byColour = new Map();
    for (const c of communities) {
      const colour = PALETTE[c.id % PALETTE.length];
      if (!byColour.has(colour)) byColour.set(colour, []);
      byColour.get(colour).push(c);
    }
    for (const [colour, cs] of byColour) {
      const c = cs[0];
      const where = c.places[0]?.place.name || "";
      const what = c.themes[0]?.theme.name || "";
      const more = cs.length > 1 ? ` +${fmt(cs.length - 1)}` : "";
      nodes.push([colour, `${t("community")} ${c.id}: ${[where, what].filter(Boolean).join(" · ")} (${fmt(c.size)})${more}`]);
    }
    nodes.push([NO_COMMUNITY, t("noCommunity")]);
  }
  const item = (colour, label, shape = "dot") =>
    el("li", { data: { colour } }, el("span", { class: shape, style: `--c:${colour}`, "aria-hidden": "true" }), label);
  const group = (title, items) =>
    el("div", { class: "legend-group" }, el("h4", {}, title), el("ul", {}, items));
  $("legend-items").replaceChildren(
    group(t("legendNodes"), [...nodes.map(([c, l]) => item(c, l)), el("li", {}, el("span", { class: "dot big", "aria-hidden": "true" }), t("sizeMeans"))]),
    group(t("legendHighlights"), [
      el("li", {}, el("span", { class: "dot ring", "aria-hidden": "true" }), t("selected")),
      item(HIGHLIGHT.suggested, t("suggested")),
      item(HIGHLIGHT.instrument, t("instrumentMarked")),
      el("li", { id: "legend-demo" }, el("span", { class: "badge demo", "aria-hidden": "true" }, t("demoBadge")), t("demoLegend")),
      item(HIGHLIGHT.faded, t("faded")),
      el("li", {}, el("span", { class: "dot ring-soft", "aria-hidden": "true" }), t("neighbour")),
    ]),
    group(t("legendEdges"), [
      ...Object.entries(EDGE_COLOUR).map(([rel, colour]) => item(colour, t("relation")[rel], "line")),
      item(HIGHLIGHT.selectedTie, t("selectedTie"), "line"),
    ]),
  );
}

// --- side panel ----------------------------------------------------------------------

function nodeLink(n) {
  const link = el(
    "a",
    { href: "#", class: "node-link", data: { id: n.id }, on: { click: (e) => { e.preventDefault(); select(n.id, { focus: true }); } } },
    n.label,
  );
  return isDemo(n.id) ? el("span", {}, link, " ", demoBadge()) : link;
}

// Made-up demo data wears a visible badge wherever a name is listed.
const isDemo = (id) => Boolean(view.graph?.hasNode(id) && view.graph.getNodeAttribute(id, "demo"));
const demoBadge = () => el("span", { class: "badge demo", title: t("demoLegend") }, t("demoBadge"));

function list(items, render, empty = t("none")) {
  if (!items.length) return el("p", { class: "muted" }, empty);
  return el("ul", {}, items.map((x) => el("li", {}, render(x))));
}

function showGaps() {
  const g = state.network.gaps;
  const areas = state.theme
    ? list(g.neighbourhoods, (a) => a.place.name)
    : list(g.neighbourhoods, (a) =>
        el(
          "span",
          { title: a.themes.map((th) => th.name).join(", ") },
          `${a.place.name}: ${fmt(a.themes.length)} / ${fmt(state.themes.length)} ${t("themesMissing")}`,
        ),
      );
  $("gaps").replaceChildren(
    el("h3", {}, state.theme ? t("emptyAreas") : t("emptyAreasAll")),
    areas,
    el("h3", {}, `${t("withoutContact")} (${fmt(g.withoutContact.length)})`),
    list(g.withoutContact.slice(0, 30), nodeLink),
    el("h3", {}, t("unfunded")),
    list(g.unfundedThemes, (u) => `${u.theme.name} (${fmt(u.count)} ${t("initiativesShort")})`),
    el("h3", {}, `${t("isolated")} (${fmt(g.isolated.length)})`),
    list(g.isolated.slice(0, 30), nodeLink),
  );
}

function showBrokers() {
  $("brokers").replaceChildren(
    el("p", { class: "muted" }, t("brokersHint")),
    list(state.network.brokers.slice(0, 12), (b) =>
      el("span", {}, nodeLink(b), ` · ${kindLabel(b.kind)} · ${t("reach")} ${b.reach}`),
    ),
  );
}

// What "residents involved" is a share of: the published inhabitants, or wijknet's registered residents.
function involvedBasis(f) {
  if (f.shareBasis === "INHABITANTS" && f.inhabitants)
    return `${fmt(f.residentsInvolved)} / ${fmt(f.inhabitants.count)} ${t("inhabitantsOf")} (CBS ${f.inhabitants.year})`;
  return `${fmt(f.residentsInvolved)} / ${fmt(f.residents)} ${t("registeredOf")}`;
}

// The figures table as rows of plain values (for the CSV download).
function figureRows() {
  const n = state.network;
  if (!n) return [];
  const head = [t("wijk"), "CBS", t("actors"), t("initiatives"), t("involved"), t("countedAgainst"), t("basis"), `${t("share")} (%)`, t("density"),
    `${t("demoShareOf")} ${t("actors").toLowerCase()} (%)`, `${t("demoShareOf")} ${t("initiatives").toLowerCase()} (%)`, `${t("demoShareOf")} ${t("involved").toLowerCase()} (%)`];
  const row = (f, total) => {
    const cbs = f.shareBasis === "INHABITANTS" && f.inhabitants;
    return [
      total ? t("total") : f.place.name,
      total ? "" : f.place.code,
      f.actors.reduce((s, a) => s + a.count, 0),
      f.initiativeCount,
      f.residentsInvolved,
      cbs ? f.inhabitants.count : f.residents,
      cbs ? `${t("inhabitantsOf")} (CBS ${f.inhabitants.year})` : t("registeredShort"),
      Math.round(1000 * f.shareInvolved) / 10,
      Number(f.density.toFixed(4)),
      pct(f.demo.actors),
      pct(f.demo.initiatives),
      pct(f.demo.residentsInvolved),
    ];
  };
  return [head, ...n.figures.map((f) => row(f, false)), row(n.totals, true), [], ...businessRows()];
}

const pct = (x) => Math.round(1000 * x) / 10;

// The business summary as rows (part, name, count) below the figures in the CSV.
function businessRows() {
  const b = state.network?.business;
  if (!b) return [];
  const rows = [[t("business"), t("category"), t("count")], [t("enterprises"), "", b.enterprises]];
  for (const x of b.legalForms) rows.push([t("legalForms"), word("legal", x.name), x.count]);
  for (const x of b.revenueModels) rows.push([t("revenueModels"), word("revenue", x.name), x.count]);
  for (const x of b.support) rows.push([t("support"), word("how", x.name), x.count]);
  for (const x of b.instruments) rows.push([t("instrumentsUsed"), x.instrument.name, x.count]);
  rows.push([`${t("demoShareOf")} ${t("enterprises")} (%)`, "", pct(b.demoShare)]);
  return rows;
}

function downloadBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const fileStem = () => `wijknet-${state.place}${state.theme ? `-${state.theme}` : ""}`;

function showFigures() {
  const n = state.network;
  const row = (f, bold) =>
    el(
      "tr",
      { class: bold ? "total" : "" },
      el("td", {}, bold ? t("total") : el("a", { href: "#", on: { click: (e) => { e.preventDefault(); choosePlace(f.place.code); } } }, f.place.name),
        f.demo.any ? " " : null,
        f.demo.any ? el("span", { class: "badge demo demo-share", title: t("demoNote") }, `${fmt(100 * f.demo.actors, 0)}% ${t("demoBadge")}`) : null),
      el("td", { class: "num" }, fmt(f.actors.reduce((s, a) => s + a.count, 0))),
      el("td", { class: "num" }, fmt(f.initiativeCount)),
      el("td", { class: "num", title: involvedBasis(f) }, `${fmt(100 * f.shareInvolved, 0)}%`),
      el("td", { class: "num" }, fmt(f.density, 3)),
    );
  const table = el(
      "table",
      {},
      el("caption", { class: "visually-hidden" }, t("figures")),
      el("thead", {}, el("tr", {},
        el("th", { scope: "col" }, t("wijk")),
        el("th", { scope: "col", class: "num" }, t("actors")),
        el("th", { scope: "col", class: "num" }, t("initiatives")),
        el("th", { scope: "col", class: "num" }, t("involved"), " ", info("involved")),
        el("th", { scope: "col", class: "num" }, t("density"), " ", info("density")),
      )),
      el("tbody", {}, ...n.figures.map((f) => row(f, false)), row(n.totals, true)),
  );
  $("figures").replaceChildren(
    el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("figures") }, table),
    el("p", { class: "muted", id: "involved-basis" }, `${t("involved")}: ${involvedBasis(n.totals)}`),
    el("p", { class: "muted", id: "demo-note" }, t("demoNote")),
    el("button", { id: "figures-csv", type: "button", on: { click: () => downloadBlob(new Blob([figuresCsv(figureRows())], { type: "text/csv;charset=utf-8" }), `${fileStem()}-${state.lang === "nl" ? "cijfers" : "figures"}.csv`) } }, t("figuresCsv")),
  );
}

// What pays for the enterprises here: legal forms, revenue models, support, instruments.
function showBusiness() {
  const b = state.network.business;
  const counts = (items, label) =>
    list(items, (x) => `${label(x)}: ${fmt(x.count)}`);
  $("business").replaceChildren(
    el("p", {}, `${fmt(b.enterprises)} ${t("enterprises")}`,
      b.demoShare > 0 ? el("span", { class: "muted" }, ` · ${fmt(100 * b.demoShare, 0)}% ${t("businessDemo")}`) : null),
    el("h3", {}, t("legalForms")),
    counts(b.legalForms, (x) => word("legal", x.name)),
    el("h3", {}, t("revenueModels")),
    counts(b.revenueModels, (x) => word("revenue", x.name)),
    el("h3", {}, t("support")),
    counts(b.support, (x) => word("how", x.name)),
    el("h3", {}, t("instrumentsUsed")),
    counts(b.instruments, (x) => x.instrument.name),
  );
}

// The chosen instrument: what it is and which initiatives here use it, marked on the map.
async function showInstrument(loadId = state.loadId) {
  const box = $("instrument-box");
  if (!state.instrument) {
    state.using = [];
    view.setMarked([]);
    box.hidden = true;
    $("instrument-info").replaceChildren();
    return;
  }
  try {
    const data = await gql(INSTRUMENT, { id: state.instrument, place: state.place, lang: state.lang.toUpperCase() });
    if (loadId !== state.loadId) return;
    const inst = data.node;
    const found = data.initiatives.edges.map((e) => e.node);
    state.using = found.map((x) => x.id);
    view.setMarked(state.using);
    const parts = [el("p", {}, el("strong", {}, inst?.name || state.instrument))];
    if (inst?.description) parts.push(el("p", {}, inst.description));
    if (inst?.offeredBy) parts.push(el("p", {}, `${t("offeredBy")}: ${inst.offeredBy}`));
    if (inst?.conditions) parts.push(el("p", {}, `${t("conditions")}: ${inst.conditions}`));
    if (inst?.steps?.length) parts.push(el("h3", {}, t("steps")), el("ol", {}, inst.steps.map((x) => el("li", {}, x))));
    if (inst?.source?.detail) parts.push(el("p", { class: "muted" }, `${t("source")}: ${inst.source.detail}`));
    parts.push(
      el("h3", { id: "instrument-count", data: { count: String(data.initiatives.totalCount) } }, `${fmt(data.initiatives.totalCount)} ${t("instrumentUse")}`),
      found.length
        ? el("ul", { id: "instrument-initiatives" }, found.map((x) =>
            el("li", {}, view.graph?.hasNode(x.id) ? nodeLink({ id: x.id, label: x.name }) : x.name)))
        : el("p", { class: "muted" }, t("instrumentNone")),
    );
    $("instrument-info").replaceChildren(...parts);
    box.hidden = false;
  } catch (err) {
    $("instrument-info").replaceChildren(el("p", { class: "error" }, err.message));
    box.hidden = false;
  }
}

function choosePlace(code) {
  state.place = code;
  $("area").value = code;
  load();
}

async function select(id, { focus = false, keepUrl = false } = {}) {
  view.select(id, { focus });
  const box = $("details");
  if (!id || !view.graph || !view.graph.hasNode(id)) {
    if (!keepUrl) {
      state.node = null;
      updateUrl();
    }
    box.replaceChildren(el("p", { class: "muted" }, t("clickHint")));
    return;
  }
  state.node = id;
  updateUrl();
  const a = view.graph.getNodeAttributes(id);
  const facts = el(
    "dl",
    {},
    el("dt", {}, t("community"), " ", info("community")), el("dd", {}, a.community >= 0 ? String(a.community) : t("noTies")),
    el("dt", {}, t("broker"), " ", info("broker")), el("dd", {}, fmt(a.broker, 4)),
    el("dt", {}, t("reach"), " ", info("reach")), el("dd", {}, String(a.reach)),
    el("dt", {}, t("ties"), " ", info("ties")), el("dd", {}, String(a.degree)),
    el("dt", {}, t("place")), el("dd", {}, a.placeName || "–"),
  );
  const more = el("div", { id: "more" });
  const head = el("div", { id: "details-head", data: { id, kind: a.kind } },
    el("span", { class: "dot", style: `background:${KIND_COLOUR[a.kind]}` }),
    el("strong", {}, a.label), ` · ${kindLabel(a.kind)}`, a.demo ? " " : null, a.demo ? demoBadge() : null);
  const parts = [head, facts, more];
  if (a.kind === "Initiative") {
    parts.push(
      el("button", { id: "suggest", type: "button", on: { click: () => suggest(id) } }, t("suggest")),
      el("div", { id: "suggestions" }),
    );
  }
  box.replaceChildren(...parts);
  await moreDetails(id, more, () => view.selected === id);
}

// A search hit that is not in the current map view: what GraphQL tells about it.
async function showOffMap(id) {
  const more = el("div", { id: "more" });
  const head = el("div", { id: "details-head", data: { id, offmap: "1" } }, el("strong", {}, "…"));
  $("details").replaceChildren(head, el("p", { class: "muted" }, t("offMapHint")), more);
  await moreDetails(id, more, () => $("details-head")?.dataset.id === id, head);
}

async function moreDetails(id, more, current, head = null) {
  try {
    const data = await gql(DETAILS, { id, lang: state.lang.toUpperCase() });
    const node = data.node;
    if (!node || !current()) return;
    if (head) head.replaceChildren(el("strong", {}, node.name || id), node.kind ? ` · ${kindLabel(node.kind)}` : ` · ${kindLabel("Initiative")}`);
    const rows = [];
    if (head && node.place) rows.push(el("p", {}, `${t("place")}: ${node.place.name}`));
    if (node.source) {
      rows.push(el("p", { class: "provenance", data: { kind: node.source.kind.toLowerCase() } },
        `${t("provenance")}: ${word("provenance", node.source.kind)}`,
        node.source.detail && !node.source.demo ? ` · ${node.source.detail}` : "",
        node.source.demo ? " " : null, node.source.demo ? demoBadge() : null));
    }
    if (node.description) rows.push(el("p", {}, node.description));
    if (node.stage) rows.push(el("p", {}, `${t("stage")}: ${word("stage", node.stage)}`));
    if (node.themes?.length) rows.push(el("p", {}, `${t("themes")}: ${node.themes.map((x) => x.name).join(", ")}`));
    if (node.members?.length) {
      rows.push(el("p", {}, `${t("members")}: ${fmt(node.members.length)}`));
    }
    if (node.supporters?.length) {
      rows.push(el("p", {}, `${t("supporters")}: ${node.supporters.map((s) => `${s.actor.name} (${s.how ? word("how", s.how) : "–"})`).join(", ")}`));
    }
    more.replaceChildren(...rows);
  } catch (err) {
    console.warn(err);
  }
}

async function suggest(id) {
  const box = $("suggestions");
  box.replaceChildren(el("p", { class: "muted" }, "…"));
  try {
    const data = await gql(SUGGEST, { id, lang: state.lang.toUpperCase() });
    const found = data.suggestPartners;
    view.setHighlight(found.map((s) => s.actor.id));
    const levels = matchLevels(found.map((s) => s.score));
    box.replaceChildren(
      el("h3", {}, t("suggestions")),
      found.length
        ? el(
            "ol",
            { class: "suggestions" },
            found.map((s, i) =>
              el(
                "li",
                { class: "suggestion", data: { id: s.actor.id, score: String(s.score), level: String(levels[i]) } },
                el("div", {}, view.graph?.hasNode(s.actor.id) ? nodeLink({ id: s.actor.id, label: s.actor.name }) : el("strong", {}, s.actor.name),
                  ` · ${kindLabel(s.actor.kind)}`),
                scale(levels[i]),
                el("ul", { class: "reasons" }, s.reasons.map((r) => el("li", { data: { code: r.code } }, r.text))),
              ),
            ),
          )
        : el("p", { class: "muted" }, t("noSuggestions")),
      found.length ? el("p", { class: "muted" }, t("scaleHint"), " ", info("score")) : null,
    );
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, err.message));
  }
}

// Scores have no fixed unit: each is placed on a 1..5 scale against the best in the list.
function matchLevels(scores) {
  if (!scores.length) return [];
  const hi = Math.max(...scores);
  const lo = Math.min(...scores, 0);
  return scores.map((x) => {
    const rel = hi > lo ? (x - lo) / (hi - lo) : 1;
    return Math.max(1, Math.min(5, Math.ceil(rel * 5 - 1e-9)));
  });
}

function scale(level) {
  const words = t("scale");
  const label = `${words[level - 1]} (${level} ${t("scaleOf")})`;
  return el(
    "div",
    { class: "scale", role: "img", "aria-label": label },
    el("span", { class: "pips", "aria-hidden": "true" }, ...[1, 2, 3, 4, 5].map((i) => el("span", { class: i <= level ? "pip on" : "pip" }))),
    el("span", { class: "scale-word", "aria-hidden": "true" }, words[level - 1]),
  );
}

// --- events --------------------------------------------------------------------------

$("municipality").addEventListener("change", (e) => {
  state.place = e.target.value;
  fillAreas(state.place);
  load();
});
$("area").addEventListener("change", (e) => {
  state.place = e.target.value;
  load();
});
$("theme").addEventListener("change", (e) => {
  state.theme = e.target.value;
  load();
});
$("instrument").addEventListener("change", (e) => {
  state.instrument = e.target.value;
  updateUrl();
  showInstrument();
});
$("colour").addEventListener("change", (e) => {
  state.mode = e.target.value;
  view.recolour(state.mode);
  showLegend();
  updateUrl();
});
$("lang").addEventListener("click", async () => {
  state.lang = state.lang === "nl" ? "en" : "nl";
  applyTexts();
  try {
    const data = await gql(PLACES, { lang: state.lang.toUpperCase() });
    state.themes = data.themes;
    state.instruments = data.instruments;
  } catch (err) {
    console.warn(err);
  }
  fillPlaces();
  fillThemes();
  load();
});
$("refine").addEventListener("click", () => {
  const button = $("refine");
  if (view.layout) return view.stopRefine();
  button.textContent = t("stop");
  view.refine(8, () => (button.textContent = t("refine")));
});

let searchTimer = 0;
$("search").addEventListener("input", (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    const text = e.target.value.trim();
    const hits = view.search(text);
    if (hits.length || text.length < 2) return showHits(hits);
    showHits(null);
    findElsewhere(text).then((found) => {
      if ($("search").value.trim() === text) showHits(found);
    });
  }, 150);
});
function showHits(hits) {
  if (hits === null) return $("hits").replaceChildren(el("li", { class: "muted" }, t("searching")));
  if (!hits.length && $("search").value.trim().length >= 2) return $("hits").replaceChildren(el("li", { class: "muted" }, t("noHits")));
  $("hits").replaceChildren(
    ...hits.map((h) =>
      el("li", {}, el("a", { href: "#", data: { id: h.id, offmap: h.offMap ? "1" : "" }, on: { click: (ev) => { ev.preventDefault(); $("hits").replaceChildren(); pick(h); } } },
        `${h.label} · ${kindLabel(h.kind)}${h.offMap ? ` (${t("offMap")})` : ""}`), isDemo(h.id) ? " " : null, isDemo(h.id) ? demoBadge() : null),
    ),
  );
}

function pick(hit) {
  if (view.graph?.hasNode(hit.id)) return select(hit.id, { focus: true });
  view.select(null);
  state.node = hit.id;
  updateUrl();
  showOffMap(hit.id);
}

// Nothing on screen matches: ask the server for what this viewer may see, anywhere.
async function findElsewhere(text) {
  try {
    const data = await gql(FIND, { text });
    return [
      ...data.actors.edges.map((e) => ({ id: e.node.id, label: e.node.name, kind: e.node.kind })),
      ...data.initiatives.edges.map((e) => ({ id: e.node.id, label: e.node.name, kind: "Initiative" })),
    ].map((h) => ({ ...h, offMap: !view.graph?.hasNode(h.id) }));
  } catch (err) {
    console.warn(err);
    return [];
  }
}

$("export-png").addEventListener("click", async () => {
  if (!view.renderer) return;
  downloadBlob(await view.png(), `${fileStem()}.png`);
});
$("export-svg").addEventListener("click", () => {
  if (!view.renderer) return;
  downloadBlob(new Blob([view.svg()], { type: "image/svg+xml" }), `${fileStem()}.svg`);
});
// Print the current view as an image (WebGL canvases do not always print), then the page.
$("print").addEventListener("click", async () => {
  const img = $("print-image");
  if (view.renderer) {
    if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(await view.png());
    img.alt = `${t("mapView")}: ${$("municipality").selectedOptions[0]?.textContent || ""}`;
    await img.decode().catch(() => {});
    document.body.classList.add("has-print-image");
  }
  window.print();
});
window.addEventListener("beforeprint", () => {
  for (const d of document.querySelectorAll("details.explain")) d.open = true;
});

$("search").addEventListener("keydown", (e) => {
  if (e.key === "Enter") $("hits").querySelector("a")?.click();
  if (e.key === "Escape") $("hits").replaceChildren();
  if (e.key === "ArrowDown") {
    e.preventDefault();
    $("hits").querySelector("a")?.focus();
  }
});
// Arrow keys move through the hits; Escape goes back to the search box.
$("hits").addEventListener("keydown", (e) => {
  const links = [...$("hits").querySelectorAll("a")];
  const at = links.indexOf(document.activeElement);
  if (at < 0) return;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    const next = at + (e.key === "ArrowDown" ? 1 : -1);
    if (next < 0) $("search").focus();
    else links[Math.min(next, links.length - 1)].focus();
  }
  if (e.key === "Escape") {
    $("hits").replaceChildren();
    $("search").focus();
  }
});

start();
