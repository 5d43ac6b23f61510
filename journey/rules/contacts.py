"""Repeat contacts and channel switches across a customer's cases (SPEC 4).

Pure folds over one customer's facts, taken in (`occurred_at`, `position`)
order whatever order they arrive in (SPEC 2.3). Every inbound contact counts
here, abandoned ones included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from journey.rules.facts import Fact, in_order

DEFAULT_WINDOW = timedelta(days=7)
_WINDOW = re.compile(r"([0-9]+)([dhms])")
_UNIT_SECONDS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}


@dataclass(frozen=True, slots=True)
class ContactMark:
    """One inbound contact and how SPEC 4 classifies it."""

    position: int
    occurred_at: datetime
    channel: str | None
    abandoned: bool
    is_repeat: bool
    is_channel_switch: bool

    @property
    def day(self) -> date:
        """The UTC day the contact belongs to in the per-day counts."""
        return self.occurred_at.astimezone(UTC).date()


@dataclass(frozen=True, slots=True)
class ContactCounts:
    """SPEC 4 counts; `inbound_contacts` includes the abandoned ones."""

    inbound_contacts: int = 0
    repeat_contacts: int = 0
    channel_switches: int = 0
    abandoned: int = 0


def parse_window(value: str) -> timedelta:
    """Parse a repeat window such as `7d`, `24h`, `90m` or `3600s` (SPEC 4, 9)."""
    match = _WINDOW.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"invalid window {value!r}: expected a whole number followed by "
            "d, h, m or s, such as 7d, 24h, 90m or 3600s"
        )
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise ValueError(f"invalid window {value!r}: it must be longer than zero")
    try:
        return timedelta(seconds=amount * _UNIT_SECONDS[unit])
    except OverflowError:
        raise ValueError(f"invalid window {value!r}: it is too long") from None


def classify_contacts(
    facts: Sequence[Fact], window: timedelta = DEFAULT_WINDOW
) -> list[ContactMark]:
    """Mark each inbound contact of one customer as repeat and/or channel switch.

    A contact is a repeat when the immediately preceding inbound contact in
    (`occurred_at`, `position`) order lies no more than `window` earlier (a
    preceding contact exactly `window` earlier counts); a switch when it is a
    repeat and that preceding contact's channel differs. Non-contact facts are
    ignored; facts of several customers raise ValueError.
    """
    if window < timedelta(0):
        raise ValueError(f"window must not be negative, got {window}")
    contacts = in_order([f for f in facts if f.type == "contact.inbound"])
    customers = {f.customer_id for f in contacts}
    if len(customers) > 1:
        raise ValueError(f"classify_contacts got several customers: {sorted(customers)}")
    marks: list[ContactMark] = []
    previous: Fact | None = None
    for contact in contacts:
        repeat = previous is not None and contact.occurred_at - previous.occurred_at <= window
        switch = repeat and previous is not None and previous.channel != contact.channel
        marks.append(
            ContactMark(
                position=contact.position,
                occurred_at=contact.occurred_at,
                channel=contact.channel,
                abandoned=contact.is_abandoned_contact,
                is_repeat=repeat,
                is_channel_switch=switch,
            )
        )
        previous = contact
    return marks


def summarise(marks: Iterable[ContactMark]) -> ContactCounts:
    """The four SPEC 4 counts over some contact marks."""
    inbound = repeats = switches = abandoned = 0
    for mark in marks:
        inbound += 1
        repeats += mark.is_repeat
        switches += mark.is_channel_switch
        abandoned += mark.abandoned
    return ContactCounts(inbound, repeats, switches, abandoned)


def summarise_by_day(
    marks: Iterable[ContactMark],
) -> dict[tuple[date, str | None], ContactCounts]:
    """SPEC 4 counts per (UTC day, channel of the contact), keys in sorted order."""
    groups: dict[tuple[date, str | None], list[ContactMark]] = {}
    for mark in marks:
        groups.setdefault((mark.day, mark.channel), []).append(mark)
    ordered = sorted(groups, key=lambda key: (key[0], key[1] or ""))
    return {key: summarise(groups[key]) for key in ordered}
