// The service dashboard: FCR beside the field's reference figures, repeat
// contacts and channel switches, SLA breaches over time, cases at risk,
// satisfaction and projection lag, each from one SPEC 8 route.

import { api, apiAll, bar, channelName, el, explain, percent, say, setUpSignIn, table,
  utc } from "./common.js";
import { breachChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const DAY = 86400000;
const REFERENCE = { phone: [0.82, 0.56], email: [0.68, 0.46], chat: [0.45, 0.28] };

const today = new Date().toISOString().slice(0, 10);
$("to").value = today;
$("from").value = new Date(Date.parse(today) - 27 * DAY).toISOString().slice(0, 10);
$("period").addEventListener("submit", (event) => { event.preventDefault(); load(); });
setUpSignIn(load);

function load() {
  const from = `${$("from").value}T00:00:00Z`;
  const to = new Date(Date.parse($("to").value) + DAY).toISOString();
  say(`Figures from ${$("from").value} to ${$("to").value} (UTC days).`);
  const period = { from, to };
  section("fcr", "read", async () => fcr(await api("/v1/metrics/first-contact-resolution", period)));
  section("repeat", "read", async () => repeats(await api("/v1/metrics/repeat-contacts", period)));
  section("breaches", "read", async () => breaches(await apiAll("/v1/sla/breaches", period, "breaches")));
  section("risk", "read", atRisk);
  section("satisfaction", "read", async () => satisfaction(await api("/v1/metrics/satisfaction", period)));
  section("projections", "admin", async () => projections(await api("/v1/projections")));
}

/** Fills one card: a loading note, then what `build` returns, or why it failed. */
async function section(id, scope, build) {
  const box = $(id);
  box.setAttribute("aria-busy", "true");
  box.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  try {
    box.replaceChildren(...[await build()].flat(2));
  } catch (error) {
    box.replaceChildren(el("p", { class: "problem" }, explain(error, scope)));
  }
  box.removeAttribute("aria-busy");
}

function verdict(rate, [best, typical]) {
  if (rate >= best) return "at or above best teams";
  if (rate >= typical) return "between typical and best";
  return "below typical";
}

function fcr({ channels }) {
  if (!channels.length) return el("p", { class: "muted" }, "No cases resolved in this period.");
  const rows = channels.map((c) => {
    const reference = REFERENCE[c.channel];
    const markers = reference ? [[reference[0], "best", `best teams ${percent(reference[0])}`],
      [reference[1], "typical", `typical ${percent(reference[1])}`]] : [];
    return [channelName(c.channel), String(c.resolved_cases), String(c.fcr_cases),
      bar(c.rate, percent(c.rate), markers),
      reference ? percent(reference[0]) : "–", reference ? percent(reference[1]) : "–",
      reference ? verdict(c.rate, reference) : "no reference"];
  });
  return [
    table(null, ["Channel", "Resolved", "First contact", "Rate", "Best teams", "Typical", "Compared"],
      rows, [1, 2, 4, 5]),
    el("p", { class: "muted" }, "On the bars: ┃ best teams, ┆ typical teams."),
  ];
}

function repeats({ days }) {
  const totals = new Map();
  for (const day of days) {
    const t = totals.get(day.channel) || { inbound: 0, repeat: 0, switches: 0, abandoned: 0 };
    t.inbound += day.inbound_contacts; t.repeat += day.repeat_contacts;
    t.switches += day.channel_switches; t.abandoned += day.abandoned;
    totals.set(day.channel, t);
  }
  if (!totals.size) return el("p", { class: "muted" }, "No contacts in this period.");
  const all = { inbound: 0, repeat: 0, switches: 0, abandoned: 0 };
  for (const t of totals.values()) for (const k of Object.keys(all)) all[k] += t[k];
  const row = (name, t) => [name, String(t.inbound), String(t.repeat),
    bar(t.repeat / t.inbound, percent(t.repeat / t.inbound)), String(t.switches),
    bar(t.switches / t.inbound, percent(t.switches / t.inbound)), percent(t.abandoned / t.inbound)];
  return table(null, ["Channel", "Contacts", "Repeat", "Repeat rate", "Switches", "Switch rate",
    "Abandoned"], [...[...totals].map(([c, t]) => row(channelName(c), t)), row("all channels", all)],
  [1, 2, 4, 6]);
}

function breaches({ items, complete }) {
  if (!items.length) return el("p", { class: "muted" }, "No SLA breaches in this period.");
  const series = [...new Set(items.map((b) => `${b.metric} · ${b.policy}`))].sort();
  const byDay = new Map();
  for (const b of items) {
    const day = b.breached_at.slice(0, 10);
    const counts = byDay.get(day) || Object.fromEntries(series.map((s) => [s, 0]));
    counts[`${b.metric} · ${b.policy}`] += 1;
    byDay.set(day, counts);
  }
  const days = [...byDay.keys()].sort();
  return [
    el("p", {}, `${items.length}${complete ? "" : "+"} breaches, by day of breach and by metric · policy.`),
    ...breachChart(days, series, byDay),
    el("details", {}, el("summary", {}, "The same as a table"),
      el("div", { class: "scroll" }, table(null, ["Day", ...series, "Total"], days.map((d) => [d,
        ...series.map((s) => String(byDay.get(d)[s])),
        String(series.reduce((n, s) => n + byDay.get(d)[s], 0))]),
      series.map((_, i) => i + 1).concat(series.length + 1)))),
  ];
}

/** Instances not yet breached but breached within the next hours if nothing happens:
 * breached at `at` = now + hours, with a deadline (breached_at) from now on. */
async function atRisk() {
  const hours = Number($("risk-hours").value) || 8;
  const now = new Date();
  const at = new Date(now.getTime() + hours * 3600000).toISOString();
  const { items } = await apiAll("/v1/sla/breaches", { at, from: now.toISOString() }, "breaches", 5);
  if (!items.length) return el("p", { class: "muted" }, `No case is due within ${hours} hours.`);
  items.sort((a, b) => a.breached_at.localeCompare(b.breached_at));
  return [
    el("p", {}, `${items.length} SLA deadlines within ${hours} hours, soonest first.`),
    table(null, ["Due", "In", "Case", "Customer", "Metric", "Policy"], items.slice(0, 50).map((b) => [
      utc(b.breached_at), `${Math.max(0, Math.round((Date.parse(b.breached_at) - now) / 60000))} min`,
      b.case_id,
      el("a", { href: `/journey?customer=${encodeURIComponent(b.customer_id)}` }, b.customer_id),
      b.metric, b.policy]), [1]),
  ];
}

function satisfaction({ channels }) {
  if (!channels.length) return el("p", { class: "muted" }, "No survey answers in this period.");
  const number = (value, digits) => (value === null || value === undefined ? "–" : value.toFixed(digits));
  return table(null, ["Channel", "CSAT", "CSAT answers", "NPS", "Promoters / detractors",
    "NPS answers", "CES (1-7)", "CES answers"], channels.map((c) => [channelName(c.channel),
    c.csat === null ? "–" : bar(c.csat, percent(c.csat)), String(c.csat_responses),
    number(c.nps, 0), `${c.promoters} / ${c.detractors}`, String(c.nps_responses),
    number(c.ces, 2), String(c.ces_responses)]), [2, 3, 5, 6, 7]);
}

function projections(answer) {
  const list = Array.isArray(answer) ? answer : answer.projections;
  return table(null, ["Projection", "Position", "Lag (events)", "State"], list.map((p) => [
    p.name, String(p.position ?? "–"), String(p.lag ?? p.lag_events ?? "–"),
    typeof p.state === "string" ? p.state : JSON.stringify(p.state)]), [1, 2]);
}
