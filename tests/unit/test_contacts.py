"""SPEC 4: repeat contacts and channel switches, by fixed examples and properties."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journey.rules.contacts import (
    DEFAULT_WINDOW,
    ContactCounts,
    ContactMark,
    classify_contacts,
    parse_window,
    summarise,
    summarise_by_day,
)
from journey.rules.facts import Fact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def contact(
    position: int,
    after: timedelta,
    channel: str = "email",
    *,
    abandoned: bool = False,
    customer: str = "cust-1",
) -> Fact:
    return Fact(
        position=position,
        type="contact.inbound",
        customer_id=customer,
        occurred_at=T0 + after,
        channel=channel,
        data={"abandoned": abandoned} if abandoned else {},
    )


def flags(marks: list[ContactMark]) -> list[tuple[int, bool, bool]]:
    return [(m.position, m.is_repeat, m.is_channel_switch) for m in marks]


def test_the_first_contact_is_not_a_repeat_and_a_later_one_within_the_window_is() -> None:
    marks = classify_contacts([contact(1, timedelta(0)), contact(2, timedelta(days=3))], WEEK)

    assert flags(marks) == [(1, False, False), (2, True, False)]


def test_a_preceding_contact_exactly_the_window_earlier_makes_a_repeat() -> None:
    exactly = classify_contacts([contact(1, timedelta(0)), contact(2, WEEK)], WEEK)
    just_over = classify_contacts(
        [contact(1, timedelta(0)), contact(2, WEEK + timedelta(microseconds=1))], WEEK
    )

    assert exactly[1].is_repeat is True
    assert just_over[1].is_repeat is False


def test_a_repeat_on_another_channel_than_the_preceding_contact_is_a_channel_switch() -> None:
    marks = classify_contacts(
        [
            contact(1, timedelta(0), "email"),
            contact(2, timedelta(days=1), "phone"),
            contact(3, timedelta(days=2), "email"),
            contact(4, timedelta(days=20), "chat"),
        ],
        WEEK,
    )

    # 3 switches although an earlier contact was on email: only the immediate predecessor counts;
    # 4 is on a new channel but not a repeat, so not a switch either
    assert flags(marks) == [(1, False, False), (2, True, True), (3, True, True), (4, False, False)]


def test_abandoned_contacts_are_contacts_here_and_make_the_next_one_a_repeat() -> None:
    marks = classify_contacts(
        [contact(1, timedelta(0), "phone", abandoned=True), contact(2, timedelta(hours=1), "chat")],
        WEEK,
    )

    assert [m.abandoned for m in marks] == [True, False]
    assert flags(marks) == [(1, False, False), (2, True, True)]
    assert summarise(marks) == ContactCounts(
        inbound_contacts=2, repeat_contacts=1, channel_switches=1, abandoned=1
    )


def test_contacts_at_the_same_instant_are_ordered_by_position() -> None:
    marks = classify_contacts(
        [contact(9, timedelta(0), "chat"), contact(4, timedelta(0), "phone")], WEEK
    )

    assert flags(marks) == [(4, False, False), (9, True, True)]


def test_other_facts_are_ignored_and_several_customers_are_refused() -> None:
    reply = Fact(1, "reply.outbound", "cust-1", T0, "email", "C1", "a1")

    assert classify_contacts([reply], WEEK) == []
    with pytest.raises(ValueError, match="several customers"):
        classify_contacts(
            [contact(1, timedelta(0)), contact(2, timedelta(1), customer="cust-2")], WEEK
        )


def test_the_default_window_is_seven_days() -> None:
    marks = classify_contacts([contact(1, timedelta(0)), contact(2, WEEK)])

    assert DEFAULT_WINDOW == WEEK
    assert marks[1].is_repeat is True


def test_counts_per_utc_day_and_channel() -> None:
    late_evening_in_moscow = datetime(2026, 3, 2, 1, 30, tzinfo=timezone(timedelta(hours=3)))
    first = contact(1, timedelta(0), "chat")
    early = Fact(2, "contact.inbound", "cust-1", late_evening_in_moscow, "chat")
    marks = classify_contacts([first, early, contact(3, timedelta(hours=1), "chat")], WEEK)

    by_day = summarise_by_day(marks)

    assert list(by_day) == [(date(2026, 3, 1), "chat"), (date(2026, 3, 2), "chat")]
    assert by_day[(date(2026, 3, 1), "chat")] == ContactCounts(1, 0, 0, 0)
    assert by_day[(date(2026, 3, 2), "chat")] == ContactCounts(2, 2, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("3600s", timedelta(seconds=3600)),
    ],
)
def test_parse_window_reads_days_hours_minutes_and_seconds(text: str, expected: timedelta) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize(
    "text", ["", "7", "d", "7w", "-1d", "0d", " 7d", "1.5h", "7D", "7 d", "99999999999999d"]
)
def test_parse_window_refuses_anything_else_naming_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="invalid window") as raised:
        parse_window(text)

    assert repr(text) in str(raised.value)


# --- properties ---------------------------------------------------------------


@st.composite
def contact_streams(draw: st.DrawFn) -> list[Fact]:
    count = draw(st.integers(min_value=0, max_value=12))
    positions = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    return [
        contact(
            position,
            timedelta(hours=draw(st.integers(min_value=0, max_value=400))),
            draw(st.sampled_from(["phone", "email", "chat"])),
            abandoned=draw(st.booleans()),
        )
        for position in positions
    ]


WINDOWS = st.integers(min_value=0, max_value=300).map(lambda h: timedelta(hours=h))


@given(contact_streams(), WINDOWS, st.randoms(use_true_random=False))
def test_classification_does_not_depend_on_arrival_order(
    facts: list[Fact], window: timedelta, rnd: random.Random
) -> None:
    shuffled = list(facts)
    rnd.shuffle(shuffled)

    assert classify_contacts(shuffled, window) == classify_contacts(facts, window)


@given(contact_streams(), WINDOWS, WINDOWS)
def test_a_wider_window_never_finds_fewer_repeats(
    facts: list[Fact], one: timedelta, other: timedelta
) -> None:
    narrow, wide = sorted([one, other])

    narrow_counts = summarise(classify_contacts(facts, narrow))
    wide_counts = summarise(classify_contacts(facts, wide))

    assert narrow_counts.repeat_contacts <= wide_counts.repeat_contacts
    assert narrow_counts.inbound_contacts == wide_counts.inbound_contacts == len(facts)


@given(contact_streams(), WINDOWS)
def test_every_switch_is_a_repeat_and_day_counts_add_up(
    facts: list[Fact], window: timedelta
) -> None:
    marks = classify_contacts(facts, window)

    assert all(m.is_repeat for m in marks if m.is_channel_switch)
    assert [m.position for m in marks] == [
        f.position for f in sorted(facts, key=lambda f: f.order_key)
    ]
    totals = summarise(marks)
    per_day = summarise_by_day(marks).values()
    assert sum(c.inbound_contacts for c in per_day) == totals.inbound_contacts
    assert sum(c.repeat_contacts for c in per_day) == totals.repeat_contacts
    assert sum(c.channel_switches for c in per_day) == totals.channel_switches
    assert sum(c.abandoned for c in per_day) == totals.abandoned
