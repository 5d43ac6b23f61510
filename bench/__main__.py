"""`python -m bench [--quick] [--only NAME]... [--json PATH]`: run the benchmarks,
print the table and write it as JSON."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from rich.console import Console

from bench import (
    append_latency,
    brief,
    bulk_import,
    http_ingest,
    identities,
    library_path,
    reads,
    repeated_keys,
)
from bench.database import server_url, server_version
from bench.reference import describe, reference
from bench.report import Row, print_table, write_json
from bench.scale import FULL, QUICK, Scale

BENCHMARKS: dict[str, Callable[[Scale, str], list[Row]]] = {
    "import": bulk_import.run,
    "append": append_latency.run,
    "library": library_path.run,
    "http": http_ingest.run,
    "reads": reads.run,
    "brief": brief.run,
    "keys": repeated_keys.run,
    "identities": identities.run,
}
DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    scale = QUICK if options.quick else FULL
    console = Console() if sys.stdout.isatty() else Console(width=150)
    server = server_url()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    load_at_start = os.getloadavg()
    speed_at_start = reference(server)
    run_start = perf_counter()
    rows: list[Row] = []
    timings: dict[str, float] = {}
    failed: dict[str, str] = {}
    for name in options.only or list(BENCHMARKS):
        console.print(f"[bold]{name}[/] ...", end=" ")
        start = perf_counter()
        try:
            rows += BENCHMARKS[name](scale, server)
        except Exception as error:  # one broken path must not hide the other figures
            failed[name] = f"{type(error).__name__}: {error}"
            console.print(f"[red]failed: {failed[name]}", highlight=False)
            continue
        timings[name] = perf_counter() - start
        console.print(f"{timings[name]:.1f} s")
    print_table(rows, console)
    for row in rows:
        details = ", ".join(f"{key}={_short(value)}" for key, value in row.details.items())
        console.print(f"[dim]{row.name}: {details}", highlight=False)
    context = {
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "quick": options.quick,
        "started_at": started_at,
        "total_seconds": round(perf_counter() - run_start, 1),
        "load_average": {"start": load_at_start, "end": os.getloadavg()},
        "seconds": timings,
        "failed": failed,
        "machine": _machine(server),
        "reference": {"start": speed_at_start, "end": reference(server)},
    }
    write_json(options.json, rows, context)
    loads = " → ".join(
        " ".join(f"{x:.2f}" for x in load) for load in context["load_average"].values()
    )
    console.print(
        f"{context['total_seconds']:.0f} s in all; load average {loads}; written to {options.json}",
        highlight=False,
    )
    speeds = " → ".join(describe(speed) for speed in context["reference"].values())
    console.print(f"machine reference (bench/reference.py): {speeds}", highlight=False)
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under two minutes")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help=f"where to write the rows (default {DEFAULT_JSON})",
    )
    return parser


def _machine(server: str) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "postgresql": server_version(server),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    raise SystemExit(main())
