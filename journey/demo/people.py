"""The generated customers' identities and merges (SPEC 10).

Each customer links an e-mail address, most a phone number, some a messenger
handle; now and then one changes phone (the old number unlinked). About one
customer in eight is a CRM's second record of the person before: it links one
of that person's identities, spelled its own way (`+7 912 345-67-89` beside
`+79123456789`), so the two are duplicate candidates. A person's first second
record is often merged into it after both have been active, and one merge in
three is found wrong and unmerged later; a further record stays a candidate.

Drawn from a random generator of its own, so a seed's cases and contacts are
the same with or without identities."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

Event = dict[str, Any]
DUPLICATE_SHARE = 0.12
MERGED_SHARE = 0.6
UNMERGED_SHARE = 0.3


@dataclass
class _Family:
    """A person's first record, its identities, and its second records so far."""

    customer: str
    identities: list[tuple[str, str]]  # (kind, value as first linked)
    last: datetime
    records: list[str] = field(default_factory=list)
    merged: bool = False


class People:
    def __init__(self, seed: int, end: datetime):
        self._rng = random.Random(f"identities:{seed}")
        self._end = end
        self._family: _Family | None = None

    def identities(self, customer: str, events: list[Event]) -> Iterator[Event]:
        """The customer's identity events, and its merges when it is a second record."""
        if not events:
            return
        instants = sorted(_instant(e) for e in events)
        first, last = instants[0] - timedelta(minutes=5), instants[-1]
        email = next(e["pii"]["email"] for e in events if "email" in e.get("pii", {}))
        family = self._family
        if family is not None and len(family.records) < 2 and self._rng.random() < DUPLICATE_SHARE:
            yield from self._second_record(family, customer, email, first, last)
            return
        own = self._own_identities(customer, email)
        self._family = _Family(customer, own, last)
        for number, (kind, value) in enumerate(own):
            yield _link(customer, f"{customer}-id-{number}", kind, value, first)
        if len(own) > 1 and own[1][0] == "phone" and self._rng.random() < 0.08:
            changed = first + (last - first) / 2
            yield _link(customer, f"{customer}-id-old", "phone", own[1][1], changed, unlink=True)
            new = _phone(self._rng)
            self._family.identities[1] = ("phone", new)
            yield _link(customer, f"{customer}-id-new", "phone", new, changed)

    def _own_identities(self, customer: str, email: str) -> list[tuple[str, str]]:
        rng = self._rng
        own = [("email", email)]
        if rng.random() < 0.7:
            own.append(("phone", _phone(rng)))
        if rng.random() < 0.3:
            name = email.split(".")[0]
            own.append(
                ("handle", f"{rng.choice(('telegram', 'whatsapp'))}:@{name}_{customer[-4:]}")
            )
        return own

    def _second_record(
        self, family: _Family, customer: str, email: str, first: datetime, last: datetime
    ) -> Iterator[Event]:
        rng = self._rng
        family.records.append(customer)
        kind, value = rng.choice(family.identities)
        yield _link(customer, f"{customer}-id-0", kind, _respelled(kind, value), first)
        yield _link(customer, f"{customer}-id-1", "email", email, first)
        if family.merged or rng.random() >= MERGED_SHARE:
            return
        latest = self._end - timedelta(minutes=10)
        merged_at = min(max(last, family.last) + timedelta(hours=rng.expovariate(1 / 48)), latest)
        yield _event(
            customer, f"{customer}-merge", "customer.merged", merged_at, into=family.customer
        )
        family.merged = True
        unmerged_at = merged_at + timedelta(hours=rng.expovariate(1 / 24))
        if rng.random() < UNMERGED_SHARE and unmerged_at < latest:
            yield _event(customer, f"{customer}-unmerge", "customer.unmerged", unmerged_at)


def _phone(rng: random.Random) -> str:
    digits = f"{rng.randrange(10**9):09d}"
    return f"+7 9{digits[:2]} {digits[2:5]}-{digits[5:7]}-{digits[7:]}"


def _respelled(kind: str, value: str) -> str:
    """The same identity as another system would write it."""
    if kind == "phone":
        return "".join(c for c in value if c == "+" or c.isdigit())
    if kind == "handle":
        platform, name = value.split(":", 1)
        return f"{platform.capitalize()}:{name.upper()}"
    return value.upper()


def _instant(event: Event) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(
    customer: str, event_id: str, kind: str, value: str, at: datetime, unlink: bool = False
) -> Event:
    return {
        "id": event_id,
        "type": "identity.unlinked" if unlink else "identity.linked",
        "customer_id": customer,
        "occurred_at": _stamp(at),
        "data": {"kind": kind},
        "pii": {"value": value},
    }


def _event(customer: str, event_id: str, kind: str, at: datetime, **data: str) -> Event:
    return {
        "id": event_id,
        "type": kind,
        "customer_id": customer,
        "occurred_at": _stamp(at),
        "data": data,
    }
