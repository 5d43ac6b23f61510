"""The projection workers that `journey serve` runs: one thread per projection,
each following the log live (projections.runner.Runner.follow)."""

from __future__ import annotations

import logging
from threading import Event, Thread

from journey.runtime import Runtime
from projections.base import BatchProjection, Context
from projections.registry import PROJECTIONS, build
from projections.runner import Runner

log = logging.getLogger(__name__)


class ProjectionWorkers:
    def __init__(self, store: Runtime, context: Context):
        self._store = store
        self._context = context
        self._stop = Event()
        self._threads: list[Thread] = []
        self.projections: list[BatchProjection] = []

    def start(self) -> None:
        for projection_class in PROJECTIONS:
            projection = build(projection_class, self._store.datastore, self._context)
            self.projections.append(projection)
            runner = Runner(self._store.recorder, projection)
            thread = Thread(target=self._run, args=(runner,), name=projection.name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def _run(self, runner: Runner) -> None:
        try:
            runner.follow(self._stop)
        except Exception:
            log.exception("projection %s stopped", runner.name)
            raise
