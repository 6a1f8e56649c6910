// The wijknet network map: choose a place and theme, look at the network, its gaps and figures.

import { DETAILS, NETWORK, PLACES, SUGGEST, downloadUrl, gql, loadGraph } from "./api.js";
import { KIND_COLOUR, KIND_LABEL, PALETTE, TEXT, WORDS } from "./i18n.js";
import { NetworkView } from "./render.js";

const MAX_NODES = 20000;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const state = {
  lang: params.get("lang") === "en" ? "en" : "nl",
  place: params.get("place") || "",
  theme: params.get("theme") || "",
  mode: params.get("colour") === "community" ? "community" : "kind",
  places: [],
  themes: [],
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
};

// --- static texts and controls -------------------------------------------------

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
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
}

function updateUrl() {
  const q = new URLSearchParams();
  if (state.place) q.set("place", state.place);
  if (state.theme) q.set("theme", state.theme);
  if (state.lang === "en") q.set("lang", "en");
  if (state.mode === "community") q.set("colour", "community");
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
  select(null);
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
    document.body.dataset.nodes = String(view.graph.order);
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
    `${fmt(n.nodeCount)} ${t("nodes")}`,
    `${fmt(n.edgeCount)} ${t("edges")}`,
    `${t("modularity")} ${fmt(n.modularity, 2)}`,
    `${fmt(n.communities.length)}${n.communities.length >= 100 ? "+" : ""} ${t("communities")}`,
  ];
  if (graph.graph.truncated) parts.push(`${fmt(graph.nodes.length)} ${t("shown")}: ${t("truncated")}`);
  $("status").textContent = parts.join(" · ");
}

function showLegend() {
  const items = [];
  if (state.mode === "kind") {
    for (const [kind, colour] of Object.entries(KIND_COLOUR)) items.push([colour, kindLabel(kind)]);
  } else {
    for (const c of state.network.communities.slice(0, 12)) {
      const where = c.places[0]?.place.name || "";
      const what = c.themes[0]?.theme.name || "";
      items.push([PALETTE[c.id % PALETTE.length], `${[where, what].filter(Boolean).join(" · ")} (${fmt(c.size)})`]);
    }
  }
  $("legend").replaceChildren(
    ...items.map(([colour, label]) =>
      el("li", {}, el("span", { class: "dot", style: `background:${colour}` }), label),
    ),
  );
}

// --- side panel ----------------------------------------------------------------------

function nodeLink(n) {
  return el(
    "a",
    { href: "#", class: "node-link", data: { id: n.id }, on: { click: (e) => { e.preventDefault(); select(n.id, { focus: true }); } } },
    n.label,
  );
}

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

function showFigures() {
  const n = state.network;
  const row = (f, bold) =>
    el(
      "tr",
      { class: bold ? "total" : "" },
      el("td", {}, bold ? t("total") : el("a", { href: "#", on: { click: (e) => { e.preventDefault(); choosePlace(f.place.code); } } }, f.place.name)),
      el("td", { class: "num" }, fmt(f.actors.reduce((s, a) => s + a.count, 0))),
      el("td", { class: "num" }, fmt(f.initiativeCount)),
      el("td", { class: "num", title: involvedBasis(f) }, `${fmt(100 * f.shareInvolved, 0)}%`),
      el("td", { class: "num" }, fmt(f.density, 3)),
    );
  $("figures").replaceChildren(
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, ...["wijk", "actors", "initiatives", "involved", "density"].map((k) => el("th", {}, t(k))))),
      el("tbody", {}, ...n.figures.map((f) => row(f, false)), row(n.totals, true)),
    ),
    el("p", { class: "muted", id: "involved-basis" }, `${t("involved")}: ${involvedBasis(n.totals)}`),
  );
}

function choosePlace(code) {
  state.place = code;
  $("area").value = code;
  load();
}

async function select(id, { focus = false } = {}) {
  view.select(id, { focus });
  const box = $("details");
  if (!id || !view.graph || !view.graph.hasNode(id)) {
    box.replaceChildren(el("p", { class: "muted" }, t("clickHint")));
    return;
  }
  const a = view.graph.getNodeAttributes(id);
  const facts = el(
    "dl",
    {},
    el("dt", {}, t("community")), el("dd", {}, a.community >= 0 ? String(a.community) : t("noTies")),
    el("dt", {}, t("broker")), el("dd", {}, fmt(a.broker, 4)),
    el("dt", {}, t("reach")), el("dd", {}, String(a.reach)),
    el("dt", {}, t("ties")), el("dd", {}, String(a.degree)),
    el("dt", {}, t("place")), el("dd", {}, a.placeName || "–"),
  );
  const more = el("div", { id: "more" });
  const head = el("div", { id: "details-head", data: { id, kind: a.kind } },
    el("span", { class: "dot", style: `background:${KIND_COLOUR[a.kind]}` }),
    el("strong", {}, a.label), ` · ${kindLabel(a.kind)}`);
  const parts = [head, facts, more];
  if (a.kind === "Initiative") {
    parts.push(
      el("button", { id: "suggest", type: "button", on: { click: () => suggest(id) } }, t("suggest")),
      el("div", { id: "suggestions" }),
    );
  }
  box.replaceChildren(...parts);
  try {
    const data = await gql(DETAILS, { id, lang: state.lang.toUpperCase() });
    const node = data.node;
    if (!node || view.selected !== id) return;
    const rows = [];
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
    box.replaceChildren(
      el("h3", {}, t("suggestions")),
      found.length
        ? el(
            "ol",
            { class: "suggestions" },
            found.map((s) =>
              el(
                "li",
                { class: "suggestion", data: { id: s.actor.id } },
                el("div", {}, view.graph?.hasNode(s.actor.id) ? nodeLink({ id: s.actor.id, label: s.actor.name }) : el("strong", {}, s.actor.name),
                  ` · ${kindLabel(s.actor.kind)} · ${fmt(s.score, 2)}`),
                el("ul", { class: "reasons" }, s.reasons.map((r) => el("li", { data: { code: r.code } }, r.text))),
              ),
            ),
          )
        : el("p", { class: "muted" }, t("noSuggestions")),
    );
  } catch (err) {
    box.replaceChildren(el("p", { class: "error" }, err.message));
  }
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
    state.themes = (await gql(PLACES, { lang: state.lang.toUpperCase() })).themes;
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
    const hits = view.search(e.target.value.trim());
    $("hits").replaceChildren(
      ...hits.map((h) =>
        el("li", {}, el("a", { href: "#", data: { id: h.id }, on: { click: (ev) => { ev.preventDefault(); $("hits").replaceChildren(); select(h.id, { focus: true }); } } },
          `${h.label} · ${kindLabel(h.kind)}`)),
      ),
    );
  }, 150);
});
$("search").addEventListener("keydown", (e) => {
  if (e.key === "Enter") $("hits").querySelector("a")?.click();
  if (e.key === "Escape") $("hits").replaceChildren();
});

start();
