"""`python -m bench.profile_import [--events N] [--html PATH]`: where the time of
`journey import` goes, as a pyinstrument profile of `import_lines` on a fresh
database (the text tree is printed; the HTML page is written when asked)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from pyinstrument import Profiler

from bench.database import fresh_database, server_url
from bench.workload import event_lines, write_lines
from journey.ingest.importer import import_lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_import", description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="generated events to import")
    parser.add_argument("--html", type=Path, help="also write the interactive profile here")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as folder:
        lines = Path(folder) / "events.jsonl"
        write_lines(lines, event_lines(options.events))
        with fresh_database(server_url(), "profile") as db, db.store() as store:
            profiler = Profiler(interval=0.0005)
            with lines.open("rb") as file, profiler:
                import_lines(store.ingestor, file)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if options.html:
        options.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
