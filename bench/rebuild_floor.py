"""`python -m bench.rebuild_floor [--events N] [--rounds R]`: how fast a rebuild of
every projection could be on this machine with this design, whatever the folds
cost. Over N imported events it times, R times each and against the same
sequential read as `python -m bench` (`bench.projection_rebuild`):

- `rebuild`: the product path, `projections.registry.rebuild` of all projections;
- `no folds`: the same path, each projection's `fold` answered from rows
  it folded in an earlier run (a lookup per customer): reading the log,
  decoding the events, copying the rows in and making the indexes;
- `no folds, no decoding`: also the decoded facts looked up instead of decoded:
  reading the rows, copying the projection rows in, making the indexes.

The earlier run records every customer's facts and rows in this process (one
worker, so they stay here; the timed runs' forked workers inherit them).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from unittest import mock

from bench.database import fresh_database, server_url
from bench.projection_rebuild import rebuild_all, timed_rebuild
from bench.workload import import_generated
from journey.rules.facts import Fact, Stored, facts_from_stored
from journey.runtime import Runtime
from projections import bulk
from projections.base import BatchProjection, Rows
from projections.registry import PROJECTIONS

Recorded = tuple[dict[str, list[Fact]], dict[tuple[type, str], Rows]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rebuild_floor", description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="generated events to import")
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of each variant")
    options = parser.parse_args(argv)
    with fresh_database(server_url(), "rebuild_floor") as db:
        import_generated(db, options.events)
        with db.store() as store:
            recorded = _record(store)
            variants: dict[str, Callable[[], ExitStack]] = {
                "rebuild": ExitStack,
                "no folds": lambda: _replaying(recorded, facts=False),
                "no folds, no decoding": lambda: _replaying(recorded, facts=True),
            }
            for _ in range(options.rounds):
                for name, patches in variants.items():
                    with patches():
                        _timed(store, name, options.events)
    return 0


def _timed(store: Runtime, name: str, events: int) -> None:
    seconds, read_seconds = timed_rebuild(store, events)
    read_rate = events / read_seconds
    print(
        f"{name:>22}: {events / seconds:>9,.0f} events/s, sequential read "
        f"{read_rate:>11,.0f} rows/s, ratio {events / seconds / read_rate:.3f}",
        flush=True,
    )


def _record(store: Runtime) -> Recorded:
    """One rebuild in this process, keeping each customer's facts and each
    projection's rows of each customer."""
    facts: dict[str, list[Fact]] = {}
    rows: dict[tuple[type, str], Rows] = {}

    def decoding(stored: Iterable[Stored], topics: set[str]) -> list[Fact]:
        stored = list(stored)
        facts[stored[0][1]] = facts_from_stored(stored, topics)
        return facts[stored[0][1]]

    with ExitStack() as patches, mock.patch.object(bulk, "WORKERS", 1):
        patches.enter_context(mock.patch.object(bulk, "facts_from_stored", decoding))
        for projection_class in PROJECTIONS:
            fold = projection_class.fold

            def folding(
                self: BatchProjection, mine: Sequence[Fact], fold: Callable[..., Rows] = fold
            ) -> Rows:
                rows[type(self), mine[0].customer_id] = fold(self, mine)
                return rows[type(self), mine[0].customer_id]

            patches.enter_context(mock.patch.object(projection_class, "fold", folding))
        rebuild_all(store)
    return facts, rows


def _replaying(recorded: Recorded, facts: bool) -> ExitStack:
    """Folds (and, when `facts`, decoding) answered from what `_record` kept."""
    kept_facts, kept_rows = recorded
    patches = ExitStack()
    for projection_class in PROJECTIONS:

        def folded(self: BatchProjection, mine: Sequence[Fact]) -> Rows:
            return kept_rows[type(self), mine[0].customer_id]

        patches.enter_context(mock.patch.object(projection_class, "fold", folded))
    if facts:

        def decoded(stored: Sequence[Stored], topics: set[str]) -> list[Fact]:
            return kept_facts[stored[0][1]]

        patches.enter_context(mock.patch.object(bulk, "facts_from_stored", decoded))
    return patches


if __name__ == "__main__":
    raise SystemExit(main())
