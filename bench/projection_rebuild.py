"""Projection rebuild: every projection rebuilt from position 0 by the product
path (`projections.registry.rebuild` of all of them, as `journey projections
rebuild --all`: fresh `<name>_next` views filled in one pass over the log by
`projections.runner.Runner`, then swapped in), against a plain sequential read
of the same rows by the same driver, measured before and after the rebuild."""

from __future__ import annotations

from time import perf_counter

from psycopg.rows import tuple_row

from bench.report import Goal, Row
from journey.runtime import Runtime
from projections.registry import PROJECTIONS, context_for, rebuild
from projections.runner import BATCH_SIZE

SEQUENTIAL_READ = (
    "SELECT notification_id, originator_id, topic, state FROM journey_events "
    "ORDER BY notification_id"
)


def measure(store: Runtime, events: int) -> Row:
    """The rebuild row over the `events` stored (the live projections end current)."""
    rebuild_seconds, read_seconds = timed_rebuild(store, events)
    return Row(
        name=f"projection rebuild, all {len(PROJECTIONS)} projections, {events:,} events",
        unit="events/s",
        measured=events / rebuild_seconds,
        baseline=events / read_seconds,
        baseline_name=f"sequential read, psycopg, {BATCH_SIZE:,}-row fetches",
        goal=Goal("ratio", ">=", 0.3),
        details={
            "rebuild_seconds": round(rebuild_seconds, 2),
            "read_seconds": round(read_seconds, 2),
        },
    )


def timed_rebuild(store: Runtime, events: int) -> tuple[float, float]:
    """(seconds of `rebuild_all`, mean seconds of a sequential read of the `events`
    stored, read before and after the rebuild)."""
    reads = [_sequential_read(store)]
    start = perf_counter()
    rebuild_all(store)
    rebuild_seconds = perf_counter() - start
    reads.append(_sequential_read(store))
    for read, _ in reads:
        if read != events:
            raise RuntimeError(f"sequential read saw {read} rows, expected {events}")
    return rebuild_seconds, sum(seconds for _, seconds in reads) / len(reads)


def rebuild_all(store: Runtime) -> None:
    """What `journey projections rebuild --all` does."""
    names = [projection_class.name for projection_class in PROJECTIONS]
    rebuild(store, context_for(store), names, lambda _advanced, _head: None)


def _sequential_read(store: Runtime) -> tuple[int, float]:
    """(rows, seconds) of one pass over the events table in position order, through
    a server-side cursor fetched in the runner's batch size, binary like the runner."""
    start = perf_counter()
    rows = 0
    with store.datastore.get_connection() as conn, conn.transaction():
        cursor = conn.cursor("bench_sequential_read", row_factory=tuple_row, binary=True)
        cursor.execute(SEQUENTIAL_READ)
        while batch := cursor.fetchmany(BATCH_SIZE):
            rows += len(batch)
        cursor.close()
    return rows, perf_counter() - start
