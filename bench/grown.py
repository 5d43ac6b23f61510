"""The stores the read benchmarks run on: a small one imported through the product
(generated customers, with one 1,000-event customer spread through the log),
grown to the large size by server-side copies of those rows under new
customer, case and event ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg

from bench.workload import event_lines, one_customer_lines

LONG_CUSTOMER = "bench-timeline-customer"
LONG_EVENTS = 1_000

# One copy of the first `%(rows)s` positions, ids suffixed with `%(suffix)s`
# (in the columns and in the stored JSON), positions shifted past the last copy.
COPY_ROWS = """
INSERT INTO journey_events (originator_id, originator_version, topic, state, notification_id,
    event_id, occurred_at, case_id, recorded_at, content_digest, chain_hash)
SELECT originator_id || %(suffix)s, originator_version, topic,
    convert_to(jsonb_set(jsonb_set(body, '{id}', to_jsonb((body ->> 'id') || %(suffix)s)),
        '{case_id}', coalesce(to_jsonb((body ->> 'case_id') || %(suffix)s), 'null'))::text,
        'UTF8'),
    notification_id + %(shift)s, event_id || %(suffix)s, occurred_at, case_id || %(suffix)s,
    recorded_at, content_digest, chain_hash
FROM journey_events, LATERAL (SELECT convert_from(state, 'UTF8')::jsonb AS body) AS decoded
WHERE notification_id <= %(rows)s
"""


def small_store_lines(total: int) -> Iterator[bytes]:
    """`total` events as JSON Lines: generated customers, one event of
    `LONG_CUSTOMER` after every `total / LONG_EVENTS - 1` of theirs."""
    if total % LONG_EVENTS or total <= LONG_EVENTS:
        raise ValueError(f"reads_small must be a multiple of {LONG_EVENTS} above it, got {total}")
    others = event_lines(total - LONG_EVENTS)
    stride = total // LONG_EVENTS - 1
    for line in one_customer_lines(LONG_CUSTOMER, LONG_EVENTS):
        for _ in range(stride):
            yield next(others)
        yield line


def grow(conn: psycopg.Connection[Any], rows: int, target: int) -> None:
    """Copy the first `rows` positions (the whole small store) until `target` rows."""
    if target % rows:
        raise ValueError(f"reads_large ({target}) must be a multiple of reads_small ({rows})")
    for copy in range(1, target // rows):
        with conn.transaction():
            conn.execute(COPY_ROWS, {"suffix": f"~{copy}", "shift": copy * rows, "rows": rows})


def vacuum(conn: psycopg.Connection[Any]) -> None:
    """Settle the database (visibility map, hint bits, statistics) before timing reads."""
    conn.execute("VACUUM (ANALYZE)")
