"""How big each benchmark runs: `--quick` (under two minutes on two cores) or full."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    import_events: int
    stream_events: int  # the long stream of the append benchmark
    append_samples: int  # appends timed per path
    threads: int  # concurrent writers
    concurrent_seconds: float  # how long each concurrent path runs


QUICK = Scale(import_events=50_000, stream_events=100_000, append_samples=300, threads=16,
              concurrent_seconds=3.0)
FULL = Scale(import_events=1_000_000, stream_events=100_000, append_samples=2_000, threads=16,
             concurrent_seconds=10.0)
