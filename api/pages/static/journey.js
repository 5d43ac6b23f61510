// The customer journey page: find a customer, open with the agent's brief, draw the
// timeline, replay both as of a past moment, show an event's or a case's details, verify the hash chain.

import { ApiError, api, apiAll, channelName, el, explain, say, seconds, setUpSignIn, table,
  utc } from "./common.js";
import { renderBrief } from "./brief.js";
import { canWrite, renderPerson, streamLetters, tagStreams } from "./person.js";
import { annotate, describe, renderTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const state = { customer: "", recorded: [], asOf: null, view: null, timer: null,
  shown: new Set(), seen: new Set(), writable: false };

setUpSignIn(() => {
  const params = new URLSearchParams(location.search);
  const customer = params.get("customer") || $("customer").value;
  if (customer) show(customer, params.get("as_of"));
});

$("find").addEventListener("submit", (event) => {
  event.preventDefault();
  show($("customer").value.trim(), null);
});
$("as-of-slider").addEventListener("input", () => {
  const index = Number($("as-of-slider").value);
  const last = index >= state.recorded.length - 1;
  setAsOf(last ? null : state.recorded[index], false);
});
$("as-of").addEventListener("change", () => {
  const value = $("as-of").value;
  setAsOf(value ? new Date(`${value}Z`).toISOString() : null, true);
});
$("as-of-now").addEventListener("click", () => setAsOf(null, true));
$("verify").addEventListener("click", verify);

/** Loads the customer as known now (for the replay's steps), then as of `asOf`;
 * `after`: a position the projections must have reached (a merge just stored). */
async function show(customer, asOf, after = null) {
  if (!customer) return;
  if (customer !== state.customer) { state.shown.clear(); state.seen.clear(); }
  state.customer = customer;
  $("customer").value = customer;
  $("verify-result").textContent = "";
  say(`Loading ${customer}…`);
  try {
    const [now, writable] = await Promise.all([read(customer, null, after), canWrite()]);
    state.writable = writable;
    if (customer !== state.customer) return; // a newer search won
    state.recorded = [...new Set(now.events.map((e) => e.recorded_at))].sort();
    const slider = $("as-of-slider");
    slider.max = String(Math.max(state.recorded.length - 1, 0));
    state.view = now;
    setAsOf(asOf && !Number.isNaN(Date.parse(asOf)) ? asOf : null, true); // a bad link: now
  } catch (error) {
    if (customer !== state.customer) return;
    $("journey").hidden = true;
    say(error instanceof ApiError && error.status === 404
      ? `No events recorded for customer ${customer}.` : explain(error, "read"));
  }
}

/** Moves the replay to `asOf` (null: now); `syncSlider` when it was not the slider that moved. */
function setAsOf(asOf, syncSlider) {
  state.asOf = asOf;
  const instant = asOf ? Date.parse(asOf) : Infinity;
  const known = state.recorded.filter((r) => Date.parse(r) <= instant).length;
  if (syncSlider) $("as-of-slider").value = String(Math.max(known - 1, 0));
  $("as-of").value = asOf ? new Date(instant).toISOString().slice(0, 19) : "";
  $("as-of-label").textContent = asOf
    ? `As of ${utc(asOf)}: ${known} of ${state.recorded.length} recording moments known`
    : `Now: all ${state.recorded.length} recording moments`;
  const url = new URL(location.href);
  url.searchParams.set("customer", state.customer);
  if (asOf) url.searchParams.set("as_of", asOf); else url.searchParams.delete("as_of");
  history.replaceState(null, "", url);
  clearTimeout(state.timer);
  state.timer = setTimeout(() => replay(asOf), syncSlider ? 0 : 200);
}

async function replay(asOf) {
  const customer = state.customer;
  try {
    const view = asOf ? await read(customer, asOf) : state.view;
    if (customer !== state.customer || asOf !== state.asOf) return; // a newer request won
    render(view);
    say(`${customer}: ${plural(view.events.length, "event")}, ${plural(view.cases.length, "case")}` +
      (asOf ? `, as known at ${utc(asOf)}.` : ", as known now.") +
      (view.complete ? "" : " Only the first 10,000 events are drawn."));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      render({ events: [], cases: [], contacts: null, brief: null, end: asOf });
      say(`Nothing was known about ${customer} as of ${utc(asOf)}.`);
    } else say(explain(error, "read"));
  }
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

async function read(customer, asOf, after = null) {
  const path = `/v1/customers/${encodeURIComponent(customer)}`;
  const params = { as_of: asOf };
  const person = await api(path, { ...params, after }); // first: it waits for `after`
  const [timeline, cases, contacts, brief] = await Promise.all([
    apiAll(`${path}/timeline`, { ...params, merged: true }, "events", 10),
    api(`${path}/cases`, params),
    api(`${path}/contacts`, params),
    api(`${path}/context`, params),
  ]);
  const letters = streamLetters(person);
  const events = tagStreams(annotate(timeline.items, contacts.window_seconds), letters);
  return { person, letters, events, cases: cases.cases, contacts, brief, complete: timeline.complete,
    end: asOf || new Date().toISOString() };
}

/** The person's block, and the view with only the events and cases of the ticked streams. */
function personView(view) {
  for (const id of view.letters ? view.letters.keys() : []) {
    if (!state.seen.has(id)) { state.seen.add(id); state.shown.add(id); } // a new stream: shown
  }
  renderPerson(view.person, view.letters || new Map(), {
    writable: state.writable, shown: state.shown,
    onFilter: () => render(view),
    onChanged: (position) => show(state.customer, null, position),
  });
  if (!view.person) return view;
  const shown = (item) => !item.customer_id || state.shown.has(item.customer_id);
  return { ...view, events: view.events.filter(shown), cases: view.cases.filter(shown) };
}

function render(all) {
  const view = personView(all);
  $("journey").hidden = false;
  $("journey-customer").textContent = state.customer;
  renderBrief($("brief"), view.brief, select);
  renderSummary(view);
  renderTimeline($("timeline"), view.events, view.cases, view.end, select);
  renderCases(view.cases);
  renderEvents(view.events);
  $("details").replaceChildren(el("p", { class: "muted" }, "Select an event or a case on the timeline."));
}

function renderSummary({ events, cases, contacts }) {
  const agents = new Set(cases.flatMap((c) => c.agents));
  const breaches = cases.flatMap((c) => (c.sla || []).filter((m) => m.breached));
  const resolved = cases.filter((c) => c.resolved_at);
  const items = [
    ["Events", events.length],
    ["Contacts", contacts ? contacts.inbound_contacts : 0],
    ["Repeat contacts", contacts ? contacts.repeat_contacts : 0],
    ["Channel switches", contacts ? contacts.channel_switches : 0],
    ["Abandoned", contacts ? contacts.abandoned : 0],
    ["Cases", `${cases.length} (${cases.length - resolved.length} open)`],
    ["Agents talked to", agents.size],
    ["Handoffs", cases.reduce((sum, c) => sum + c.handoffs, 0)],
    ["SLA breaches", breaches.length],
    ["Resolved first time", `${resolved.filter((c) => c.first_contact_resolution).length} of ${resolved.length}`],
  ];
  $("summary").replaceChildren(...items.flatMap(([term, value]) =>
    [el("div", {}, el("dt", {}, term), el("dd", {}, String(value)))]));
}

function renderCases(cases) {
  const rows = cases.map((c) => [
    el("button", { type: "button", class: "link", onclick: () => select({ kase: c }) }, c.case_id),
    channelName(c.channel), c.status, c.priority, utc(c.opened_at), utc(c.resolved_at),
    `${c.agents.length}`, `${c.handoffs}`, `${c.inbound_contacts}`, `${c.reopens}`,
    c.first_contact_resolution ? "yes" : "no", slaText(c.sla || []),
  ]);
  $("cases").replaceWith(Object.assign(table(null, ["Case", "Channel", "Status", "Priority",
    "Opened", "Resolved", "Agents", "Handoffs", "Contacts", "Reopens", "FCR", "SLA"], rows,
  [6, 7, 8, 9]), { id: "cases" }));
}

function slaText(metrics) {
  const breached = metrics.filter((m) => m.breached);
  return breached.length ? `⚠ breached: ${breached.map((m) => m.metric).join(", ")}` : "on time";
}

function renderEvents(events) {
  const rows = events.map((e) => [
    utc(e.occurred_at), channelName(e.channel),
    el("button", { type: "button", class: "link", onclick: () => select({ event: e }) }, describe(e)),
    e.case_id || "", e.agent_id || "", String(e.position), utc(e.recorded_at),
  ]);
  $("events").replaceWith(Object.assign(table(null, ["Occurred", "Channel", "Event", "Case",
    "Agent", "Position", "Recorded"], rows, [5]), { id: "events" }));
}

function select({ event, kase }) {
  const details = $("details");
  details.replaceChildren(...(event ? eventDetails(event) : caseDetails(kase)));
  for (const node of document.querySelectorAll("#timeline .selected")) node.classList.remove("selected");
  const selector = event ? `[data-position="${event.position}"]` : `.span[data-case="${CSS.escape(kase.case_id)}"]`;
  document.querySelector(`#timeline ${selector}`)?.classList.add("selected");
}

function pairs(entries) {
  return el("dl", { class: "pairs" }, entries.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([term, value]) => el("div", {}, el("dt", {}, term), el("dd", {}, String(value)))));
}

function eventDetails(event) {
  const data = Object.entries(event.data || {}).map(([k, v]) => [k, v]);
  const pii = event.pii ? Object.entries(event.pii) : null;
  return [
    el("h4", {}, describe(event)),
    pairs([["Event id", event.id], ["Type", event.type], ["Occurred", utc(event.occurred_at)],
      ["Recorded", utc(event.recorded_at)], ["Position", event.position],
      ["Channel", event.channel && channelName(event.channel)], ["Case", event.case_id],
      ["Agent", event.agent_id], ...data]),
    el("h5", {}, "Personal data"),
    pii && pii.length ? pairs(pii)
      : el("p", { class: "muted pii-hidden" }, "None shown: none was recorded, or your key lacks the pii scope."),
  ];
}

function caseDetails(kase) {
  const sla = (kase.sla || []).map((m) => [m.metric, m.policy, seconds(m.target_seconds), utc(m.due_at),
    utc(m.fulfilled_at), m.breached ? `⚠ breached ${utc(m.breached_at)}` : "on time"]);
  return [
    el("h4", {}, `Case ${kase.case_id}`),
    pairs([["Status", kase.status], ["Channel", channelName(kase.channel)], ["Priority", kase.priority],
      ["Opened", utc(kase.opened_at)], ["First response", utc(kase.first_response_at)],
      ["Resolved", utc(kase.resolved_at)], ["Assignee", kase.assignee],
      ["Agents", `${kase.agents.length}: ${kase.agents.join(", ")}`], ["Handoffs", kase.handoffs],
      ["Inbound contacts", kase.inbound_contacts], ["Repeat contacts", kase.repeat_contacts],
      ["Reopens", kase.reopens], ["First-contact resolution", kase.first_contact_resolution ? "yes" : "no"]]),
    table("SLA", ["Metric", "Policy", "Target", "Due", "Fulfilled", "State"], sla),
  ];
}

async function verify() {
  const out = $("verify-result");
  out.textContent = "Verifying…";
  try {
    const answer = await api(`/v1/audit/customers/${encodeURIComponent(state.customer)}/verify`);
    out.className = answer.ok ? "ok" : "bad";
    out.textContent = answer.ok
      ? `✔ Chain intact: ${answer.events} events verified.`
      : `✘ Chain broken at position ${answer.first_bad_position} (${answer.events} events read).`;
  } catch (error) {
    out.className = "bad";
    out.textContent = explain(error, "audit");
  }
}
