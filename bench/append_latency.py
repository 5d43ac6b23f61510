"""Append latency: one event appended (`Ingestor.append`) to a customer who already
has 100,000 events against one appended to a new customer, interleaved in the
same run. The write path reads only the stream's head, so the ratio stays ~1."""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from bench.database import fresh_database
from bench.report import Goal, Row, percentile
from bench.scale import Scale
from bench.workload import contact, one_customer_lines
from journey.ingest.importer import import_lines
from journey.runtime import Runtime

LONG_CUSTOMER = "bench-long-stream"
WARM_UP = 20


def run(scale: Scale, server: str) -> list[Row]:
    with fresh_database(server, "append") as db, db.store() as store:
        history = one_customer_lines(LONG_CUSTOMER, scale.stream_events)
        summary = import_lines(store.ingestor, history)
        if summary.created != scale.stream_events:
            raise RuntimeError(f"long stream has {summary.created} events: {summary.rejects[:3]}")
        db.checkpoint()
        long_stream, new_streams = _interleaved(store, scale.append_samples)
    stream = f"{scale.stream_events:,}-event stream"
    return [
        _row(f"append {name}, {stream} vs new stream", long_stream, new_streams, fraction)
        for name, fraction in (("p50", 0.5), ("p99", 0.99))
    ]


def _interleaved(store: Runtime, samples: int) -> tuple[list[float], list[float]]:
    """Latencies in ms, long and new alternating. The new customers' data keys are
    made beforehand: both paths then differ only in the stream appended to."""
    newcomers = [f"bench-new-{n}" for n in range(samples + WARM_UP)]
    store.keys.data_keys(newcomers)
    long_stream: list[float] = []
    new_streams: list[float] = []
    for n, newcomer in enumerate(newcomers):
        long_ms = _timed(store.ingestor.append, [contact(LONG_CUSTOMER, f"long-{n}")])
        new_ms = _timed(store.ingestor.append, [contact(newcomer, f"new-{n}")])
        if n >= WARM_UP:
            long_stream.append(long_ms)
            new_streams.append(new_ms)
    return long_stream, new_streams


def _timed(append: Callable[[list[dict[str, Any]]], object], batch: list[dict[str, Any]]) -> float:
    start = perf_counter()
    append(batch)
    return (perf_counter() - start) * 1000


def _row(name: str, long_stream: list[float], new_streams: list[float], fraction: float) -> Row:
    return Row(
        name=name,
        unit="ms",
        measured=percentile(long_stream, fraction),
        baseline=percentile(new_streams, fraction),
        baseline_name="append to a new stream",
        goal=Goal("ratio", "<=", 1.2),
        details={"samples": len(long_stream)},
    )
