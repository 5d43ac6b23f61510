"""Group commit: many concurrent small appends share one transaction.

The store's writers serialise on one table lock, so a transaction per request
caps single-event ingest at a few hundred per second. Here a writer thread
takes every request waiting in the queue (up to a cap), appends them all in one
transaction, and answers each request only after that commit. Requests that
arrive while a transaction runs form the next group, so batching grows with the
load and adds no delay when idle. A group that fails (a conflicting id, say)
is retried request by request, so one bad request fails only itself.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from threading import Thread

from eventsourcing.persistence import InterfaceError, OperationalError

from journey.ingestion import AppendResult, Ingestor
from journey.validation import EventIn

log = logging.getLogger(__name__)
MAX_GROUP_EVENTS = 2000


@dataclass
class _Request:
    events: Sequence[EventIn]
    done: Future[list[AppendResult]] = field(default_factory=Future)


class GroupCommitter:
    def __init__(self, ingestor: Ingestor, max_events: int = MAX_GROUP_EVENTS):
        self._ingestor = ingestor
        self._max_events = max_events
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._thread = Thread(target=self._run, name="group-commit", daemon=True)
        self._thread.start()

    def submit(self, events: Sequence[EventIn]) -> Future[list[AppendResult]]:
        """Queue valid events for the next group; the future resolves after commit."""
        request = _Request(events)
        self._queue.put(request)
        return request.done

    def append(self, events: Sequence[EventIn]) -> list[AppendResult]:
        return self.submit(events).result()

    def close(self) -> None:
        """Write what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            group, stopping = self._next_group()
            if group:
                self._commit(group)

    def _next_group(self) -> tuple[list[_Request], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        group, size = [first], len(first.events)
        while size < self._max_events:
            try:
                request = self._queue.get_nowait()
            except queue.Empty:
                break
            if request is None:
                return group, True
            group.append(request)
            size += len(request.events)
        return group, False

    def _commit(self, group: list[_Request]) -> None:
        try:
            results = self._ingestor.append_valid([e for r in group for e in r.events])
        except Exception as error:
            unavailable = isinstance(error, (OperationalError, InterfaceError))
            if len(group) == 1 or unavailable:
                # The database is down: retrying alone cannot help, and what is
                # queued would wait a whole retry cycle each; all answer 503 now.
                for request in group + (self._waiting() if unavailable else []):
                    request.done.set_exception(error)
                return
            for request in group:  # one bad request fails only itself
                self._settle_alone(request)
            return
        start = 0
        for request in group:
            request.done.set_result(results[start : start + len(request.events)])
            start += len(request.events)

    def _waiting(self) -> list[_Request]:
        """Take the requests queued now, leaving a stop request in the queue."""
        taken: list[_Request] = []
        while True:
            try:
                request = self._queue.get_nowait()
            except queue.Empty:
                return taken
            if request is None:
                self._queue.put(None)
                return taken
            taken.append(request)

    def _settle_alone(self, request: _Request) -> None:
        try:
            request.done.set_result(self._ingestor.append_valid(request.events))
        except Exception as error:  # handed to the waiting request, which raises it
            request.done.set_exception(error)
