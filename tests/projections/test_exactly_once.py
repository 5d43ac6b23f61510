"""Exactly once: a projection worker killed mid-stream (SIGKILL), again and
again, ends identical to a clean rebuild; a rebuild swaps in an equal copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import psycopg

from journey.demo.generator import generate
from journey.runtime import Runtime
from journey.settings import Settings
from projections.registry import context_for, rebuild, status
from tests.plugins.database import TEST_MASTER_KEY
from tests.plugins.projections import catch_up_all, clean_copies, snapshot


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": settings.database_url or "",
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_progress(store: Runtime, beyond: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while min(s.position for s in status(store)) <= beyond:
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.05)


def test_a_worker_killed_repeatedly_ends_identical_to_a_clean_rebuild(
    store: Runtime, settings: Settings, admin: psycopg.Connection[Any]
) -> None:
    events: list[Any] = list(generate(150, seed=3))
    chunks = [events[i : i + 60] for i in range(0, len(events), 60)]
    positions_at_kills = []
    for round_number in range(4):
        worker = start_worker(settings)
        before = min(s.position for s in status(store))
        for chunk in chunks[round_number::4]:
            store.ingestor.append(chunk)
        wait_for_progress(store, beyond=before)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        positions_at_kills.append(min(s.position for s in status(store)))
    assert positions_at_kills == sorted(positions_at_kills) and positions_at_kills[0] > 0
    catch_up_all(store)
    assert all(s.lag == 0 for s in status(store))

    clean_copies(store)
    assert snapshot(admin) == snapshot(admin, prefix="clean_")
    assert len(snapshot(admin)["cases"]) > 100


def test_a_rebuild_swaps_in_an_equal_copy_and_keeps_following(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    events: list[Any] = list(generate(40, seed=9))
    store.ingestor.append(events[:500])
    catch_up_all(store)
    before = snapshot(admin)
    progressed: list[int] = []
    rebuild(
        store,
        context_for(store),
        ["cases_v1", "contacts_v2"],
        lambda advanced, _: progressed.append(advanced),
    )
    assert snapshot(admin) == before
    assert sum(progressed) == len(events[:500])
    store.ingestor.append(events[500:])
    catch_up_all(store)
    assert len(snapshot(admin)["cases"]) > len(before["cases"])
    tables = {
        r[0] for r in admin.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE '%next%'")
    }
    assert tables == set()
