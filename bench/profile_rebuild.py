"""`python -m bench.profile_rebuild [--events N] [--html PATH]`: where the time of a
projection rebuild goes, as a pyinstrument profile of `projections.registry.rebuild`
of every projection at once over N imported events, its bulk pass held in this
process (one worker) so that the profiler sees it (the text tree is printed; the
HTML page is written when asked)."""

from __future__ import annotations

import argparse
from pathlib import Path
from time import perf_counter

from pyinstrument import Profiler

from bench.database import fresh_database, server_url
from bench.workload import import_generated
from projections import bulk
from projections.registry import PROJECTIONS, context_for, rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_rebuild", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="generated events to import")
    parser.add_argument("--html", type=Path, help="also write the interactive profile here")
    options = parser.parse_args(argv)
    bulk.WORKERS = 1
    with fresh_database(server_url(), "profile_rebuild") as db:
        import_generated(db, options.events)
        with db.store() as store:
            context = context_for(store)
            profiler = Profiler(interval=0.0005)
            names = [projection_class.name for projection_class in PROJECTIONS]
            start = perf_counter()
            with profiler:
                rebuild(store, context, names, lambda _a, _h: None)
            spent = perf_counter() - start
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"all {len(names)}: {spent:.2f} s, {options.events / spent:,.0f} events/s (profiled)")
    if options.html:
        options.html.write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
