"""SPEC 11: each field of the brief, defined from facts judged at `at`.

"In the N days up to `at`" is the closed interval [`at` - N days, `at`]: an
event exactly 7 (or 30) days before `at` counts, as SPEC 4's "no more than `W`
earlier" counts a contact exactly `W` earlier; one a microsecond older does
not. The facts are those the reading may see (occurred at or before `at`,
recorded at or before `as_of`): a caller that reads more (a projection holds
everything) gives only what the reading may see, or what the windows select.
Ties in "latest first" are broken by the later position (SPEC 2.3 order),
for cases by the larger case id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any

from journey.rules.cases import DONE_STATUSES
from journey.rules.contacts import ContactMark, summarise
from journey.rules.facts import Fact

SHORT = timedelta(days=7)  # contacts_7d, self_service
RECENT = timedelta(days=30)  # recent_cases, agents
CONTACT, REPLY, ASSIGNED = "contact.inbound", "reply.outbound", "case.assigned"
SELF_SERVICE, SURVEY = "self_service.used", "survey.answered"
MESSAGE_TYPES = (CONTACT, REPLY)  # recent_messages
TOUCH_TYPES = frozenset({ASSIGNED, REPLY})  # agents
MESSAGES = 5
Document = dict[str, Any]
_LATEST = attrgetter("occurred_at", "position")


def within(when: datetime, at: datetime, span: timedelta) -> bool:
    """`when` lies in the `span` up to `at`, both ends included."""
    return at - span <= when <= at


def open_cases(cases: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Cases (judged at `at`) neither resolved nor closed, latest `opened_at` first."""
    found = [c for c in cases if c["status"] not in DONE_STATUSES]
    return sorted(found, key=itemgetter("opened_at", "case_id"), reverse=True)


def recent_cases(cases: Iterable[Mapping[str, Any]], at: datetime) -> list[Mapping[str, Any]]:
    """Cases resolved or closed at `at` with `resolved_at` in the 30 days up to it,
    latest `resolved_at` first."""
    found = [
        c
        for c in cases
        if c["status"] in DONE_STATUSES
        and c["resolved_at"] is not None
        and within(c["resolved_at"], at, RECENT)
    ]
    return sorted(found, key=itemgetter("resolved_at", "case_id"), reverse=True)


def last_contact(facts: Iterable[Fact]) -> Document | None:
    """The latest inbound contact, abandoned ones included."""
    latest = _latest_of(facts, CONTACT)
    if latest is None:
        return None
    return {
        "occurred_at": latest.occurred_at,
        "channel": latest.channel,
        "case_id": latest.case_id,
        "abandoned": latest.is_abandoned_contact,
    }


def contacts_7d(marks: Iterable[ContactMark], at: datetime) -> Document:
    """SPEC 4 counts of the inbound contacts in the 7 days up to `at`, each marked
    across the whole person with the configured window (a contact's mark depends
    on contacts before it, which may lie outside the 7 days)."""
    recent = [m for m in marks if within(m.occurred_at, at, SHORT)]
    counts = summarise(recent)
    return {
        "inbound_contacts": counts.inbound_contacts,
        "repeat_contacts": counts.repeat_contacts,
        "channel_switches": counts.channel_switches,
        "abandoned": counts.abandoned,
        "channels": sorted({m.channel for m in recent if m.channel is not None}),
    }


def agents(facts: Iterable[Fact], at: datetime) -> list[str]:
    """Agents assigned to or replying on the person's cases by events in the 30
    days up to `at` (the events of the person's streams that name a case)."""
    return sorted(
        {
            f.agent_id
            for f in facts
            if f.type in TOUCH_TYPES
            and f.case_id is not None
            and f.agent_id is not None
            and within(f.occurred_at, at, RECENT)
        }
    )


def self_service(facts: Iterable[Fact], at: datetime) -> list[Document]:
    """Self-service uses in the 7 days up to `at`, latest first."""
    uses = [f for f in facts if f.type == SELF_SERVICE and within(f.occurred_at, at, SHORT)]
    return [
        {
            "occurred_at": f.occurred_at,
            "channel": f.channel,
            "article_id": f.data.get("article_id"),
            "helpful": f.data.get("helpful"),
        }
        for f in sorted(uses, key=_LATEST, reverse=True)
    ]


def last_survey(facts: Iterable[Fact]) -> Document | None:
    """The latest survey answer; figures not given are null."""
    latest = _latest_of(facts, SURVEY)
    if latest is None:
        return None
    return {
        "occurred_at": latest.occurred_at,
        "channel": latest.channel,
        "case_id": latest.case_id,
        **{figure: latest.data.get(figure) for figure in ("csat", "nps", "ces")},
    }


def _latest_of(facts: Iterable[Fact], kind: str) -> Fact | None:
    """The latest fact of type `kind` in (occurred_at, position) order, or None."""
    return max((f for f in facts if f.type == kind), key=_LATEST, default=None)
