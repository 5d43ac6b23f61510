"""Reading stored rows back for verification of the hash chain (SPEC 7).

One customer's stream is read with an ordinary cursor; the whole store with a
server-side (named) cursor in (customer, version) order inside one read-only
REPEATABLE READ transaction, so memory stays constant and the chain scan and
the global sequence check see the same snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL
from psycopg_pool import ConnectionPool

from journey.integrity.audit import KeyStatus
from journey.integrity.verification import Head, Link, VerifyReport, check_links
from journey.postgres.fetch import fetch_all, fetch_one
from journey.postgres.reads import EVENTS, EVENTS_TABLE
from journey.stored.chain import ChainedRow

ROW_COLUMNS = (
    "notification_id, originator_id, originator_version, topic, event_id, occurred_at, "
    "case_id, recorded_at, content_digest, state, chain_hash"
)
SCAN_BATCH = 2000


def stream_rows(conn: psycopg.Connection[Any], customer_id: str) -> Iterator[Link]:
    cur = conn.cursor(row_factory=tuple_row)
    cur.execute(
        f"SELECT {ROW_COLUMNS} FROM {EVENTS_TABLE} WHERE originator_id = %s "  # noqa: S608
        "ORDER BY originator_version",
        (customer_id,),
    )
    for row in cur:
        yield _chained(row)


def verify_customer(conn: psycopg.Connection[Any], customer_id: str) -> int | None:
    """The first bad position of one stream, by its chain alone; None when intact."""
    report = VerifyReport()
    for _ in check_links(stream_rows(conn, customer_id), report):
        pass
    return report.first_bad_position


class PostgresAuditReader:
    def __init__(self, pool: ConnectionPool[Any]):
        self._pool = pool

    def stream(self, customer_id: str) -> Iterator[Link]:
        with self._pool.connection() as conn:
            yield from stream_rows(conn, customer_id)

    @contextmanager
    def scan(self) -> Iterator[PostgresStoreScan]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PostgresStoreScan(conn)

    def first_missing_position(self, after: int, before: int) -> int | None:
        """The first position in (after, before) that no stored event holds."""
        row = fetch_one(
            self._pool,
            SQL(
                "SELECT prev + 1 FROM (SELECT notification_id, lag(notification_id, 1, %(after)s)"
                " OVER (ORDER BY notification_id) AS prev FROM {}"
                " WHERE notification_id > %(after)s AND notification_id <= %(before)s) AS s"
                " WHERE notification_id > prev + 1 ORDER BY notification_id LIMIT 1"
            ).format(EVENTS),
            {"after": after, "before": before},
        )
        return None if row is None else int(row[0])

    def stored_hashes(self, heads: Sequence[Head]) -> list[bytes | None]:
        """The chain hash stored at each head's (customer, version), None where absent."""
        rows = fetch_all(
            self._pool,
            SQL(
                "SELECT e.chain_hash FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY"
                " AS h(customer_id, version, n) LEFT JOIN {} AS e"
                " ON e.originator_id = h.customer_id AND e.originator_version = h.version"
                " ORDER BY h.n"
            ).format(EVENTS),
            ([h.customer_id for h in heads], [h.version for h in heads]),
        )
        return [None if stored is None else bytes(stored) for (stored,) in rows]

    def key_status(self, customer_id: str) -> KeyStatus:
        row = fetch_one(
            self._pool,
            "SELECT wrapped_key IS NOT NULL, created_at, erased_at FROM journey_keys"
            " WHERE customer_id = %s",
            (customer_id,),
        )
        if row is None:
            return KeyStatus(exists=False)
        return KeyStatus(exists=True, usable=row[0], created_at=row[1], erased_at=row[2])


class PostgresStoreScan:
    def __init__(self, conn: psycopg.Connection[Any]):
        self._conn = conn

    def last_position(self) -> int:
        row = (
            self._conn.cursor(row_factory=tuple_row)
            .execute(f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")  # noqa: S608
            .fetchone()
        )
        return int(row[0]) if row else 0

    def links(self) -> Iterator[Link]:
        with self._conn.cursor(name="journey_verify", row_factory=tuple_row) as cur:
            cur.itersize = SCAN_BATCH
            cur.execute(
                f"SELECT {ROW_COLUMNS} FROM {EVENTS_TABLE} "  # noqa: S608
                "ORDER BY originator_id, originator_version"
            )
            for row in cur:
                yield _chained(row)

    def sequence_break(self) -> int | None:
        """The first position where 1..N is broken (absent or repeated), or None."""
        row = (
            self._conn.cursor(row_factory=tuple_row)
            .execute(
                SQL(
                    "SELECT CASE WHEN notification_id > prev + 1 THEN prev + 1 ELSE notification_id"
                    " END FROM (SELECT notification_id, lag(notification_id, 1, 0::bigint)"
                    " OVER (ORDER BY notification_id) AS prev FROM {}) AS s"
                    " WHERE notification_id <> prev + 1 ORDER BY notification_id LIMIT 1"
                ).format(EVENTS)
            )
            .fetchone()
        )
        return None if row is None else int(row[0])


def _chained(row: tuple[Any, ...]) -> Link:
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
