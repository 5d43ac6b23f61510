// Shared by the pages: the API key, calls to the SPEC 8 API, DOM and number helpers.
// Every text from the API goes into the page through textContent, never as HTML.

const KEY = "journey.apiKey";

export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

/** Wires the sign-in form; calls onKey() now when a key is kept, and after each sign-in. */
export function setUpSignIn(onKey) {
  keyFromLink();
  const form = document.getElementById("signin");
  const signedIn = document.getElementById("signed-in");
  const show = () => {
    const has = Boolean(apiKey());
    form.hidden = has;
    signedIn.hidden = !has;
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.elements.key;
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY, key);
    input.value = "";
    show();
    say("Signed in.");
    onKey();
  });
  document.getElementById("signout").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    show();
    say("Signed out: paste a key to see data.");
    document.getElementById("api-key").focus();
  });
  show();
  if (apiKey()) onKey();
  else say("Paste an API key (scope read; pii, audit and admin show more) to see data.");
  window.addEventListener("hashchange", () => { // the link opened in a tab already showing the page
    if (!keyFromLink()) return;
    show();
    say("Signed in.");
    onKey();
  });
}

/** Keeps the key of a sign-in link (`#key=...`, the demo prints one) and takes it out of
 * the address bar at once; true when there was one. */
function keyFromLink() {
  if (!location.hash.startsWith("#key=")) return false;
  const key = decodeURIComponent(location.hash.slice(5)).trim();
  history.replaceState(null, "", location.pathname + location.search);
  if (!key) return false;
  sessionStorage.setItem(KEY, key);
  return true;
}

/** GET an API path with query parameters (empty ones left out); the JSON answer. */
export async function api(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, value);
  }
  const url = query.size ? `${path}?${query}` : path;
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${apiKey() || ""}`, Accept: "application/json" },
  });
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem.title, problem.detail);
  }
  return response.json();
}

/** Every page of a cursor-paged list (up to maxPages), concatenated. */
export async function apiAll(path, params, field, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await api(path, { ...params, limit: 1000, cursor });
    items.push(...answer[field]);
    cursor = answer.next_cursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}

/** A sentence for an API failure, naming the missing scope when that is the cause. */
export function explain(error, scope) {
  if (!(error instanceof ApiError)) return `Could not reach the server (${error.message}).`;
  if (error.status === 401) return "The API key was refused: sign in with a valid key.";
  if (error.status === 403) return `Your key lacks the ${scope} scope.`;
  return `${error.title || "Error"} (HTTP ${error.status}): ${error.message}`;
}

export function say(text) {
  document.getElementById("status").textContent = text;
}

/** el("td", {class: "n"}, "text", child...): an element with attributes and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "style") Object.assign(node.style, value); // CSSOM: allowed by the CSP
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

/** A table with a caption, a header row and rows of cells (strings or nodes). */
export function table(caption, headers, rows, numeric = []) {
  return el("table", { class: "data" },
    caption ? el("caption", {}, caption) : null,
    el("thead", {}, el("tr", {}, headers.map((h, i) =>
      el("th", { scope: "col", class: numeric.includes(i) ? "n" : null }, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) =>
      el("td", { class: numeric.includes(i) ? "n" : null }, c))))));
}

export const CHANNELS = ["phone", "email", "chat", "social", "messenger", "sms", "web",
  "mobile_app", "in_person"];

export function channelName(channel) {
  return { email: "e-mail", mobile_app: "mobile app", in_person: "in person", sms: "SMS" }[channel]
    || channel || "no channel";
}

/** "2026-09-03 14:05:09 UTC" for an RFC 3339 instant. */
export function utc(instant) {
  if (!instant) return "";
  return new Date(instant).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function percent(rate) {
  return rate === null || rate === undefined || Number.isNaN(rate) ? "–" : `${(rate * 100).toFixed(1)}%`;
}

export function seconds(total) {
  if (total === null || total === undefined) return "";
  const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
  const parts = [];
  let rest = Math.round(total);
  for (const [name, size] of units) {
    if (rest >= size) { parts.push(`${Math.floor(rest / size)}${name}`); rest %= size; }
  }
  return parts.join(" ") || "0s";
}

/** A labelled horizontal bar: its length shows the share, its text says it. */
export function bar(rate, label, markers = []) {
  const width = Math.max(0, Math.min(1, rate || 0)) * 100;
  return el("div", { class: "bar" },
    el("span", { class: "fill", style: { width: `${width}%` }, "aria-hidden": "true" }),
    markers.map(([value, kind, text]) => el("span", {
      class: `marker ${kind}`, style: { left: `${value * 100}%` }, title: text, "aria-hidden": "true",
    })),
    el("span", { class: "label" }, label));
}
