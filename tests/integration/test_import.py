"""`journey import`: JSON Lines in atomic batches; bad lines reported by number
and skipped, valid lines stored; idempotent on a second run."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import orjson
import pytest

from journey.ingest.importer import import_lines
from journey.ingest.ingestor import Ingestor
from journey.ingest.preparers import Preparers
from journey.ingest.validation import REPEATED_KEY
from journey.runtime import Runtime, _preparer_ingestor
from journey.settings import Settings
from tests.factories import event


def lines(*events: Any) -> list[bytes]:
    return [e if isinstance(e, bytes) else orjson.dumps(e) for e in events]


@pytest.mark.parametrize("processes", [0, 2], ids=["in-process", "preparer-processes"])
def test_bad_lines_are_rejected_by_number_and_the_rest_stored(
    store: Runtime, processes: int
) -> None:
    conflicting = event(id="dup-1")
    store.ingestor.append([conflicting])
    summary = import_lines(
        store.ingestor,
        lines(
            event(),
            b"{not json",
            event(channel="fax"),
            b"",
            event(),
            {**conflicting, "channel": "phone"},
            conflicting,
        ),
        batch_lines=3,
        preparers=store.preparers(processes),
    )
    assert (summary.created, summary.duplicate, summary.rejected) == (2, 1, 3)
    assert [n for n, _ in summary.rejects] == [2, 3, 6]
    assert "channel" in summary.rejects[1][1]
    assert "different content" in summary.rejects[2][1]


@pytest.mark.parametrize("processes", [0, 2], ids=["in-process", "preparer-processes"])
def test_a_line_repeating_a_key_is_rejected_naming_the_key(store: Runtime, processes: int) -> None:
    first = orjson.dumps(event(id="dupkey")).replace(b'"id":"dupkey"', b'"id":"dupkey","id":"k2"')
    survey = orjson.dumps(event("survey.answered", id="s", data={"csat": 2}))
    in_data = survey.replace(b'"csat":2', b'"csat":2,"\\u0063sat":5')
    summary = import_lines(
        store.ingestor,
        lines(first, event(id="kept"), in_data),
        batch_lines=2,
        preparers=store.preparers(processes),
    )
    assert (summary.created, summary.rejected) == (1, 2)
    assert summary.rejects == [(1, f"id: {REPEATED_KEY}"), (3, f"data.csat: {REPEATED_KEY}")]
    again = import_lines(store.ingestor, lines(event(id="k2"), event(id="s")))  # never stored
    assert (again.created, again.duplicate) == (2, 0)


def test_preparer_processes_keep_file_order_and_the_hash_chains(store: Runtime) -> None:
    """Chunks are prepared in parallel but written in file order: positions follow
    the lines, a repeated id keeps its first line's content, and every chain verifies."""
    customers = [f"order-{n}" for n in range(7)]
    events = [event(customer_id=customers[n % 7], id=f"order-e{n}") for n in range(230)]
    repeated = {**events[5], "channel": "phone" if events[5]["channel"] != "phone" else "email"}
    summary = import_lines(
        store.ingestor,
        lines(*events, repeated),
        batch_lines=20,
        preparers=store.preparers(2),
    )
    assert (summary.created, summary.rejected) == (230, 1)
    assert summary.rejects[0][0] == 231
    with store.datastore.get_connection() as conn:
        stored = [
            row["event_id"]
            for row in conn.execute("SELECT event_id FROM journey_events ORDER BY notification_id")
        ]
    assert stored == [e["id"] for e in events]
    report = store.audit_service().verify_store()
    assert (report.events, report.damaged) == (230, 0)


def test_importing_the_same_file_twice_creates_nothing_new(store: Runtime) -> None:
    batch = lines(*(event() for _ in range(25)))
    first = import_lines(store.ingestor, batch, batch_lines=10)
    second = import_lines(store.ingestor, batch, batch_lines=10)
    assert (first.created, second.created, second.duplicate) == (25, 0, 25)


def test_the_command_prints_a_summary_and_exits_non_zero_on_rejects(
    store: Runtime, settings: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "events.jsonl"
    file.write_bytes(b"\n".join(lines(event(), event(occurred_at="2026-03-02T10:00:00"))) + b"\n")
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": settings.database_url or "",
        "JOURNEY_MASTER_KEY": os.environ.get("JOURNEY_MASTER_KEY", ""),
    }
    env["JOURNEY_MASTER_KEY"] = __import__("tests.plugins.database", fromlist=["x"]).TEST_MASTER_KEY
    done = subprocess.run(
        [sys.executable, "-m", "cli", "import", str(file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "created 1, duplicate 0, rejected 1" in done.stderr
    assert "line 2: occurred_at" in done.stderr


def slow_preparer(settings: Settings, url: str) -> Ingestor:
    """A preparer process's ingestor that takes `SLOW_START` seconds to start."""
    time.sleep(SLOW_START)
    return _preparer_ingestor(settings, url)


SLOW_START = 6.0  # the bound below leaves 3 s for the first chunk on a loaded machine


def test_chunks_are_prepared_here_while_the_preparer_processes_start(store: Runtime) -> None:
    """Preparers that take long to start do not hold the import up: the importing
    process prepares the chunks itself meanwhile."""
    events = [event(customer_id=f"early-{n % 3}", id=f"early-e{n}") for n in range(40)]
    preparers = Preparers(2, partial(slow_preparer, store.settings, store.database_url))
    written: list[float] = []
    started = time.monotonic()
    summary = import_lines(
        store.ingestor,
        lines(*events),
        progress=lambda _: written.append(time.monotonic() - started),
        batch_lines=10,
        preparers=preparers,
    )
    assert summary.created == 40
    assert written[0] < SLOW_START / 2  # written long before any preparer was ready
