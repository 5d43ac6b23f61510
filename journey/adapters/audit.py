"""Reading stored rows back for verification of the hash chain (SPEC 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from journey.chain import ChainedRow, first_broken_link

ROW_COLUMNS = (
    "notification_id, originator_id, originator_version, topic, event_id, occurred_at, "
    "case_id, recorded_at, content_digest, state, chain_hash"
)


def stream_rows(conn: psycopg.Connection[Any], customer_id: str) -> Iterator[tuple[ChainedRow, bytes]]:
    cur = conn.cursor(row_factory=tuple_row)
    cur.execute(
        f"SELECT {ROW_COLUMNS} FROM journey_events WHERE originator_id = %s "  # noqa: S608
        "ORDER BY originator_version",
        (customer_id,),
    )
    for row in cur:
        yield _chained(row)


def verify_customer(conn: psycopg.Connection[Any], customer_id: str) -> int | None:
    return first_broken_link(stream_rows(conn, customer_id))


def _chained(row: tuple[Any, ...]) -> tuple[ChainedRow, bytes]:
    return (
        ChainedRow(
            position=row[0],
            customer_id=row[1],
            version=row[2],
            topic=row[3],
            event_id=row[4],
            occurred_at=row[5],
            case_id=row[6],
            recorded_at=row[7],
            content_digest=None if row[8] is None else bytes(row[8]),
            state=bytes(row[9]),
        ),
        bytes(row[10]),
    )
