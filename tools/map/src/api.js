// Talking to wijknet: GraphQL at /graphql, the network itself from /network/{place}.json.
// Both go with the session cookie (same origin), so a signed-in viewer sees what the policy
// lets them see. A cookie authenticates a POST only together with the session's CSRF token,
// which /auth/session hands to page scripts; without a session the map asks anonymously.

let csrf = null;
function csrfToken() {
  csrf ??= fetch("/auth/session", { credentials: "same-origin", headers: { accept: "application/json" } })
    .then((res) => (res.ok ? res.json() : {}))
    .then((session) => session.csrf || null)
    .catch(() => null);
  return csrf;
}

export async function gql(query, variables = {}) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  const token = await csrfToken();
  if (token) headers["x-csrf-token"] = token;
  const res = await fetch("/graphql", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors && body.errors.length) {
    throw new Error(body.errors.map((e) => e.message).join("; "));
  }
  return body.data;
}

export function downloadUrl(place, theme, fmt, lang, maxNodes) {
  const q = new URLSearchParams();
  if (theme) q.set("theme", theme);
  q.set("lang", lang);
  if (maxNodes) q.set("max_nodes", String(maxNodes));
  return `/network/${encodeURIComponent(place)}.${fmt}?${q}`;
}

export async function loadGraph(place, theme, lang, maxNodes) {
  const res = await fetch(downloadUrl(place, theme, "json", lang, maxNodes), { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res.json();
}

export const PLACES = `query Places($lang: Lang) {
  networkPlaces { place { code name: displayName level } parent actors initiatives }
  themes { id name(lang: $lang) }
  instruments { id name(lang: $lang) }
}`;

const NODE = "id label kind redacted community broker reach place";

export const NETWORK = `query Network($place: String!, $theme: ID, $lang: Lang) {
  network(place: $place, theme: $theme, maxNodes: 0, maxEdges: 0, lang: $lang) {
    nodeCount edgeCount modularity algorithm
    communities { id size places { place { name: displayName } count } themes { theme { name(lang: $lang) } count } }
    brokers { ${NODE} }
    gaps {
      neighbourhoods { place { code name: displayName } themes { id name(lang: $lang) } }
      withoutContact { ${NODE} }
      unfundedThemes { theme { id name(lang: $lang) } count }
      isolated { ${NODE} }
    }
    figures { ...F }
    totals { ...F }
    business {
      enterprises demoShare
      legalForms { name count } revenueModels { name count } support { name count }
      instruments { instrument { id name(lang: $lang) } count }
    }
  }
}
fragment F on PlaceFigures {
  place { code name: displayName } actors { kind count } initiativeCount ties density
  residents residentsInvolved shareInvolved shareBasis inhabitants { count year source }
  demo { actors initiatives ties residents residentsInvolved any }
}`;

export const DETAILS = `query Details($id: ID!, $lang: Lang) {
  node(id: $id) {
    id
    ... on Actor { name kind redacted description place { name: displayName } source { kind detail demo } }
    ... on Initiative {
      name stage description place { name: displayName } themes { name(lang: $lang) }
      source { kind detail demo }
      members { role actor { id name kind } }
      supporters { how actor { id name } }
    }
  }
}`;

export const SUGGEST = `query Suggest($id: ID!, $lang: Lang) {
  suggestPartners(initiative: $id, first: 10, lang: $lang) {
    actor { id name kind } score reasons { code text } path
  }
}`;

export const FIND = `query Find($text: String!) {
  actors(text: $text, first: 8) { edges { node { id name kind } } }
  initiatives(text: $text, first: 8) { edges { node { id name } } }
}`;

// One instrument: what it is, who offers it, conditions and steps, and the initiatives in the
// chosen place that use it (only those this viewer may see).
export const INSTRUMENT = `query Instrument($id: ID!, $place: String!, $lang: Lang) {
  node(id: $id) {
    ... on Instrument {
      id name(lang: $lang) description(lang: $lang) offeredBy conditions(lang: $lang)
      steps(lang: $lang) url source { kind detail }
    }
  }
  initiatives(place: $place, instrument: $id, first: 100) {
    totalCount edges { node { id name } }
  }
}`;
