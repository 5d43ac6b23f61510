"""Bulk import (`journey import`): events/s of `import_lines` against a raw binary
`COPY` of the very same stored rows into a table of the same shape, and the peak
RSS of a `journey import` process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter, process_time

from bench.database import BenchDatabase, fresh_database
from bench.report import Goal, Row
from bench.scale import Scale
from bench.workload import copy_baseline, event_lines, write_lines
from journey.ingest.importer import PREPARER_NICENESS, import_lines

MEGABYTE = 1024 * 1024


def run(scale: Scale, server: str) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as folder:
        lines = Path(folder) / "events.jsonl"
        count = write_lines(lines, event_lines(scale.import_events))
        file_mb = lines.stat().st_size / MEGABYTE
        with fresh_database(server, "import") as db:
            import_seconds, import_cpu = _timed_import(db, lines, count)
            with db.admin() as conn:
                copied, copy_seconds = copy_baseline(conn, Path(folder))
        if copied != count:
            raise RuntimeError(f"baseline COPY stored {copied} of {count} rows")
        with fresh_database(server, "import_rss") as db:
            import_tree, import_rss = _peak_memory(
                [sys.executable, "-m", "cli", "import", str(lines)], db
            )
            bare_tree, _ = _peak_memory([sys.executable, "-m", "cli", "--help"], db)
    return [
        Row(
            name=f"bulk import, {count:,} events",
            unit="events/s",
            measured=count / import_seconds,
            baseline=count / copy_seconds,
            baseline_name="raw binary COPY of the same rows",
            goal=Goal("ratio", ">=", 0.5),
            details={
                "events": count,
                "import_s": import_seconds,
                "import_client_cpu_s": import_cpu,
                "copy_s": copy_seconds,
                "file_mb": file_mb,
            },
        ),
        Row(
            name=f"peak memory of `journey import` with its preparers, {count:,} events",
            unit="MB",
            measured=import_tree / MEGABYTE,
            baseline=bare_tree / MEGABYTE,
            baseline_name="`journey --help`",
            goal=Goal("measured", "<=", 300, " MB"),
            details={
                "events": count,
                "measure": "peak of the summed PSS of the process tree, sampled every 50 ms",
                "largest_process_peak_rss_mb": round(import_rss / MEGABYTE, 1),
            },
        ),
    ]


def _timed_import(db: BenchDatabase, lines: Path, count: int) -> tuple[float, float]:
    """Wall and client CPU seconds of the import."""
    with db.store() as store, lines.open("rb") as file:
        db.checkpoint()
        start, cpu_start = perf_counter(), process_time()
        summary = import_lines(
            store.ingestor, file, preparers=store.preparers(niceness=PREPARER_NICENESS)
        )
        seconds, cpu_seconds = perf_counter() - start, process_time() - cpu_start
    if summary.created != count:
        raise RuntimeError(f"import created {summary.created} of {count}: {summary.rejects[:3]}")
    return seconds, cpu_seconds


def _peak_memory(command: list[str], db: BenchDatabase) -> tuple[int, int]:
    """(peak summed PSS of the command's process tree, peak RSS of its largest
    process), in bytes: see `bench.peak_rss`."""
    launcher = [sys.executable, "-m", "bench.peak_rss", *command]
    done = subprocess.run(
        launcher, env={**os.environ, **db.environment}, capture_output=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode()[-2000:]}")
    tree, largest = done.stdout.split()[-2:]
    return int(tree), int(largest)
