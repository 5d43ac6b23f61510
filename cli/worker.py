"""`journey worker`: only the projection workers, for running them apart from
the HTTP servers (several may run: a batch is applied by exactly one)."""

from __future__ import annotations

import signal
from threading import Event

from rich.console import Console

from cli.context import migrated_store
from projections.registry import context_for
from projections.workers import ProjectionWorkers

console = Console(stderr=True)


def worker() -> None:
    """Keep every projection current until SIGTERM or Ctrl-C."""
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with migrated_store() as store:
        running = ProjectionWorkers(store, context_for(store))
        running.start()
        console.print("projection workers running")
        stop.wait()
        running.stop()
