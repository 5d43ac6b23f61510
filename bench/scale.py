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
    reads_small: int  # events stored for the reads' smaller size (a multiple of 1,000)
    reads_large: int  # ... and the larger one, where the rebuild is timed (a multiple of small)
    read_samples: int  # reads timed per path and size
    merge_samples: int  # merges timed per size (identities)


QUICK = Scale(
    import_events=50_000,
    stream_events=100_000,
    append_samples=300,
    threads=16,
    concurrent_seconds=3.0,
    reads_small=20_000,
    reads_large=200_000,
    read_samples=300,
    merge_samples=5,
)
FULL = Scale(
    import_events=1_000_000,
    stream_events=100_000,
    append_samples=2_000,
    threads=16,
    concurrent_seconds=10.0,
    reads_small=100_000,
    reads_large=1_000_000,
    read_samples=2_000,
    merge_samples=15,
)
