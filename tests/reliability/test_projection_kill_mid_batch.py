"""A gap tests/projections/test_exactly_once.py leaves open: there the worker is
killed between small batches. Here the log is large, so every step is a
2000-event batch, and the worker is SIGKILLed at the moment the database shows
its batch transaction open with uncommitted writes; the projections still end
identical to a clean rebuild."""

from __future__ import annotations

import signal
import time
from typing import Any

import psycopg

from journey.demo.generator import generate
from journey.runtime import Runtime
from journey.settings import Settings
from projections.registry import PROJECTIONS, status
from tests.plugins.projections import catch_up_all, clean_copies, snapshot
from tests.projections.test_exactly_once import start_worker

ROUNDS = 6
OPEN_WRITES = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
)


def test_a_worker_killed_inside_large_batch_transactions_ends_identical_to_a_rebuild(
    store: Runtime, settings: Settings, admin: psycopg.Connection[Any]
) -> None:
    events: list[Any] = list(generate(600, seed=11))
    for start in range(0, len(events), 1000):
        store.ingestor.append(events[start : start + 1000])
    killed_mid_transaction, positions_at_kills = 0, []
    for _ in range(ROUNDS):
        if min(s.position for s in status(store)) >= len(events):
            break
        worker = start_worker(settings)
        try:
            killed_mid_transaction += _until_write_transactions_open(admin, times=2)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        positions_at_kills.append(sum(s.position for s in status(store)))
    assert killed_mid_transaction >= 3
    assert positions_at_kills == sorted(positions_at_kills)
    assert positions_at_kills[-1] > 0 and positions_at_kills[0] < len(events) * len(PROJECTIONS)
    print(
        f"\nkilled mid-transaction {killed_mid_transaction} times; projections' positions "
        f"summed at the kills {positions_at_kills} of {len(events) * len(PROJECTIONS)}"
    )
    catch_up_all(store)
    assert all(s.lag == 0 for s in status(store))

    clean_copies(store)
    assert snapshot(admin) == snapshot(admin, prefix="clean_")


def _until_write_transactions_open(
    admin: psycopg.Connection[Any], times: int, timeout: float = 20
) -> bool:
    """True once other sessions have opened write transactions `times` times and
    one is open now (only the worker writes meanwhile); False after `timeout`."""
    deadline, seen, was_open = time.monotonic() + timeout, 0, False
    while time.monotonic() < deadline:
        row = admin.execute(OPEN_WRITES).fetchone()
        is_open = bool(row and row[0])
        seen += is_open and not was_open
        if is_open and seen >= times:
            return True
        was_open = is_open
        time.sleep(0.002)
    return False
