"""Generated, realistic events (with pii) as JSON Lines, and raw `COPY` helpers
for the baselines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from time import perf_counter
from typing import Any

import orjson
import psycopg
from psycopg import sql

from bench.database import BenchDatabase
from journey.demo.generator import generate
from journey.ingest.importer import import_lines
from journey.stored.rows import COLUMNS

EVENTS_TABLE = "journey_events"
COPY_CHUNK = 1 << 20


def event_lines(count: int, seed: int = 7) -> Iterator[bytes]:
    """`count` generated events, customer after customer (every customer has several),
    without the identity layer: the throughput rows keep the event mix their
    earlier figures were measured with (docs/performance.md); the identity rows
    (`bench.identities`) add theirs."""
    return (
        orjson.dumps(event) for event in islice(generate(count, seed=seed, identities=False), count)
    )


def import_generated(db: BenchDatabase, count: int) -> None:
    """`count` generated events imported through the product into `db`, which is
    then vacuumed and analysed."""
    with db.store() as store:
        import_lines(store.ingestor, event_lines(count))
    with db.admin() as conn:
        conn.execute("VACUUM (ANALYZE)")


def one_customer_lines(customer_id: str, count: int) -> Iterator[bytes]:
    """`count` generated events, all moved into the stream of `customer_id`."""
    for event in islice(generate(count, seed=11, identities=False), count):
        yield orjson.dumps({**event, "customer_id": customer_id})


def write_lines(path: Path, lines: Iterator[bytes]) -> int:
    written = 0
    with path.open("wb") as file:
        for line in lines:
            file.write(line + b"\n")
            written += 1
    return written


def contact(customer_id: str, event_id: str) -> dict[str, Any]:
    """One inbound chat message with pii, occurring now."""
    return {
        "id": event_id,
        "type": "contact.inbound",
        "customer_id": customer_id,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "channel": "chat",
        "case_id": f"{event_id}-case",
        "pii": {"name": "Dana 0042", "body": "Hello, my order 4711 has not arrived."},
    }


def copy_baseline(conn: psycopg.Connection[Any], folder: Path) -> tuple[int, float]:
    """The raw `COPY` baseline: the stored rows of the events table copied out, then
    timed while copied (binary, one transaction) into a fresh table of the same
    shape. Returns (rows, seconds)."""
    dump = folder / "rows.copy"
    copy_out_events(conn, dump)
    table = "bench_copy_baseline"
    create_table_like_events(conn, table)
    conn.execute("CHECKPOINT")
    start = perf_counter()
    copy_in(conn, table, dump)
    seconds = perf_counter() - start
    dump.unlink()
    return count_rows(conn, table), seconds


def create_table_like_events(conn: psycopg.Connection[Any], name: str) -> None:
    """An empty table of the events table's shape: columns, keys and indexes."""
    conn.execute(
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
            sql.Identifier(name), sql.Identifier(EVENTS_TABLE)
        )
    )


def copy_out_events(conn: psycopg.Connection[Any], path: Path) -> None:
    """The stored rows of the events table, in position order, as binary COPY data."""
    statement = sql.SQL(
        "COPY (SELECT {} FROM {} ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
    ).format(_columns(), sql.Identifier(EVENTS_TABLE))
    with path.open("wb") as file, conn.cursor().copy(statement) as copy:
        for data in copy:
            file.write(data)


def copy_in(conn: psycopg.Connection[Any], table: str, path: Path) -> None:
    """Binary COPY data from `path` into `table`, in one transaction."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), _columns()
    )
    with conn.transaction(), path.open("rb") as file, conn.cursor().copy(statement) as copy:
        while chunk := file.read(COPY_CHUNK):
            copy.write(chunk)


def count_rows(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0


def _columns() -> sql.Composed:
    return sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
