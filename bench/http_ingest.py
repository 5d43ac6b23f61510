"""HTTP ingest through a real `journey serve` process: 16 concurrent keep-alive
clients POSTing 100-event batches (against the raw `COPY` of the same stored
rows) and single events (against the library's one-transaction-per-save path,
measured in the same run), with p50/p99 request latency and the server's peak
RSS. The server runs without its projection workers, so only ingest is timed."""

from __future__ import annotations

import http.client
import tempfile
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from bench.concurrency import Throughput, hammer
from bench.database import fresh_database
from bench.library_path import library_saves
from bench.report import Goal, Row
from bench.scale import Scale
from bench.server import post, served
from bench.workload import contact, copy_baseline
from journey.generator import generate

BATCH = 100
MEGABYTE = 1024 * 1024


def run(scale: Scale, server: str) -> list[Row]:
    with fresh_database(server, "http") as db:
        with db.store(pool_size=scale.threads) as store:
            from api.keys import ApiKeys

            key = ApiKeys(store.datastore.pool).create("bench", ["events:write"])
            library = library_saves(store, scale)
        with served(db, "--no-projections") as process:
            batches = _clients(process.port, key, scale, _batch_body)
            singles = _clients(process.port, key, scale, _single_body)
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
            {"requests": singles.operations},
        ),
        Row(
            "peak RSS of `journey serve` under the ingest load",
            "MB",
            serve_rss / MEGABYTE,
            None,
            "",
            Goal("measured", "<=", 500, " MB"),
        ),
    ]


def _clients(port: int, key: str, scale: Scale, body: Any) -> Throughput:
    connections = [
        http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(scale.threads)
    ]
    templates = _templates(scale.threads)
    try:
        return hammer(
            scale.threads,
            scale.concurrent_seconds,
            lambda thread, n: post(
                connections[thread], "/v1/events", body(templates[thread], thread, n), key
            ),
        )
    finally:
        for connection in connections:
            connection.close()


def _templates(threads: int) -> list[list[dict[str, Any]]]:
    """A batch of generated events (with pii) per client, its own customers."""
    events = list(islice(generate(threads * BATCH, seed=23), threads * BATCH))
    return [events[t * BATCH : (t + 1) * BATCH] for t in range(threads)]


def _batch_body(template: list[dict[str, Any]], thread: int, n: int) -> bytes:
    return orjson.dumps(
        [
            {
                **event,
                "id": f"{event['id']}-{thread}-{n}",
                "customer_id": f"{event['customer_id']}-{thread}",
            }
            for event in template
        ]
    )


def _single_body(template: list[dict[str, Any]], thread: int, n: int) -> bytes:
    return orjson.dumps(contact(f"http-single-{thread}-{n % 50}", f"single-{thread}-{n}"))


def _latencies(result: Throughput) -> dict[str, Any]:
    return {"requests": result.operations, "p50_ms": result.p50_ms, "p99_ms": result.p99_ms}
