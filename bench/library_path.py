"""The library's default write path for single events: one transaction per save
(`insert_events` of one event, under the library's `EXCLUSIVE` table lock) from
16 threads, against a plain single-row `INSERT` per transaction from 16
connections into a table of the same shape (the machine's commit rate with no
table lock). The reference that group commit is measured against."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from bench.concurrency import Throughput, hammer
from bench.database import fresh_database
from bench.report import Row
from bench.scale import Scale
from bench.workload import create_table_like_events
from journey.postgres.database import ConnectionParams
from journey.runtime import Runtime
from journey.vocabulary.events import ContactInbound

BASELINE_TABLE = "bench_single_baseline"


def run(scale: Scale, server: str) -> list[Row]:
    with fresh_database(server, "library") as db:
        with db.store(pool_size=scale.threads) as store:
            library = library_saves(store, scale)
            template = _stored(store, 0, 0)
        with db.admin() as conn:
            create_table_like_events(conn, BASELINE_TABLE)
        raw = _plain_inserts(db.url, scale, template)
    return [
        Row(
            name=f"library insert_events, 1 event per transaction, {scale.threads} threads",
            unit="events/s",
            measured=library.rate,
            baseline=raw.rate,
            baseline_name="plain INSERT, 1 row per transaction",
            goal=None,
            details=_details(library, raw),
        )
    ]


def library_saves(store: Runtime, scale: Scale) -> Throughput:
    """Single-event `insert_events` calls from `scale.threads` threads (the store's
    pool must hold that many connections)."""
    return hammer(
        scale.threads,
        scale.concurrent_seconds,
        lambda thread, n: store.recorder.insert_events([_stored(store, thread, n)]),
    )


def _stored(store: Runtime, thread: int, n: int) -> StoredEvent:
    event = ContactInbound(
        originator_id=f"library-{thread}",
        originator_version=n + 1,
        timestamp=datetime.now(UTC),
        id=f"library-{thread}-{n}",
        channel="chat",
        case_id=f"library-{thread}-case",
    )
    return store.app.mapper.to_stored_event(event)


def _plain_inserts(url: str, scale: Scale, template: StoredEvent) -> Throughput:
    conninfo = ConnectionParams.from_url(url).conninfo()
    connections = [psycopg.connect(conninfo, autocommit=True) for _ in range(scale.threads)]
    positions = count(1)
    statement = sql.SQL(
        "INSERT INTO {} (originator_id, originator_version, topic, state, notification_id, "
        "recorded_at, chain_hash) VALUES (%s, %s, %s, %s, %s, now(), %s)"
    ).format(sql.Identifier(BASELINE_TABLE))

    def insert(thread: int, n: int) -> None:
        connections[thread].execute(
            statement,
            (
                f"plain-{thread}",
                n + 1,
                template.topic,
                template.state,
                next(positions),
                bytes(32),
            ),
        )

    try:
        return hammer(scale.threads, scale.concurrent_seconds, insert)
    finally:
        for connection in connections:
            connection.close()


def _details(library: Throughput, raw: Throughput) -> dict[str, Any]:
    return {
        "library_p50_ms": library.p50_ms,
        "library_p99_ms": library.p99_ms,
        "plain_p50_ms": raw.p50_ms,
        "plain_p99_ms": raw.p99_ms,
        "library_events": library.operations,
        "plain_events": raw.operations,
    }
