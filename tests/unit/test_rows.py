"""Rows of the events table: the columns an event decides alone, encoded once as
binary COPY fields, read back exactly for the few-events INSERT."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import StoredEvent

from journey.ingest.preparers import pack, unpack
from journey.stored.rows import NewEvent, new_event, own_columns

TOPIC = "journey.events:ContactInbound"


@pytest.mark.parametrize(
    ("event_id", "occurred_at", "case_id", "digest"),
    [
        ("e-1", datetime(2026, 3, 2, 6, 15, 0, 123456, tzinfo=UTC), "case-9", bytes(range(32))),
        (None, None, None, None),
        ("ü/é:1", datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), None, b""),
        ("e-2", datetime(2000, 1, 1, tzinfo=UTC), "c", None),
    ],
)
def test_own_columns_read_back_what_was_encoded(
    event_id: str | None, occurred_at: datetime | None, case_id: str | None, digest: bytes | None
) -> None:
    stored = StoredEvent("cust-1", 0, TOPIC, b'{"id":"x"}')
    encoded = new_event(stored, event_id, occurred_at, case_id, digest)
    assert own_columns(encoded) == (TOPIC, event_id, occurred_at, case_id, digest)


def test_prepared_events_cross_processes_unchanged() -> None:
    events = [
        new_event(
            StoredEvent("cust-1", 3, TOPIC, b'{"id":"x"}'), "e-1", None, "c", bytes(32), b"k"
        ),
        new_event(StoredEvent("cüst-2", 0, TOPIC, b"{}")),
    ]
    assert unpack(pack(events)) == events
    assert all(type(e) is NewEvent for e in unpack(pack(events)))
