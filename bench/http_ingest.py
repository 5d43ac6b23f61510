"""HTTP ingest through a real `journey serve` process: 16 concurrent keep-alive
clients POSTing 100-event batches (against the raw `COPY` of the same stored
rows) and single events (against the library's one-transaction-per-save path,
measured in the same run), with p50/p99 request latency and the server's peak
RSS. The server runs without its projection workers, so only ingest is timed.

The clients are `wrk` (`bench.wrk`), not Python threads: on two cores, 16
Python client threads took CPU from the very server they were timing."""

from __future__ import annotations

import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from bench.database import BenchDatabase, fresh_database
from bench.library_path import library_saves
from bench.report import Goal, Row
from bench.scale import Scale
from bench.server import served
from bench.workload import contact, copy_baseline
from bench.wrk import SLOT, UNIQUE, Load, post_load, require_wrk
from journey.demo.generator import generate

BATCH = 100
MEGABYTE = 1024 * 1024


def run(scale: Scale, server: str) -> list[Row]:
    require_wrk()  # before anything is set up
    with fresh_database(server, "http") as db:
        with db.store(pool_size=scale.threads) as store:
            from api.keys import ApiKeys

            key = ApiKeys(store.datastore.pool).create("bench", ["events:write"])
            library = library_saves(store, scale)
        with served(db, "--no-projections") as process:
            batches = _load(process.port, key, scale, _batch_templates(scale.threads), 1)
            _settle(db)  # wrk leaves its last requests unanswered: the server finishes them
            singles = _load(process.port, key, scale, [_single_template()], scale.threads * 50)
            serve_rss = process.peak_rss()
        with db.admin() as conn, tempfile.TemporaryDirectory(prefix="journey-bench-") as folder:
            copied, copy_seconds = copy_baseline(conn, Path(folder))
    clients = f"{scale.threads} clients"
    return [
        Row(
            f"HTTP ingest, {BATCH}-event batches, {clients}",
            "events/s",
            batches.rate * BATCH,
            copied / copy_seconds,
            "raw binary COPY of the stored rows",
            Goal("ratio", ">=", 0.25),
            _latencies(batches),
        ),
        Row(
            f"HTTP ingest, single-event POSTs, {clients}",
            "events/s",
            singles.rate,
            library.rate,
            "library insert_events, 1 event per transaction",
            Goal("measured", ">=", 2000, " events/s"),
            _latencies(singles),
        ),
        Row(
            f"HTTP single-event POST p99, {clients}",
            "ms",
            singles.p99_ms,
            library.p99_ms,
            "library insert_events p99",
            Goal("measured", "<=", 50, " ms"),
            {"requests": singles.requests, "client": "wrk"},
        ),
        Row(
            "peak RSS of `journey serve` and its preparers under the ingest load (summed)",
            "MB",
            serve_rss / MEGABYTE,
            None,
            "",
            Goal("measured", "<=", 500, " MB"),
        ),
    ]


def _settle(db: BenchDatabase, quiet_seconds: float = 0.5) -> None:
    """Wait until no event has been stored for `quiet_seconds`."""
    with db.admin() as conn:
        last = None
        while True:
            row = conn.execute("SELECT max(notification_id) FROM journey_events").fetchone()
            if row == last:
                return
            last = row
            time.sleep(quiet_seconds)


def _load(port: int, key: str, scale: Scale, templates: list[str], slots: int) -> Load:
    return post_load(port, key, templates, slots, scale.threads, scale.concurrent_seconds)


def _batch_templates(clients: int) -> list[str]:
    """A batch of generated events (with pii) per client, its own customers; each
    request's event ids made unique by `wrk`."""
    events = list(islice(generate(clients * BATCH, seed=23, identities=False), clients * BATCH))
    return [
        orjson.dumps(
            [
                {
                    **event,
                    "id": f"{event['id']}-{UNIQUE}",
                    "customer_id": f"{event['customer_id']}-{client}",
                }
                for event in events[client * BATCH : (client + 1) * BATCH]
            ]
        ).decode()
        for client in range(clients)
    ]


def _single_template() -> str:
    """One inbound chat message with pii (`bench.workload.contact`, occurring at
    the start of the run) in one of the slots' customer streams."""
    return orjson.dumps(contact(f"http-single-{SLOT}", f"single-{UNIQUE}")).decode()


def _latencies(result: Load) -> dict[str, Any]:
    return {
        "requests": result.requests,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "client": "wrk",
    }
