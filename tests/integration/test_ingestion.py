"""SPEC 2.3 on a real PostgreSQL: idempotency, conflicts, atomic batches, positions."""

from __future__ import annotations

import psycopg
import pytest

from journey.ingest.ingestor import BatchRejected
from journey.ingest.ports import EventConflict
from journey.runtime import Runtime
from tests.factories import event


def stored_count(admin: psycopg.Connection[tuple[object, ...]]) -> int:
    row = admin.execute("SELECT count(*) FROM journey_events").fetchone()
    assert row is not None
    return int(str(row[0]))


def test_a_batch_is_stored_with_gap_free_positions(store: Runtime) -> None:
    results = store.ingestor.append([event(), event(), event(customer_id="cust-2")])
    assert [(r.status, r.position) for r in results] == [
        ("created", 1),
        ("created", 2),
        ("created", 3),
    ]


def test_the_same_event_again_is_a_duplicate_with_its_original_position(store: Runtime) -> None:
    first = event()
    store.ingestor.append([event(), first])
    (again,) = store.ingestor.append([first])
    assert (again.id, again.status, again.position) == (first["id"], "duplicate", 2)


def test_equal_content_written_differently_is_still_a_duplicate(store: Runtime) -> None:
    original = event(occurred_at="2026-03-02T10:00:00Z")
    store.ingestor.append([original])
    same = {**original, "occurred_at": "2026-03-02T11:00:00+01:00", "data": {"abandoned": False}}
    (again,) = store.ingestor.append([same])
    assert again.status == "duplicate"


def test_the_same_id_with_other_content_is_a_conflict_and_nothing_is_written(
    store: Runtime, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    original = event()
    store.ingestor.append([original])
    with pytest.raises(EventConflict) as raised:
        store.ingestor.append([event(), {**original, "channel": "phone"}])
    assert raised.value.conflicts == [(1, original["id"], 1)]
    assert stored_count(admin) == 1


def test_a_conflict_inside_one_batch_writes_nothing(
    store: Runtime, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    twin = event()
    with pytest.raises(EventConflict):
        store.ingestor.append([twin, {**twin, "channel": "email"}])
    assert stored_count(admin) == 0


def test_an_identical_event_twice_in_one_batch_is_stored_once(store: Runtime) -> None:
    twin = event()
    results = store.ingestor.append([twin, twin])
    assert [(r.status, r.position) for r in results] == [("created", 1), ("duplicate", 1)]


def test_one_invalid_event_rejects_the_whole_batch(
    store: Runtime, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    with pytest.raises(BatchRejected) as raised:
        store.ingestor.append([event(), event(id="bad-1", channel="fax"), event()])
    assert [(v.index, v.event_id, v.field) for v in raised.value.violations] == [
        (1, "bad-1", "channel")
    ]
    assert stored_count(admin) == 0


def test_a_refused_batch_leaves_no_gap_in_positions(store: Runtime) -> None:
    original = event()
    store.ingestor.append([original])
    with pytest.raises(EventConflict):
        store.ingestor.append([event(), {**original, "channel": "sms"}])
    (next_one,) = store.ingestor.append([event()])
    assert next_one.position == 2


def test_streams_get_consecutive_versions_and_recorded_at_never_goes_back(
    store: Runtime, admin: psycopg.Connection[tuple[object, ...]]
) -> None:
    for _ in range(3):
        store.ingestor.append([event(), event(customer_id="cust-2")])
    rows = admin.execute(
        "SELECT originator_id, originator_version, recorded_at FROM journey_events "
        "ORDER BY notification_id"
    ).fetchall()
    assert [(c, v) for c, v, _ in rows if c == "cust-1"] == [("cust-1", n) for n in (1, 2, 3)]
    recorded = [r for _, _, r in rows]
    assert recorded == sorted(recorded)  # type: ignore[type-var]


def test_a_batch_over_the_limit_is_refused(store: Runtime) -> None:
    with pytest.raises(BatchRejected, match="more than 1000 events"):
        store.ingestor.append([event() for _ in range(1001)])
