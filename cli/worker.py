"""`journey worker`: only the projection workers, for running them apart from
the HTTP servers (several may run: a batch is applied by exactly one)."""

from __future__ import annotations

import signal
from threading import Event

from rich.console import Console

from journey.runtime import open_store
from journey.settings import Settings
from projections.registry import context_for
from projections.workers import ProjectionWorkers

console = Console(stderr=True)


def worker() -> None:
    """Keep every projection current until SIGTERM or Ctrl-C."""
    stop = Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with open_store(Settings.from_env()) as store:
        running = ProjectionWorkers(store, context_for(store))
        running.start()
        console.print("projection workers running")
        stop.wait()
        running.stop()
