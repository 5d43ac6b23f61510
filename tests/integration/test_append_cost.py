"""Appending to a long stream reads the stream's head, never the stream: the
number of index tuples fetched by an append does not grow with its length."""

from __future__ import annotations

from typing import Any

import psycopg

from journey.runtime import Runtime
from tests.factories import event


def tuples_fetched(admin: psycopg.Connection[Any]) -> int:
    admin.execute("SELECT pg_stat_clear_snapshot()")
    row = admin.execute(
        "SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0) "
        "FROM pg_stat_user_tables WHERE relname = 'journey_events'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def append_cost(store: Runtime, admin: psycopg.Connection[Any], customer: str) -> int:
    admin.execute("SELECT pg_stat_force_next_flush()")
    before = tuples_fetched(admin)
    store.ingestor.append([event(customer_id=customer)])
    admin.execute("SELECT pg_sleep(0.6)")  # statistics are flushed at most every 0.5 s...
    return tuples_fetched(admin) - before


def test_an_append_to_a_long_stream_reads_as_little_as_to_a_new_one(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    long_stream = [event(customer_id="long") for _ in range(3000)]
    for start in range(0, len(long_stream), 1000):
        store.ingestor.append(long_stream[start : start + 1000])
    to_long = append_cost(store, admin, "long")
    to_new = append_cost(store, admin, "new-customer")
    assert to_long <= to_new + 5
    assert to_long < 50
