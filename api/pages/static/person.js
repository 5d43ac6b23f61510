// The journey page's person (SPEC 10): its streams (each with a letter, shown on
// its events too, and a box to hide its events), the identities they hold (values
// only for a key with the pii scope: the API leaves them out otherwise), the
// duplicate candidates with a confirmed "merge into this person", and an
// "unmerge" per merged stream. Merges are customer.merged / customer.unmerged
// events POSTed to /v1/events, so only a key with events:write is offered them.

import { ApiError, apiKey, el, explain, table, utc } from "./common.js";

const $ = (id) => document.getElementById(id);
const writers = new Map(); // key -> Promise<boolean>

/** Whether the key may append events: an empty batch is refused before it is read
 * (403) without the scope, and as empty (422) with it; nothing is ever written. */
export function canWrite() {
  const key = apiKey() || "";
  if (!writers.has(key)) {
    writers.set(key, fetch("/v1/events", {
      method: "POST", body: "[]",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    }).then((r) => r.status === 422, () => false));
  }
  return writers.get(key);
}

/** A letter per stream of the person (A for the person's own), in merged_ids order. */
export function streamLetters(person) {
  const ids = [person.resolved_id, ...person.merged_ids.filter((id) => id !== person.resolved_id)];
  return new Map(ids.map((id, i) => [id, String.fromCharCode(65 + (i % 26))]));
}

/** Marks each event with its stream's letter (when the person has several streams). */
export function tagStreams(events, letters) {
  for (const event of events) event.stream = letters.size > 1 ? letters.get(event.customer_id) : null;
  return events;
}

/** Draws the person. `actions`: { writable, shown: Set of stream ids, onFilter(),
 * onChanged(position) after a merge or an unmerge was stored }. */
export function renderPerson(person, letters, actions) {
  $("person").hidden = !person;
  if (!person) return;
  const others = person.merged_ids.length - 1;
  $("person-line").textContent = person.resolved_id === person.customer_id
    ? `${person.customer_id} is its own person` + (others ? ` with ${others} more stream${others === 1 ? "" : "s"} merged in.` : ".")
    : `${person.customer_id} is part of person ${person.resolved_id} (${person.merged_ids.length} streams).`;
  $("person-streams").replaceChildren(...[...letters].map(([id, letter]) => streamItem(id, letter, person, actions)));
  renderIdentities(person, letters);
  renderDuplicates(person, actions);
}

function streamItem(id, letter, person, actions) {
  const box = el("input", { type: "checkbox", id: `stream-${letter}`, checked: actions.shown.has(id),
    onchange: (event) => {
      if (event.target.checked) actions.shown.add(id); else actions.shown.delete(id);
      actions.onFilter();
    } });
  const own = id === person.resolved_id;
  return el("li", {}, box,
    el("label", { for: `stream-${letter}` }, el("span", { class: "stream-tag" }, letter), ` ${id}`,
      own ? el("span", { class: "muted" }, " (the person)") : null),
    !own && actions.writable ? el("button", { type: "button", class: "unmerge",
      onclick: () => unmerge(id, actions) }, `Unmerge ${id}`) : null);
}

function renderIdentities(person, letters) {
  const rows = person.identities.map((i) => [
    i.kind, i.value ?? el("span", { class: "muted" }, "hidden (needs pii)"),
    `${letters.get(i.customer_id) || "?"} · ${i.customer_id}`, utc(i.linked_at),
    i.shared ? "yes: shared or placeholder" : "no",
  ]);
  const shown = rows.length ? rows : [[el("span", { class: "muted" }, "No identities linked."), "", "", "", ""]];
  $("identities").replaceWith(Object.assign(
    table(null, ["Kind", "Value", "Stream", "Linked", "Shared"], shown), { id: "identities" }));
}

function renderDuplicates(person, actions) {
  const items = person.duplicates.map((other) => el("li", {}, el("span", {}, other),
    actions.writable ? el("button", { type: "button", class: "merge",
      "aria-label": `Merge ${other} into this person`, onclick: () => merge(other, person, actions) },
    "Merge into this person") : null));
  $("duplicates").replaceChildren(...(items.length ? items
    : [el("li", { class: "muted" }, "None: no other person shares an identity.")]));
  if (items.length && !actions.writable) {
    $("duplicates").append(el("li", { class: "muted" }, "Merging needs a key with the events:write scope."));
  }
}

async function merge(other, person, actions) {
  const ok = await confirmed(`Merge ${other} into ${person.resolved_id}?`,
    `Every stream of ${other} will read as part of person ${person.resolved_id}: its timeline, ` +
    "cases and repeat contacts. The streams are not rewritten; an unmerge undoes it.");
  if (ok) await append(other, "customer.merged", "merge", { into: person.resolved_id }, actions,
    `${other} merged into ${person.resolved_id}.`);
}

async function unmerge(id, actions) {
  const ok = await confirmed(`Unmerge ${id}?`, `${id} will be a person of its own again.`);
  if (ok) await append(id, "customer.unmerged", "unmerge", {}, actions, `${id} unmerged.`);
}

function confirmed(title, text) {
  const dialog = $("person-dialog");
  $("person-dialog-title").textContent = title;
  $("person-dialog-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close",
    () => resolve(dialog.returnValue === "confirm"), { once: true }));
}

async function append(customer, type, prefix, data, actions, done) {
  const out = $("person-result");
  out.className = "";
  out.textContent = "Saving…";
  const event = { id: `${prefix}:${uuid()}`, type, customer_id: customer,
    occurred_at: new Date(Date.now() - 1000).toISOString(), data };
  try {
    const response = await fetch("/v1/events", { method: "POST", body: JSON.stringify(event),
      headers: { Authorization: `Bearer ${apiKey() || ""}`, "Content-Type": "application/json" } });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, answer.title, answer.detail);
    out.className = "ok";
    out.textContent = `✔ ${done}`;
    actions.onChanged(answer.results[0].position);
  } catch (error) {
    out.className = "bad";
    out.textContent = explain(error, "events:write");
  }
}

function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
