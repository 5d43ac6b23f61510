"""SLA metric instances of one case, evaluated at an instant (SPEC 5.2).

A pure function of the case's facts, a policy lookup and the evaluation
instant `at`; no clock reads. The policy is the one for the case's channel and
priority as known at `at`, applied to the whole history (SPEC 5.1: a priority
change re-evaluates the case from the start under the new policy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from journey.rules.calendar import Calendar
from journey.rules.cases import DONE_STATUSES, IGNORED_TYPES, CaseState, StatusChange, fold_case
from journey.rules.facts import Fact, in_order

METRICS = ("first_response", "next_response", "resolution")


class PolicyLike(Protocol):
    """What the evaluation needs of a SPEC 5.1 policy; targets in business seconds."""

    @property
    def name(self) -> str: ...

    @property
    def calendar(self) -> Calendar: ...

    @property
    def targets(self) -> Mapping[str, float]: ...


PolicyFor = Callable[[str | None, str], PolicyLike | None]


class SlaInstance(NamedTuple):
    """One metric instance as `GET /v1/cases/{case_id}` reports it (SPEC 8).
    Immutable; a named tuple because a rebuild makes a few per case."""

    metric: str
    policy: str
    start: datetime
    target_seconds: float
    due_at: datetime | None
    fulfilled_at: datetime | None
    breached: bool
    breached_at: datetime | None


def evaluate_sla(
    case: CaseState, facts: Sequence[Fact], policy_for: PolicyFor, at: datetime
) -> list[SlaInstance]:
    """Every SLA instance of `case` at `at`: first_response, next_response
    (one per gap, in order), resolution; only metrics the policy targets.

    `facts` are the case's facts (others are ignored). Facts that occurred after
    `at` are dropped and the case is then re-folded from the rest, so a caller
    that passes too much still gets the state at `at`. No policy: no SLA.
    """
    own = [f for f in facts if f.case_id == case.case_id and f.type not in IGNORED_TYPES]
    known = in_order([f for f in own if f.occurred_at <= at])
    if len(known) < len(own) or _knows_beyond(case, at):
        refolded = fold_case(known)
        if refolded is None:
            return []
        case = refolded
    return sla_instances(case, known, policy_for, at)


def sla_instances(
    case: CaseState, known: Sequence[Fact], policy_for: PolicyFor, at: datetime
) -> list[SlaInstance]:
    """`evaluate_sla` once `case` is the fold of `known`: the case's facts that
    occurred by `at` (erasure markers excepted), in (occurred_at, position) order."""
    policy = policy_for(case.channel, case.priority)
    if policy is None:
        return []
    targets = policy.targets
    instances: list[SlaInstance] = []
    if "first_response" in targets:
        start = case.opened_at
        reply = next(_replies_from(known, start), None)
        due = policy.calendar.deadline(start, targets["first_response"])
        instances.append(
            _judge("first_response", policy, start, targets["first_response"], due, reply, at)
        )
    if "next_response" in targets:
        target = targets["next_response"]
        for start, reply in _response_gaps(known):
            due = policy.calendar.deadline(start, target)
            instances.append(_judge("next_response", policy, start, target, due, reply, at))
    if "resolution" in targets:
        target = targets["resolution"]
        resolution_due = _resolution_due(case.status_periods, policy.calendar, target)
        resolved = case.resolved_at if case.status in DONE_STATUSES else None
        instances.append(
            _judge("resolution", policy, case.opened_at, target, resolution_due, resolved, at)
        )
    return instances


def _knows_beyond(case: CaseState, at: datetime) -> bool:
    """True when the folded state holds something that happened after `at`."""
    return case.opened_at > at or any(change.since > at for change in case.status_periods)


def _judge(
    metric: str,
    policy: PolicyLike,
    start: datetime,
    target: float,
    due_at: datetime | None,
    fulfilled_at: datetime | None,
    at: datetime,
) -> SlaInstance:
    """SPEC 5.2: breached at `at` exactly when due_at < min(at, fulfilled_at)."""
    if fulfilled_at is not None and fulfilled_at > at:
        fulfilled_at = None
    until = at if fulfilled_at is None else fulfilled_at
    breached = due_at is not None and due_at < until
    return SlaInstance(
        metric=metric,
        policy=policy.name,
        start=start,
        target_seconds=target,
        due_at=due_at,
        fulfilled_at=fulfilled_at,
        breached=breached,
        breached_at=due_at if breached else None,
    )


def _replies_from(ordered: Sequence[Fact], start: datetime) -> Iterator[datetime]:
    """Instants of the replies at or after `start`, in order."""
    for fact in ordered:
        if fact.type == "reply.outbound" and fact.occurred_at >= start:
            yield fact.occurred_at


def _response_gaps(ordered: Sequence[Fact]) -> Iterator[tuple[datetime, datetime | None]]:
    """(start, next reply) per run of non-abandoned contacts after a reply (SPEC 5.2)."""
    replied = False
    gap_start: datetime | None = None
    for fact in ordered:
        if fact.type == "reply.outbound":
            if gap_start is not None:
                yield gap_start, fact.occurred_at
                gap_start = None
            replied = True
        elif _is_served_contact(fact) and replied and gap_start is None:
            gap_start = fact.occurred_at
    if gap_start is not None:
        yield gap_start, None


def _is_served_contact(fact: Fact) -> bool:
    return fact.type == "contact.inbound" and not fact.is_abandoned_contact


def _resolution_due(
    periods: Sequence[StatusChange], calendar: Calendar, target: float
) -> datetime | None:
    """The resolution deadline: the clock runs only while the status is `open`.

    Within a finished `open` period that exceeds what is left of the target, the
    deadline lies inside it. When the last known status is `open`, the clock is
    assumed to keep running. When it is stopped and the target is not exceeded,
    there is no deadline (None).
    """
    remaining = target
    for index, change in enumerate(periods):
        if change.status != "open":
            continue
        if index + 1 == len(periods):
            return calendar.deadline(change.since, remaining)
        spent = calendar.business_seconds(change.since, periods[index + 1].since)
        if spent > remaining:
            return calendar.deadline(change.since, remaining)
        remaining -= spent
    return None
