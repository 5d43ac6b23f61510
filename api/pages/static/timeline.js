// The journey timeline: one lane per channel, cases as spans from open to
// resolution, events as focusable marks. Long quiet gaps are compressed: each
// step between two consecutive instants is one unit plus the log of its length.
// It opens scrolled to its newest end; earlier events are a scroll to the left.

import { CHANNELS, channelName, el, utc } from "./common.js";

const UNIT_PX = 20;
const LABEL_PX = 110;
const GLYPHS = {
  "contact.inbound": "●", "reply.outbound": "▲", "case.opened": "■", "case.assigned": "➜",
  "case.status_changed": "■", "case.priority_changed": "■", "survey.answered": "★",
  "self_service.used": "?",
};
const KINDS = {
  "contact.inbound": "inbound", "reply.outbound": "reply", "survey.answered": "survey",
  "self_service.used": "self",
};

/** Marks repeat contacts, channel switches (SPEC 4) and handoffs on the events, in place. */
export function annotate(events, windowSeconds) {
  let previous = null;
  const assignee = new Map();
  for (const event of events) {
    if (event.type === "contact.inbound") {
      const at = Date.parse(event.occurred_at);
      event.repeat = previous !== null && at - previous.at <= windowSeconds * 1000;
      event.channelSwitch = event.repeat && event.channel !== previous.channel;
      event.abandoned = Boolean(event.data && event.data.abandoned);
      previous = { at, channel: event.channel };
    }
    if (event.type === "case.assigned") {
      const before = assignee.get(event.case_id);
      event.handoff = before !== undefined && before !== event.agent_id;
      assignee.set(event.case_id, event.agent_id);
    }
  }
  return events;
}

const NAMES = {
  "contact.inbound": "contact", "reply.outbound": "reply", "case.opened": "case opened",
  "case.assigned": "case assigned", "case.status_changed": "status changed",
  "case.priority_changed": "priority changed", "survey.answered": "survey answered",
  "self_service.used": "self-service used", "identity.linked": "identity linked",
  "identity.unlinked": "identity unlinked", "customer.merged": "merged",
  "customer.unmerged": "unmerged",
};

/** A short phrase for an event: its kind and flags (used by the marks, the table, details). */
export function describe(event) {
  const data = event.data || {};
  const flags = [
    event.abandoned && "abandoned", event.repeat && "repeat contact",
    event.channelSwitch && "channel switch", event.handoff && "handoff",
    data.status && `to ${data.status}`, data.kind, data.into && `into ${data.into}`, data.priority && `priority ${data.priority}`,
    event.agent_id && event.type === "case.assigned" && `to ${event.agent_id}`,
  ].filter(Boolean);
  const name = NAMES[event.type] || event.type;
  return flags.length ? `${name} (${flags.join(", ")})` : name;
}

/** Draws the timeline into `container`; onSelect({event} | {kase}) on a click or Enter. */
export function renderTimeline(container, events, cases, end, onSelect) {
  const caseChannel = new Map(cases.map((c) => [c.case_id, c.channel]));
  const laneOf = (channel, caseId) => channel || caseChannel.get(caseId) || "";
  const breaches = cases.flatMap((kase) => (kase.sla || []).filter((m) => m.breached)
    .map((metric) => ({ kase, metric, at: metric.breached_at })));
  const x = compressedAxis([
    ...events.map((e) => e.occurred_at), ...cases.map((c) => c.opened_at),
    ...cases.map((c) => c.resolved_at), ...breaches.map((b) => b.at), end,
  ]);
  const lanes = new Map();
  const lane = (channel) => {
    if (!lanes.has(channel)) lanes.set(channel, { marks: [], spans: [] });
    return lanes.get(channel);
  };
  for (const event of events) {
    lane(laneOf(event.channel, event.case_id)).marks.push(eventMark(event, x, onSelect));
  }
  for (const { kase, metric, at } of breaches) {
    lane(laneOf(kase.channel, kase.case_id)).marks.push(breachMark(kase, metric, x(at), onSelect));
  }
  for (const kase of cases) {
    lane(laneOf(kase.channel, kase.case_id)).spans.push(caseSpan(kase, x, end, onSelect));
  }
  const order = [...CHANNELS, ""].filter((c) => lanes.has(c));
  const width = Math.max(container.clientWidth - LABEL_PX - 24, x.units * UNIT_PX + 40);
  const scale = (units) => 20 + (units / Math.max(x.units, 1)) * (width - 40);
  container.replaceChildren(
    ...order.map((channel) => laneRow(channel, lanes.get(channel), scale, width)),
    axisRow(x, scale, width),
  );
  container.onkeydown = (key) => moveFocus(container, key);
  container.onscroll = () => showWhatIsLeft(container);
  container.scrollLeft = container.scrollWidth; // opens at the newest end
  showWhatIsLeft(container);
}

/** While earlier events are scrolled out of view on the left, the frame says so (a fade
 * over the lanes' left edge and a hint), so a journey opened at its end reads as longer. */
function showWhatIsLeft(container) {
  const more = container.scrollLeft > 1;
  container.parentElement.classList.toggle("more-left", more);
  const hint = document.getElementById("timeline-earlier");
  if (hint) hint.hidden = !more;
}

function compressedAxis(instants) {
  const times = [...new Set(instants.filter(Boolean).map((i) => Date.parse(i)))].sort((a, b) => a - b);
  const units = new Map();
  let position = 0;
  times.forEach((time, i) => {
    if (i > 0) position += 1 + Math.log1p((time - times[i - 1]) / 60000) / 2;
    units.set(time, position);
  });
  const x = (instant) => units.get(Date.parse(instant)) ?? 0;
  x.units = position;
  x.times = times;
  return x;
}

function eventMark(event, x, onSelect) {
  const kind = KINDS[event.type] || "case";
  const classes = ["mark", kind, event.repeat && "repeat", event.abandoned && "abandoned",
    event.channelSwitch && "switch", event.handoff && "handoff"].filter(Boolean).join(" ");
  const glyph = event.abandoned ? "○" : GLYPHS[event.type] || "•";
  return {
    units: x(event.occurred_at),
    node: el("button", {
      type: "button", class: classes, "data-position": event.position,
      "aria-label": `${utc(event.occurred_at)}, ${channelName(event.channel)}, ${describe(event)}` +
        (event.case_id ? `, case ${event.case_id}` : "") + streamText(event),
      title: `${describe(event)} · ${utc(event.occurred_at)}`,
      onclick: () => onSelect({ event }),
    }, glyph, event.repeat ? el("sup", { "aria-hidden": "true" }, "↻") : null, streamTag(event)),
  };
}

/** A merged person's events carry their stream's letter (set by person.js). */
function streamTag(event) {
  return event.stream ? el("span", { class: "stream-tag", "aria-hidden": "true" }, event.stream) : null;
}

function streamText(event) {
  return event.stream ? `, stream ${event.stream} (${event.customer_id})` : "";
}

function breachMark(kase, metric, units, onSelect) {
  return {
    units,
    node: el("button", {
      type: "button", class: "mark breach", "data-case": kase.case_id,
      "aria-label": `${utc(metric.breached_at)}, SLA ${metric.metric} breached on case ${kase.case_id}` +
        ` (policy ${metric.policy})`,
      title: `${metric.metric} breached (${metric.policy})`,
      onclick: () => onSelect({ kase }),
    }, "⚠"),
  };
}

function caseSpan(kase, x, end, onSelect) {
  const breached = (kase.sla || []).some((m) => m.breached);
  const open = !kase.resolved_at;
  const text = `${kase.case_id} · ${kase.status}${breached ? " · ⚠ breached" : ""}` +
    ` · ${kase.agents.length} agent${kase.agents.length === 1 ? "" : "s"}`;
  return {
    from: x(kase.opened_at),
    to: x(open ? end : kase.resolved_at),
    node: el("button", {
      type: "button", class: `span${breached ? " breached" : ""}${open ? " open" : ""}`,
      "data-case": kase.case_id, title: text, "aria-label": `case ${text}`,
      onclick: () => onSelect({ kase }),
    }, text),
  };
}

function laneRow(channel, { marks, spans }, scale, width) {
  const rows = [];
  for (const span of spans.sort((a, b) => a.from - b.from)) {
    let row = rows.findIndex((lastEnd) => scale(span.from) > lastEnd + 4);
    if (row < 0) row = rows.push(0) - 1;
    rows[row] = scale(span.to) + 60;
    Object.assign(span.node.style, {
      left: `${scale(span.from)}px`, width: `${Math.max(scale(span.to) - scale(span.from), 12)}px`,
      top: `${4 + row * 20}px`,
    });
  }
  const markTop = 8 + rows.length * 20;
  for (const mark of marks) Object.assign(mark.node.style, { left: `${scale(mark.units)}px`, top: `${markTop}px` });
  const track = el("div", { class: "track" }, spans.map((s) => s.node),
    marks.sort((a, b) => a.units - b.units).map((m) => m.node));
  Object.assign(track.style, { width: `${width}px`, height: `${markTop + 30}px` });
  return el("div", { class: "lane", "data-channel": channel || "none" },
    el("div", { class: "lane-name" }, channelName(channel)), track);
}

function axisRow(x, scale, width) {
  const ticks = [];
  let lastDay = "";
  let lastPx = -Infinity;
  for (const time of x.times) {
    const day = new Date(time).toISOString().slice(0, 10);
    const px = scale(x(new Date(time).toISOString()));
    if (day !== lastDay && px - lastPx > 80) {
      const tick = el("span", { class: "tick" }, day);
      tick.style.left = `${px}px`;
      ticks.push(tick);
      lastPx = px;
    }
    lastDay = day;
  }
  const track = el("div", { class: "track axis", "aria-hidden": "true" }, ticks);
  track.style.width = `${width}px`;
  return el("div", { class: "lane" }, el("div", { class: "lane-name muted" }, "UTC day"), track);
}

function moveFocus(container, key) {
  const marks = [...container.querySelectorAll("button.mark")]
    .sort((a, b) => parseFloat(a.style.left) - parseFloat(b.style.left));
  const index = marks.indexOf(document.activeElement);
  const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: marks.length - 1 }[key.key];
  if (next === undefined || index < 0 && !["Home", "End"].includes(key.key)) return;
  const target = marks[Math.max(0, Math.min(marks.length - 1, next))];
  if (target) { key.preventDefault(); target.focus(); }
}
