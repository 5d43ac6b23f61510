"""The identities and persons the identity benchmarks read and merge (SPEC 10),
made here as JSON Lines and appended to a generated store through the product:

- `customers` customers who each link a phone number and an e-mail address,
  every tenth also the phone of the one before it (a duplicates group);
- two persons of `PERSON_EVENTS` events each, on `STREAMS` streams joined by
  merges into the first, each stream linking an identity of its own; the
  benchmark merges the second person into the first and back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import psycopg

from bench.grown import COPY_ROWS

PERSON_EVENTS = 1_000
STREAMS = 3
PERSONS = ("bench-person-a", "bench-person-b")  # the root stream of each person
CHANNELS = ("phone", "email", "chat", "messenger", "web")
KINDS = ("phone", "email", "handle")
FIRST = datetime(2026, 1, 5, tzinfo=UTC)  # the persons' contacts: an hour apart from here


def layer_size(customers: int) -> int:
    return 2 * customers + customers // 10 + len(PERSONS) * PERSON_EVENTS


def layer_lines(customers: int) -> Iterator[bytes]:
    """The whole layer, `layer_size(customers)` events."""
    for n in range(customers):
        yield _line(_linked(customer(n), f"idc-{n}-phone", "phone", phone(n)))
        yield _line(_linked(customer(n), f"idc-{n}-email", "email", email(n)))
        if n % 10 == 1:
            yield _line(_linked(customer(n), f"idc-{n}-shared", "phone", phone(n - 1)))
    for index, root in enumerate(PERSONS):
        yield from (_line(event) for event in person_events(root, index))


def customer(n: int) -> str:
    return f"bench-idc-{n}"


def phone(n: int) -> str:
    return f"+1 555 {n:07d}"


def email(n: int) -> str:
    return f"c{n}@bench.example.com"


def streams(root: str) -> list[str]:
    return [root] + [f"{root}-{s}" for s in range(1, STREAMS)]


def person_events(root: str, index: int) -> list[dict[str, Any]]:
    """`PERSON_EVENTS` events of one person: an identity per stream, the merges
    joining its streams, the rest inbound contacts, the streams in turn."""
    names = streams(root)
    events: list[dict[str, Any]] = []
    for s, stream in enumerate(names):
        value = {"phone": phone(900_000 + index), "email": email(900_000 + index)}.get(
            KINDS[s], f"telegram:{root}"
        )
        events.append(_linked(stream, f"{stream}-identity", KINDS[s], value))
    for stream in names[1:]:
        events.append(_event(stream, f"{stream}-joined", "customer.merged", FIRST, into=root))
    for n in range(PERSON_EVENTS - len(events)):
        stream = names[n % len(names)]
        at = FIRST + timedelta(hours=n, minutes=index)
        contact = _event(stream, f"{root}-contact-{n}", "contact.inbound", at)
        events.append(contact | {"channel": CHANNELS[n % len(CHANNELS)]})
    return events


def person_contacts() -> int:
    return PERSON_EVENTS - 2 * STREAMS + 1


def merge(n: int, into: str | None) -> dict[str, Any]:
    """The `n`-th merge of the second person into the first (`into`), or its unmerge."""
    kind = "customer.merged" if into else "customer.unmerged"
    now = datetime.now(UTC)
    return _event(PERSONS[1], f"bench-merge-{n}-{bool(into)}", kind, now, into=into)


def grow_to(conn: psycopg.Connection[Any], rows: int, target: int) -> None:
    """Copy the first `rows` positions (`bench.grown`'s copies, new ids) until the
    store holds `target` events; the last copy may be partial."""
    stored = rows
    copy = 0
    while stored < target:
        copy += 1
        take = min(rows, target - stored)
        with conn.transaction():
            conn.execute(COPY_ROWS, {"suffix": f"~{copy}", "shift": stored, "rows": take})
        stored += take


def _linked(stream: str, event_id: str, kind: str, value: str) -> dict[str, Any]:
    event = _event(stream, event_id, "identity.linked", FIRST - timedelta(days=1))
    return event | {"data": {"kind": kind}, "pii": {"value": value}}


def _event(
    stream: str, event_id: str, kind: str, at: datetime, into: str | None = None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id,
        "type": kind,
        "customer_id": stream,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    return event | ({"data": {"into": into}} if into else {})


def _line(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)
