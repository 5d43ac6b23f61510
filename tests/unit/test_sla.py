"""SPEC 5.2: SLA instances of a case, by fixed examples and properties."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from journey.rules.calendar import ALWAYS_OPEN, Calendar
from journey.rules.cases import CaseState, fold_case
from journey.rules.facts import Fact
from journey.rules.sla import PolicyLike, SlaInstance, evaluate_sla

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = 3600.0


class OfficeHours:
    """Test-only calendar: open 09:00-17:00 UTC, Monday to Friday."""

    name = "office"

    def _periods(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = since.date()
        while True:
            if day.weekday() < 5:
                opens = datetime.combine(day, time(9), tzinfo=UTC)
                yield opens, opens + timedelta(hours=8)
            day += timedelta(days=1)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        total = 0.0
        for opens, closes in self._periods(start):
            if opens >= end:
                return total
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        raise AssertionError("unreachable")

    def deadline(self, start: datetime, seconds: float) -> datetime:
        remaining = seconds
        for opens, closes in self._periods(start):
            begin = max(opens, start)
            if closes <= begin:
                continue
            available = (closes - begin).total_seconds()
            if remaining < available:
                return begin + timedelta(seconds=remaining)
            remaining -= available
        raise AssertionError("unreachable")


OFFICE = OfficeHours()


@dataclass(frozen=True)
class Policy:
    name: str
    calendar: Calendar
    targets: Mapping[str, float] = field(default_factory=dict)


def only(policy: PolicyLike | None) -> Any:
    return lambda channel, priority: policy


FAST = Policy(
    "chat-urgent",
    ALWAYS_OPEN,
    {"first_response": 5 * 60, "next_response": 10 * 60, "resolution": 4 * HOUR},
)
SLOW = Policy(
    "default",
    OFFICE,
    {"first_response": 8 * HOUR, "next_response": 8 * HOUR, "resolution": 2 * HOUR},
)


def by_priority(channel: str | None, priority: str) -> PolicyLike | None:
    return FAST if priority in ("urgent", "high") else SLOW


def at(minutes: float) -> datetime:
    return MONDAY + timedelta(minutes=minutes)


def ev(position: int, kind: str, minutes: float, **data: Any) -> Fact:
    agent = data.pop("agent", "a1" if kind in ("reply.outbound", "case.assigned") else None)
    channel = data.pop("channel", None if kind.startswith("case.") else "chat")
    if kind == "case.opened":
        channel = channel or "chat"
    return Fact(position, kind, "cust-1", at(minutes), channel, "C1", agent, data)


def evaluate(facts: list[Fact], when: datetime, policy_for: Any = by_priority) -> list[SlaInstance]:
    case = fold_case(facts)
    assert case is not None
    return evaluate_sla(case, facts, policy_for, when)


def metric(instances: list[SlaInstance], name: str) -> list[SlaInstance]:
    return [i for i in instances if i.metric == name]


URGENT_CHAT = [ev(1, "case.opened", 0, priority="urgent"), ev(2, "contact.inbound", 0)]


def test_a_reply_exactly_at_the_deadline_is_on_time() -> None:
    facts = [*URGENT_CHAT, ev(3, "reply.outbound", 5)]

    (first,) = metric(evaluate(facts, at(60)), "first_response")

    assert first == SlaInstance(
        metric="first_response",
        policy="chat-urgent",
        start=at(0),
        target_seconds=300,
        due_at=at(5),
        fulfilled_at=at(5),
        breached=False,
        breached_at=None,
    )


def test_a_reply_after_the_deadline_is_a_breach_at_the_deadline() -> None:
    facts = [*URGENT_CHAT, ev(3, "reply.outbound", 5.5)]

    (first,) = metric(evaluate(facts, at(60)), "first_response")

    assert (first.breached, first.breached_at, first.fulfilled_at) == (True, at(5), at(5.5))


def test_an_unanswered_instance_breaches_only_once_its_deadline_has_passed() -> None:
    (at_deadline,) = metric(evaluate(URGENT_CHAT, at(5)), "first_response")
    (after,) = metric(evaluate(URGENT_CHAT, at(5.01)), "first_response")

    assert (at_deadline.breached, at_deadline.due_at, at_deadline.fulfilled_at) == (
        False,
        at(5),
        None,
    )
    assert (after.breached, after.breached_at) == (True, at(5))


def test_response_deadlines_count_business_hours_only() -> None:
    friday_4pm = MONDAY + timedelta(days=4, hours=7)
    facts = [
        Fact(1, "case.opened", "cust-1", friday_4pm, "email", "C1"),
        Fact(2, "contact.inbound", "cust-1", friday_4pm, "email", "C1"),
    ]
    case = fold_case(facts)
    assert case is not None

    (first,) = metric(evaluate_sla(case, facts, by_priority, friday_4pm), "first_response")

    # one hour on Friday, seven on Monday
    assert first.due_at == MONDAY + timedelta(days=7, hours=7)


def test_a_target_reached_exactly_at_closing_is_due_at_the_next_opening() -> None:
    facts = [ev(1, "case.opened", 0, channel="email"), ev(2, "reply.outbound", 8 * 60 + 30)]

    (first,) = metric(evaluate(facts, at(24 * 60)), "first_response")

    assert first.due_at == at(24 * 60)
    assert (first.fulfilled_at, first.breached) == (at(510), False)


def test_next_response_has_one_instance_per_gap_from_its_first_contact() -> None:
    facts = [
        *URGENT_CHAT,
        ev(3, "contact.inbound", 1),
        ev(4, "reply.outbound", 2),
        ev(5, "contact.inbound", 10, abandoned=True),
        ev(6, "contact.inbound", 20),
        ev(7, "contact.inbound", 25),
        ev(8, "reply.outbound", 31),
        ev(9, "contact.inbound", 40),
    ]

    gaps = metric(evaluate(facts, at(60)), "next_response")

    assert [(g.start, g.due_at, g.fulfilled_at, g.breached_at) for g in gaps] == [
        (at(20), at(30), at(31), at(30)),
        (at(40), at(50), None, at(50)),
    ]


def test_the_resolution_clock_stops_while_waiting_for_the_customer() -> None:
    facts = [
        *URGENT_CHAT,
        ev(3, "case.status_changed", 60, status="pending_customer"),
        ev(4, "case.status_changed", 300, status="open"),
    ]

    (paused,) = metric(evaluate(facts[:3], at(400)), "resolution")
    (running,) = metric(evaluate(facts, at(400)), "resolution")

    assert (paused.due_at, paused.breached) == (None, False)
    assert (running.due_at, running.breached) == (at(480), False)
    assert metric(evaluate(facts, at(481)), "resolution")[0].breached_at == at(480)


def test_the_resolution_clock_counts_only_business_hours_while_open() -> None:
    facts = [
        ev(1, "case.opened", 7 * 60, channel="email"),
        ev(2, "case.status_changed", 7 * 60 + 30, status="pending_customer"),
        ev(3, "case.status_changed", 25 * 60, status="open"),
    ]

    (resolution,) = metric(evaluate(facts, at(25 * 60)), "resolution")

    # half an hour on Monday afternoon, the other 1.5 hours from Tuesday 10:00
    assert resolution.policy == "default"
    assert (resolution.due_at, resolution.breached) == (at(26 * 60 + 30), False)


def test_a_breach_before_a_pause_stays_a_breach() -> None:
    facts = [*URGENT_CHAT, ev(3, "case.status_changed", 300, status="on_hold")]

    (resolution,) = metric(evaluate(facts, at(600)), "resolution")

    assert (resolution.due_at, resolution.breached, resolution.breached_at) == (
        at(240),
        True,
        at(240),
    )


def test_resolving_fulfils_and_a_customer_reopen_unfulfils_with_the_clock_running_on() -> None:
    resolved = [*URGENT_CHAT, ev(3, "case.status_changed", 60, status="resolved")]
    reopened = [*resolved, ev(4, "contact.inbound", 120)]

    (done,) = metric(evaluate(resolved, at(500)), "resolution")
    (again,) = metric(evaluate(reopened, at(500)), "resolution")

    assert (done.fulfilled_at, done.due_at, done.breached) == (at(60), None, False)
    # one hour used before resolving, three left from the reopen
    assert (again.fulfilled_at, again.due_at) == (None, at(120 + 180))
    assert (again.breached, again.breached_at) == (True, at(300))


def test_a_target_used_up_exactly_before_a_pause_is_not_a_breach() -> None:
    facts = [*URGENT_CHAT, ev(3, "case.status_changed", 240, status="pending_customer")]

    (resolution,) = metric(evaluate(facts, at(1000)), "resolution")

    assert (resolution.due_at, resolution.breached) == (None, False)


def test_closing_fulfils_resolution_and_ignores_later_contacts() -> None:
    facts = [
        *URGENT_CHAT,
        ev(3, "case.status_changed", 30, status="closed"),
        ev(4, "contact.inbound", 50),
    ]

    (resolution,) = metric(evaluate(facts, at(1000)), "resolution")

    assert (resolution.fulfilled_at, resolution.due_at, resolution.breached) == (
        at(30),
        None,
        False,
    )


def test_a_priority_change_re_evaluates_the_whole_case_under_the_new_policy() -> None:
    facts = [*URGENT_CHAT, ev(3, "reply.outbound", 30)]
    lowered = [*facts, ev(4, "case.priority_changed", 40, priority="normal")]

    before = evaluate(lowered, at(35))
    after = evaluate(lowered, at(45))

    assert {i.policy for i in before} == {"chat-urgent"}
    assert metric(before, "first_response")[0].breached is True
    assert {i.policy for i in after} == {"default"}
    (first,) = metric(after, "first_response")
    assert (first.target_seconds, first.due_at, first.breached) == (8 * HOUR, at(24 * 60), False)


def test_a_case_no_policy_matches_has_no_sla_and_untargeted_metrics_are_not_tracked() -> None:
    assert evaluate(URGENT_CHAT, at(10), only(None)) == []

    first_only = Policy("first-only", ALWAYS_OPEN, {"first_response": 60.0})
    instances = evaluate(URGENT_CHAT, at(10), only(first_only))

    assert [i.metric for i in instances] == ["first_response"]


def test_the_policy_is_chosen_from_channel_and_priority() -> None:
    seen: list[tuple[str | None, str]] = []

    def record(channel: str | None, priority: str) -> PolicyLike | None:
        seen.append((channel, priority))
        return None

    evaluate([ev(1, "case.opened", 0, channel="email", priority="high")], at(1), record)

    assert seen == [("email", "high")]


def test_facts_after_the_evaluation_instant_are_not_used() -> None:
    facts = [
        *URGENT_CHAT,
        ev(3, "case.status_changed", 20, status="resolved"),
        ev(4, "reply.outbound", 30),
        ev(5, "case.priority_changed", 40, priority="normal"),
    ]
    case_now = fold_case(facts)
    assert case_now is not None

    from_everything = evaluate_sla(case_now, facts, by_priority, at(25))
    from_the_past = evaluate(facts[:3], at(25))

    assert from_everything == from_the_past
    assert metric(from_the_past, "first_response")[0].fulfilled_at is None


# --- properties ---------------------------------------------------------------


@st.composite
def sla_facts(draw: st.DrawFn) -> list[Fact]:
    count = draw(st.integers(min_value=1, max_value=12))
    positions = draw(st.lists(st.integers(2, 10_000), min_size=count, max_size=count, unique=True))
    facts = [ev(1, "case.opened", 0, priority=draw(st.sampled_from(["urgent", "normal"])))]
    for position in positions:
        minutes = draw(st.integers(min_value=0, max_value=600))
        kind = draw(
            st.sampled_from(
                [
                    "contact.inbound",
                    "reply.outbound",
                    "case.status_changed",
                    "case.priority_changed",
                ]
            )
        )
        data: dict[str, Any] = {}
        if kind == "contact.inbound":
            data["abandoned"] = draw(st.booleans())
        elif kind == "case.status_changed":
            data["status"] = draw(
                st.sampled_from(["open", "pending_customer", "on_hold", "resolved", "closed"])
            )
        elif kind == "case.priority_changed":
            data["priority"] = draw(st.sampled_from(["high", "low"]))
        facts.append(ev(position, kind, minutes, **data))
    return facts


WHEN = st.integers(min_value=0, max_value=3000).map(at)


@given(sla_facts(), WHEN, st.randoms(use_true_random=False))
def test_sla_does_not_depend_on_arrival_order(
    facts: list[Fact], when: datetime, rnd: random.Random
) -> None:
    shuffled = list(facts)
    rnd.shuffle(shuffled)

    assert evaluate(shuffled, when) == evaluate(facts, when)


@given(sla_facts(), WHEN)
def test_breached_exactly_when_the_deadline_precedes_fulfilment_or_now(
    facts: list[Fact], when: datetime
) -> None:
    known = [f for f in facts if f.occurred_at <= when]
    case: CaseState | None = fold_case(facts)
    assert case is not None

    instances = evaluate_sla(case, facts, by_priority, when)

    assert instances == evaluate(known, when)
    for instance in instances:
        until = min(when, instance.fulfilled_at or when)
        expected = instance.due_at is not None and instance.due_at < until
        assert instance.breached is expected
        assert instance.breached_at == (instance.due_at if expected else None)
        assert instance.fulfilled_at is None or instance.start <= instance.fulfilled_at <= when
