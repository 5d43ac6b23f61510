"""Run one operation from many threads for a fixed time; count and time each call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter

from bench.report import percentile


@dataclass(frozen=True)
class Throughput:
    operations: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        return self.operations / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies_ms, 0.5)

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies_ms, 0.99)


def hammer(threads: int, seconds: float, operation: Callable[[int, int], object]) -> Throughput:
    """Call `operation(thread, n)` with n = 0, 1, ... from each of `threads` threads
    until `seconds` have passed; the first error stops the run and is raised."""
    start_line = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []
    deadline = 0.0

    def worker(thread: int) -> None:
        start_line.wait()
        timings = latencies[thread]
        n = 0
        while perf_counter() < deadline and not errors:
            began = perf_counter()
            try:
                operation(thread, n)
            except BaseException as error:
                errors.append(error)
                return
            timings.append((perf_counter() - began) * 1000)
            n += 1

    workers = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(threads)]
    for thread in workers:
        thread.start()
    began = perf_counter()
    deadline = began + seconds
    start_line.wait()
    for thread in workers:
        thread.join()
    elapsed = perf_counter() - began
    if errors:
        raise errors[0]
    every = [ms for timings in latencies for ms in timings]
    return Throughput(len(every), elapsed, every)
