"""What a read answers (SPEC 8), from facts, through the pure folds.

Projections and bitemporal replays both call these functions, so an answer
computed from the projection tables and one replayed from the stored events
can never disagree. Timestamps stay datetimes here; the API renders them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from journey.identities.persons import classify_person_contacts
from journey.reading.persons import Person
from journey.rules.cases import CaseState, case_facts, fold_ordered
from journey.rules.contacts import ContactCounts, summarise
from journey.rules.facts import Fact
from journey.rules.sla import PolicyFor, SlaInstance, sla_instances

FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
CASE_FIELDS = (
    "case_id",
    "customer_id",
    "status",
    "opened_at",
    "channel",
    "priority",
    "assignee",
    "handoffs",
    "agents",
    "inbound_contacts",
    "repeat_contacts",
    "first_response_at",
    "reopens",
    "resolved_at",
    "first_contact_resolution",
)


@dataclass(frozen=True)
class CaseReading:
    state: CaseState
    sla: list[SlaInstance]


def read_case(
    facts: Sequence[Fact], policy_for: PolicyFor, at: datetime | None = None
) -> CaseReading | None:
    """The case as its facts that occurred by `at` make it; SLA clocks judged at `at`
    (with no `at`, as of the end of time: what a projection stores)."""
    when = at or FAR_FUTURE
    known = case_facts([f for f in facts if f.occurred_at <= when])
    state = fold_ordered(known)
    if state is None:
        return None
    return CaseReading(state, sla_instances(state, known, policy_for, when))


def is_breached(due_at: datetime | None, fulfilled_at: datetime | None, at: datetime) -> bool:
    """SPEC 5.2: breached at T exactly when due_at < min(T, fulfilled_at)."""
    return due_at is not None and due_at < min(at, fulfilled_at or at)


def sla_document(instance: SlaInstance, at: datetime) -> dict[str, Any]:
    breached = is_breached(instance.due_at, instance.fulfilled_at, at)
    return {
        "metric": instance.metric,
        "policy": instance.policy,
        "start": instance.start,
        "target_seconds": int(instance.target_seconds),
        "due_at": instance.due_at,
        "fulfilled_at": instance.fulfilled_at,
        "breached": breached,
        "breached_at": instance.due_at if breached else None,
    }


def case_document(reading: CaseReading, at: datetime) -> dict[str, Any]:
    """The SPEC 8 answer of `GET /v1/cases/{case_id}`, breaches judged at `at`."""
    fields = {name: getattr(reading.state, name) for name in CASE_FIELDS}
    return stored_case_document(fields, reading.sla, at)


def stored_case_document(
    fields: Mapping[str, Any], sla: Sequence[SlaInstance], at: datetime
) -> dict[str, Any]:
    """The same answer from stored case fields (a projection row) and SLA instances."""
    document: dict[str, Any] = {name: fields[name] for name in CASE_FIELDS}
    document["agents"] = sorted(fields["agents"])
    document["sla"] = [sla_document(i, at) for i in sla]
    return document


def contacts_document(person: Person, facts: Sequence[Fact], window: timedelta) -> dict[str, Any]:
    """The answer of `GET /v1/customers/{id}/contacts`: SPEC 4 counts over the
    facts of the person's streams, each contact judged across them (SPEC 10.3)."""
    counts = summarise([c.mark for c in classify_person_contacts(facts, window)])
    return counts_document(person, counts, window)


def counts_document(person: Person, counts: ContactCounts, window: timedelta) -> dict[str, Any]:
    return {
        "customer_id": person.customer_id,
        "resolved_id": person.resolved_id,
        "window_seconds": int(window.total_seconds()),
        "inbound_contacts": counts.inbound_contacts,
        "repeat_contacts": counts.repeat_contacts,
        "channel_switches": counts.channel_switches,
        "abandoned": counts.abandoned,
    }
