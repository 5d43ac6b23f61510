"""Runs projections over the event log: in batches, exactly once, live.

Each step reads the next batch of stored events after the view's tracked
position (up to the log's head at that moment: every position up to it is
committed, as writers commit in position order under the recorder's lock),
folds it, and records the view change and the batch's last position in one
transaction. `follow` repeats that whenever PostgreSQL NOTIFYs a commit on the
events table (LISTEN; no sleeping poll loop). Two runners on one view cannot
apply a batch twice: the second's tracking insert fails and rolls it back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from threading import Event
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError, OperationalError
from psycopg.sql import SQL, Identifier

from journey.postgres.reads import CHANNEL, read_after
from journey.postgres.recorder import JourneyRecorder
from journey.rules.facts import Fact, facts_from_stored
from projections.base import APPLICATION_NAME, BatchProjection, Step, connect

log = logging.getLogger(__name__)
BATCH_SIZE = 2000


class Runner:
    """Feeds one or more projections from one read of the log: each batch is read
    and decoded once, and each projection applies the part it has not applied yet,
    in its own transaction with its own tracking position."""

    def __init__(
        self,
        recorder: JourneyRecorder,
        projections: BatchProjection | Sequence[BatchProjection],
        batch_size: int = BATCH_SIZE,
    ):
        self.recorder = recorder
        self.projections = (
            [projections] if isinstance(projections, BatchProjection) else list(projections)
        )
        self.batch_size = batch_size
        self._side_by_side = (
            ThreadPoolExecutor(len(self.projections), thread_name_prefix="fold")
            if len(self.projections) > 1
            else None
        )

    @property
    def name(self) -> str:
        return "+".join(p.view.name for p in self.projections)

    def step(self) -> int:
        """Process one batch; the number of positions advanced (0: caught up, or
        no view took the batch)."""
        positions = {id(p): p.view.position() for p in self.projections}
        start = min(positions.values())
        head = self.recorder.max_notification_id() or 0
        if head <= start:
            return 0
        rows = read_after(self.recorder.datastore, start, head, self.batch_size)
        last = rows[-1][0] if len(rows) == self.batch_size else head
        topics = {topic for p in self.projections for topic in p.topics}
        facts = facts_from_stored(rows, topics)
        behind = [p for p in self.projections if positions[id(p)] < last]
        if self._side_by_side is None:
            applied = [self._apply(p, positions[id(p)], facts, last) for p in behind]
        else:  # their transactions run side by side: the database works while Python folds
            apply = lambda p: self._apply(p, positions[id(p)], facts, last)  # noqa: E731
            applied = list(self._side_by_side.map(apply, behind))
        return last - start if any(applied) else 0

    @staticmethod
    def _apply(projection: BatchProjection, position: int, facts: list[Fact], last: int) -> bool:
        """Apply the batch's part after `position`; False when the view had moved
        (another runner applied it, or a rebuild swapped in another copy): the
        next step reads the position again."""
        try:
            projection.process_batch(
                projection.mine(facts, position), Step(APPLICATION_NAME, last, after=position)
            )
        except IntegrityError as error:
            log.info("%s: batch to %s not applied: %s", projection.name, last, error)
            return False
        return True

    def catch_up(self, progress: Callable[[int], None] = lambda _: None) -> None:
        while advanced := self.step():
            progress(advanced)

    def follow(self, stop: Event, wake_timeout: float = 1.0) -> None:
        """Keep the view current until `stop` is set; survives database restarts."""
        while not stop.is_set():
            try:
                with self._listener() as listener:
                    while not stop.is_set():
                        self.catch_up()
                        for _ in listener.notifies(timeout=wake_timeout, stop_after=1):
                            pass
            except (OperationalError, psycopg.OperationalError) as error:
                log.warning("%s: database unavailable (%s); retrying", self.name, error)
                stop.wait(1.0)

    def _listener(self) -> psycopg.Connection[Any]:
        conn = connect(self.recorder.datastore, autocommit=True)
        conn.execute(SQL("LISTEN {}").format(Identifier(CHANNEL)))
        return conn
