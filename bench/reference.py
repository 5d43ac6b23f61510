"""How fast this machine is at the moment: three fixed workloads, measured at
the start and the end of a run, so absolute figures (a p99 against its goal)
can be compared across machines and sessions. Ratios need no such help;
absolute goals do, because the machines here are shared and their speed varies
from day to day.

- `python_ms`: a fixed pure-Python loop (ten million additions), median of 5.
- `select_1_ms`: one `SELECT 1` round trip to the benchmark server, median of 200.
- `wake_ms`: one byte to another process and back over pipes, median of 2,000:
  the wake-ups a request's chain (client, server, PostgreSQL) is made of.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from statistics import median
from time import perf_counter

import psycopg

from journey.postgres.database import ConnectionParams

LOOP = 10_000_000


def reference(server: str) -> dict[str, float]:
    return {
        "python_ms": _python_ms(),
        "select_1_ms": _select_1_ms(server),
        "wake_ms": _wake_ms(),
    }


def describe(measured: dict[str, float]) -> str:
    return (
        f"{LOOP / 1e6:.0f}M-step loop {measured['python_ms']:.0f} ms, "
        f"SELECT 1 {measured['select_1_ms']:.3f} ms, pipe ping-pong {measured['wake_ms']:.3f} ms"
    )


def _median_ms(action: Callable[[], object], times: int) -> float:
    """The median milliseconds of `times` calls of `action`."""
    timings = []
    for _ in range(times):
        start = perf_counter()
        action()
        timings.append((perf_counter() - start) * 1000)
    return median(timings)


def _python_ms() -> float:
    def loop() -> int:
        total = 0
        for step in range(LOOP):
            total += step
        return total

    return round(_median_ms(loop, 5), 1)


def _select_1_ms(server: str) -> float:
    conninfo = ConnectionParams.from_url(server).conninfo()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return round(_median_ms(lambda: conn.execute("SELECT 1").fetchone(), 200), 3)


def _wake_ms() -> float:
    child_reads, parent_writes = os.pipe()
    parent_reads, child_writes = os.pipe()
    child = os.fork()
    if child == 0:  # echo every byte back until the pipe closes
        os.close(parent_writes)
        os.close(parent_reads)
        while byte := os.read(child_reads, 1):
            os.write(child_writes, byte)
        os._exit(0)
    os.close(child_reads)
    os.close(child_writes)

    def ping_pong() -> bytes:
        os.write(parent_writes, b"x")
        return os.read(parent_reads, 1)

    try:
        return round(_median_ms(ping_pong, 2000), 4)
    finally:
        os.close(parent_writes)
        os.close(parent_reads)
        os.waitpid(child, 0)
