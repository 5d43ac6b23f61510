"""`python -m bench.instructions [--events N]`: the Python instructions one
imported event costs, counted by valgrind's callgrind. A count, not a time: it
comes out the same on a busy machine as on an idle one, so a change of a few
per cent shows, where timings here move by ten.

Counted: one preparer's work on a chunk (`journey.ingest.importer._prepare`: validate,
fetch or make the data keys, seal, digest, encode, pack), and that plus the
importing process's (`Ingestor.write` of the unpacked chunk: heads, chain,
COPY rows, results). Each runs in a process of its own under callgrind, on a
fresh database, for N and for 3N generated events; the difference divided by
2N leaves out start-up and imports. Not counted: system calls (a `getrandom`
or a pipe write costs time and no instructions here) and PostgreSQL's work.
The total repeats to within a few hundred instructions; the split between
preparing and writing moved by about 3,000 between runs (threads of the
connection pool count too). Needs `valgrind` on the PATH; takes about two
minutes."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.database import BenchDatabase, fresh_database, server_url
from bench.workload import event_lines, write_lines
from journey.ingest.importer import _prepare
from journey.ingest.memory import rare_collections
from journey.ingest.preparers import unpack

MODES = ("prepare", "write")
_COLLECTED = re.compile(rb"Collected : (\d+)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--events", type=int, default=4000, help="N (the runs take N and 3N)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)  # mode lines n url data_dir
    options = parser.parse_args(argv)
    if options.child:
        return _child(*options.child)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    small, large = options.events, 3 * options.events
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as folder:
        lines = Path(folder) / "events.jsonl"
        write_lines(lines, event_lines(large))
        counts = {
            mode: (_counted(mode, lines, large) - _counted(mode, lines, small)) / (large - small)
            for mode in MODES
        }
    print(f"instructions per imported event ({small:,} and {large:,} events):")
    print(f"  preparing (one preparer's process)  {counts['prepare']:>9,.0f}")
    print(f"  writing (the importing process)     {counts['write'] - counts['prepare']:>9,.0f}")
    print(f"  in all                              {counts['write']:>9,.0f}")
    return 0


def _counted(mode: str, lines: Path, count: int) -> int:
    with fresh_database(server_url(), f"instructions_{mode}") as db:
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                "-m",
                "bench.instructions",
                "--child",
                mode,
                str(lines),
                str(count),
                db.url,
                str(db.data_dir),
            ],
            env={
                "JOURNEY_MASTER_KEY": db.master_key,
                "PYTHONHASHSEED": "0",  # the same set and dict orders in every run
                **_path_environment(),
            },
            capture_output=True,
            check=False,
        )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind run failed: {done.stderr.decode()[-2000:]}")
    return int(found.group(1))


def _child(mode: str, lines: str, count: str, url: str, data_dir: str) -> int:
    db = BenchDatabase(url, Path(data_dir), os.environ["JOURNEY_MASTER_KEY"])
    chunk = Path(lines).read_bytes().splitlines()[: int(count)]
    with db.store(pool_size=1) as store, rare_collections():  # as in the import's processes
        prepared = _prepare(store.ingestor, (1, chunk))
        if prepared.rejects:
            raise RuntimeError(f"rejected: {prepared.rejects[:3]}")
        if mode == "write" and len(store.ingestor.write(unpack(prepared.new_events))) != len(chunk):
            raise RuntimeError("not every event was written")
    return 0


def _path_environment() -> dict[str, str]:
    keep = ("PATH", "HOME", "PYTHONPATH", "JOURNEY_DB_ROLE", "TMPDIR", "LANG")
    return {name: os.environ[name] for name in keep if name in os.environ}


if __name__ == "__main__":
    raise SystemExit(main())
