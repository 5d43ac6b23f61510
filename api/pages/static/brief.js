// The agent's brief (SPEC 11) at the top of the journey page: what the person
// already went through, so no one asks them to tell it again.

import { channelName, el, utc } from "./common.js";
import { describe } from "./timeline.js";

/** Fills `container` with the brief's cards; `select(event or case)` opens details. */
export function renderBrief(container, brief, select) {
  if (!brief) {
    container.replaceChildren(el("p", { class: "muted" }, "No brief: nothing was known then."));
    return;
  }
  container.replaceChildren(
    card("Open cases", brief.open_cases.length
      ? list(brief.open_cases.map((c) => caseLine(c, select)))
      : none("No open case.")),
    card("What they already told us", brief.recent_messages.length
      ? list(brief.recent_messages.map((m) => messageLine(m, select)))
      : none("No message yet.")),
    card("Last contact and the last 7 days", contactLines(brief)),
    card("Agents already involved (30 days)", brief.agents.length
      ? el("p", {}, brief.agents.join(", ")) : none("No agent yet.")),
    card("Articles they tried (7 days)", brief.self_service.length
      ? list(brief.self_service.map(articleLine)) : none("No self-service use.")),
    card("Last survey", brief.last_survey ? surveyLine(brief.last_survey) : none("No survey answered.")),
    card("Resolved in the last 30 days", brief.recent_cases.length
      ? list(brief.recent_cases.map((c) => el("li", {}, caseButton(c, select),
        ` ${c.status} ${utc(c.resolved_at)}`))) : none("Nothing resolved lately.")),
  );
}

function card(title, body) {
  return el("section", { class: "card", "aria-label": title }, el("h4", {}, title), body);
}

function list(items) {
  return el("ul", { class: "plain" }, items);
}

function none(text) {
  return el("p", { class: "muted" }, text);
}

function caseButton(kase, select) {
  return el("button", { type: "button", class: "link", onclick: () => select({ kase }) }, kase.case_id);
}

function caseLine(kase, select) {
  const due = (kase.sla || []).filter((m) => !m.fulfilled_at && m.due_at);
  const next = due.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at))[0];
  const sla = next ? `${next.breached ? "⚠ overdue" : "due"} ${next.metric.replace("_", " ")} ${utc(next.due_at)}`
    : "no SLA due";
  return el("li", { class: next && next.breached ? "late" : null }, caseButton(kase, select),
    ` ${kase.status}, ${kase.priority}, ${channelName(kase.channel)}`,
    el("br"), el("span", { class: "muted" }, sla));
}

function messageLine(message, select) {
  const said = message.pii ? Object.values(message.pii).join(" · ") : null;
  return el("li", {},
    el("button", { type: "button", class: "link", onclick: () => select({ event: message }) },
      describe(message)),
    ` ${utc(message.occurred_at)}`,
    said ? el("q", { class: "said" }, said)
      : el("span", { class: "muted pii-hidden" }, " (text needs the pii scope)"));
}

function contactLines({ last_contact: last, contacts_7d: week }) {
  const lastText = last
    ? `${channelName(last.channel)} ${utc(last.occurred_at)}${last.abandoned ? ", abandoned" : ""}` +
      `${last.case_id ? `, case ${last.case_id}` : ""}` : "none";
  return el("dl", { class: "pairs" },
    pair("Last contact", lastText),
    pair("Contacts", week.inbound_contacts),
    pair("Repeats", week.repeat_contacts),
    pair("Channel switches", week.channel_switches),
    pair("Abandoned", week.abandoned),
    pair("Channels", week.channels.map(channelName).join(", ") || "none"));
}

function pair(term, value) {
  return el("div", {}, el("dt", {}, term), el("dd", {}, String(value)));
}

function articleLine(use) {
  const verdict = use.helpful === null ? "" : use.helpful ? ", helpful" : ", not helpful";
  return el("li", {}, `${use.article_id} (${channelName(use.channel)}) ${utc(use.occurred_at)}${verdict}`);
}

function surveyLine(survey) {
  const figures = [["CSAT", survey.csat], ["NPS", survey.nps], ["CES", survey.ces]]
    .filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v}`).join(", ");
  return el("p", {}, `${figures} by ${channelName(survey.channel)} ${utc(survey.occurred_at)}` +
    (survey.case_id ? ` on case ${survey.case_id}` : ""));
}
