"""SPEC 3: the case fold, by fixed examples and properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journey.rules.cases import StatusChange, fold_case
from journey.rules.facts import Fact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def minute(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def ev(
    position: int,
    kind: str,
    at_minute: float,
    *,
    channel: str | None = None,
    case: str | None = "C1",
    agent: str | None = None,
    customer: str = "cust-1",
    **data: Any,
) -> Fact:
    return Fact(
        position=position,
        type=kind,
        customer_id=customer,
        occurred_at=minute(at_minute),
        channel=channel,
        case_id=case,
        agent_id=agent,
        data=data,
    )


def test_case_opened_sets_start_channel_and_priority() -> None:
    case = fold_case([ev(1, "case.opened", 0, channel="email", priority="high")])

    assert case is not None
    assert (case.case_id, case.customer_id) == ("C1", "cust-1")
    assert (case.status, case.opened_at, case.channel, case.priority) == (
        "open",
        minute(0),
        "email",
        "high",
    )
    assert case.assignee is None and case.agents == () and case.handoffs == 0
    assert case.resolved_at is None and case.first_response_at is None
    assert case.first_contact_resolution is False


def test_a_contact_naming_an_unknown_case_opens_it_implicitly_with_normal_priority() -> None:
    case = fold_case([ev(1, "contact.inbound", 5, channel="chat")])

    assert case is not None
    assert (case.opened_at, case.channel, case.priority, case.status) == (
        minute(5),
        "chat",
        "normal",
        "open",
    )
    assert case.inbound_contacts == 1 and case.repeat_contacts == 0


def test_channel_comes_from_case_opened_even_when_an_earlier_event_has_another() -> None:
    case = fold_case(
        [ev(1, "contact.inbound", 0, channel="phone"), ev(2, "case.opened", 3, channel="email")]
    )

    assert case is not None
    assert case.opened_at == minute(0)
    assert case.channel == "email"


def test_channel_without_case_opened_is_the_earliest_event_that_has_one() -> None:
    case = fold_case(
        [
            ev(1, "case.assigned", 0, agent="a1"),
            ev(2, "contact.inbound", 2, channel="sms"),
            ev(3, "contact.inbound", 1, channel="web"),
        ]
    )

    assert case is not None
    assert case.opened_at == minute(0)
    assert case.channel == "web"


def test_an_abandoned_contact_neither_starts_the_case_nor_counts() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="phone", abandoned=True),
            ev(2, "contact.inbound", 10, channel="chat"),
        ]
    )

    assert case is not None
    assert case.opened_at == minute(10)
    assert case.channel == "chat"
    assert case.inbound_contacts == 1


def test_a_case_named_only_by_abandoned_contacts_exists_from_the_earliest_of_them() -> None:
    case = fold_case(
        [
            ev(2, "contact.inbound", 7, channel="chat", abandoned=True),
            ev(1, "contact.inbound", 4, channel="phone", abandoned=True),
        ]
    )

    assert case is not None
    assert (case.opened_at, case.channel, case.inbound_contacts) == (minute(4), "phone", 0)


def test_an_abandoned_contact_does_not_reopen_a_resolved_case() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="chat"),
            ev(2, "case.status_changed", 5, status="resolved"),
            ev(3, "contact.inbound", 9, channel="chat", abandoned=True),
        ]
    )

    assert case is not None
    assert (case.status, case.reopens, case.resolved_at) == ("resolved", 0, minute(5))
    assert case.first_contact_resolution is True


def test_resolving_on_the_only_contact_is_a_first_contact_resolution() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="phone"),
            ev(2, "reply.outbound", 2, channel="phone", agent="a1"),
            ev(3, "case.status_changed", 3, status="resolved"),
        ]
    )

    assert case is not None
    assert (case.status, case.resolved_at, case.first_response_at) == (
        "resolved",
        minute(3),
        minute(2),
    )
    assert case.first_contact_resolution is True
    assert case.agents == ("a1",)


def test_a_customer_contact_on_a_resolved_case_reopens_it() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="email"),
            ev(2, "case.status_changed", 5, status="resolved"),
            ev(3, "contact.inbound", 20, channel="email"),
        ]
    )

    assert case is not None
    assert (case.status, case.reopens, case.resolved_at) == ("open", 1, None)
    assert (case.inbound_contacts, case.repeat_contacts) == (2, 1)
    assert case.first_contact_resolution is False
    assert case.status_periods == (
        StatusChange(minute(0), "open"),
        StatusChange(minute(5), "resolved"),
        StatusChange(minute(20), "open"),
    )


def test_resolved_at_is_when_the_case_last_became_resolved() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="email"),
            ev(2, "case.status_changed", 5, status="resolved"),
            ev(3, "case.status_changed", 6, status="resolved"),
            ev(4, "case.status_changed", 8, status="on_hold"),
            ev(5, "case.status_changed", 9, status="resolved"),
            ev(6, "case.status_changed", 12, status="closed"),
        ]
    )

    assert case is not None
    assert (case.status, case.resolved_at, case.reopens) == ("closed", minute(9), 1)
    assert case.first_contact_resolution is False


@pytest.mark.parametrize("left_for", ["open", "pending_customer", "on_hold"])
def test_leaving_resolved_for_any_working_status_is_a_reopen(left_for: str) -> None:
    case = fold_case(
        [
            ev(1, "case.opened", 0, channel="web"),
            ev(2, "case.status_changed", 1, status="resolved"),
            ev(3, "case.status_changed", 2, status=left_for),
        ]
    )

    assert case is not None
    assert (case.status, case.reopens, case.resolved_at) == (left_for, 1, None)


def test_closing_without_passing_through_resolved_sets_resolved_at_to_the_closing() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="sms"),
            ev(2, "case.status_changed", 3, status="pending_customer"),
            ev(3, "case.status_changed", 30, status="closed"),
        ]
    )

    assert case is not None
    assert (case.status, case.resolved_at, case.first_contact_resolution) == (
        "closed",
        minute(30),
        True,
    )


def test_closed_is_final_for_status_changes_and_contacts() -> None:
    case = fold_case(
        [
            ev(1, "contact.inbound", 0, channel="chat"),
            ev(2, "case.status_changed", 4, status="closed"),
            ev(3, "case.status_changed", 6, status="open"),
            ev(4, "contact.inbound", 8, channel="chat"),
        ]
    )

    assert case is not None
    assert (case.status, case.resolved_at, case.reopens) == ("closed", minute(4), 0)
    # the late contact still happened on this case: it counts, and spoils FCR
    assert case.inbound_contacts == 2
    assert case.first_contact_resolution is False


def test_a_case_without_any_inbound_contact_is_not_a_first_contact_resolution() -> None:
    case = fold_case(
        [ev(1, "case.opened", 0, channel="email"), ev(2, "case.status_changed", 1, status="closed")]
    )

    assert case is not None
    assert case.status == "closed"
    assert case.first_contact_resolution is False


def test_handoffs_count_changes_of_an_existing_assignee_and_agents_are_distinct() -> None:
    case = fold_case(
        [
            ev(1, "case.opened", 0, channel="phone"),
            ev(2, "case.assigned", 1, agent="zoe"),
            ev(3, "case.assigned", 2, agent="zoe"),
            ev(4, "case.assigned", 3, agent="adam"),
            ev(5, "reply.outbound", 4, channel="phone", agent="max"),
            ev(6, "case.assigned", 5, agent="zoe"),
        ]
    )

    assert case is not None
    assert case.assignee == "zoe"
    assert case.handoffs == 2
    assert case.agents == ("adam", "max", "zoe")


def test_priority_is_normal_until_set_and_then_the_latest() -> None:
    events = [
        ev(1, "contact.inbound", 0, channel="chat"),
        ev(2, "case.priority_changed", 3, priority="urgent"),
        ev(3, "case.priority_changed", 2, priority="low"),
    ]

    first = fold_case(events[:1])
    latest = fold_case(events)

    assert first is not None and latest is not None
    assert (first.priority, latest.priority) == ("normal", "urgent")


def test_position_breaks_ties_between_events_that_occurred_at_the_same_instant() -> None:
    contact = ev(1, "contact.inbound", 0, channel="chat")
    resolve_then_contact = fold_case(
        [contact, ev(2, "case.status_changed", 5, status="resolved"), ev(3, "contact.inbound", 5)]
    )
    contact_then_resolve = fold_case(
        [contact, ev(3, "case.status_changed", 5, status="resolved"), ev(2, "contact.inbound", 5)]
    )

    assert resolve_then_contact is not None and contact_then_resolve is not None
    assert (resolve_then_contact.status, resolve_then_contact.reopens) == ("open", 1)
    assert (contact_then_resolve.status, contact_then_resolve.reopens) == ("resolved", 0)


def test_facts_without_a_case_and_erasures_are_ignored() -> None:
    assert fold_case([]) is None
    assert fold_case([ev(1, "survey.answered", 0, channel="web", case=None, csat=5)]) is None
    case = fold_case([ev(1, "contact.inbound", 0, channel="web"), ev(2, "personal_data.erased", 1)])
    assert case is not None and case.status_periods == (StatusChange(minute(0), "open"),)


def test_facts_of_several_cases_are_refused() -> None:
    with pytest.raises(ValueError, match="several cases"):
        fold_case([ev(1, "contact.inbound", 0, channel="web", case="A"), ev(2, "case.opened", 1)])


# --- properties ---------------------------------------------------------------

AGENTS = st.sampled_from(["a1", "a2", "a3"])
CHANNELS = st.sampled_from(["phone", "email", "chat"])


@st.composite
def case_facts(draw: st.DrawFn) -> list[Fact]:
    """Plausible facts of one case, with many equal instants to exercise ties."""
    count = draw(st.integers(min_value=1, max_value=14))
    positions = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    facts: list[Fact] = []
    for position in positions:
        kind = draw(
            st.sampled_from(
                [
                    "contact.inbound",
                    "reply.outbound",
                    "case.opened",
                    "case.assigned",
                    "case.status_changed",
                    "case.priority_changed",
                ]
            )
        )
        at = draw(st.integers(min_value=0, max_value=20))
        data: dict[str, Any] = {}
        channel: str | None = draw(CHANNELS)
        agent: str | None = None
        if kind == "contact.inbound":
            data["abandoned"] = draw(st.booleans())
        elif kind in ("reply.outbound", "case.assigned"):
            agent = draw(AGENTS)
            channel = channel if kind == "reply.outbound" else None
        elif kind == "case.status_changed":
            data["status"] = draw(
                st.sampled_from(["open", "pending_customer", "on_hold", "resolved", "closed"])
            )
            channel = None
        elif kind in ("case.opened", "case.priority_changed"):
            data["priority"] = draw(st.sampled_from(["low", "normal", "high", "urgent"]))
        facts.append(ev(position, kind, at, channel=channel, agent=agent, **data))
    return facts


@given(case_facts(), st.randoms(use_true_random=False))
def test_the_case_fold_does_not_depend_on_arrival_order(
    facts: list[Fact], rnd: random.Random
) -> None:
    shuffled = list(facts)
    rnd.shuffle(shuffled)

    assert fold_case(shuffled) == fold_case(facts)


@given(case_facts())
def test_equal_instants_are_folded_in_position_order(facts: list[Fact]) -> None:
    # given the same facts re-timed so that every one has its own instant,
    # in the same (occurred_at, position) order
    ordered = sorted(facts, key=lambda f: f.order_key)
    spread = [
        ev(f.position, f.type, rank, channel=f.channel, agent=f.agent_id, **dict(f.data))
        for rank, f in enumerate(ordered)
    ]

    tied, apart = fold_case(facts), fold_case(spread)

    assert tied is not None and apart is not None
    for name in ("status", "priority", "assignee", "handoffs", "agents", "inbound_contacts"):
        assert getattr(tied, name) == getattr(apart, name)
    assert (tied.reopens, tied.first_contact_resolution) == (
        apart.reopens,
        apart.first_contact_resolution,
    )
    assert [c.status for c in tied.status_periods] == [c.status for c in apart.status_periods]


@given(case_facts())
def test_case_invariants_hold(facts: list[Fact]) -> None:
    case = fold_case(facts)

    assert case is not None
    assert (case.resolved_at is not None) == (case.status in ("resolved", "closed"))
    assert case.repeat_contacts == max(0, case.inbound_contacts - 1)
    assert list(case.agents) == sorted(set(case.agents))
    assert case.handoffs <= sum(f.type == "case.assigned" for f in facts)
    if case.first_contact_resolution:
        assert case.inbound_contacts == 1 and case.reopens == 0
    assert case.status_periods[0] == StatusChange(case.opened_at, "open")
    assert case.status_periods[-1].status == case.status
    if "closed" in [c.status for c in case.status_periods]:
        assert case.status == "closed"
