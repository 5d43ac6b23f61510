"""A reader tailing the log while several processes append never misses an event.

Readers resume from the last position they saw (the projection runner, the SSE
feed, the library's `select_notifications`). That is only safe when no event
can commit with a position below one a reader has already seen: the recorder's
table lock makes commit order equal position order. Here three writer
processes append batches of random sizes, through the store's path and the
library's, while the test reads after the last position it saw, up to the head
at that moment, as fast as it can. Every read must continue exactly where the
previous one stopped: a position skipped and committed later would show up as a
gap between two reads."""

from __future__ import annotations

import multiprocessing
import random
import time

from eventsourcing.persistence import StoredEvent

from journey.postgres.reads import read_after
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings
from tests.factories import event

WRITERS = 3
BATCHES = 60


def store_writer(settings: Settings, url: str, seed: int) -> None:
    rng = random.Random(seed)
    with open_runtime(settings, url, pool_size=1) as store:
        for batch in range(BATCHES):
            store.ingestor.append(
                [
                    event(id=f"w{seed}-{batch}-{n}", customer_id=f"cust-{rng.randrange(8)}")
                    for n in range(rng.randint(1, 30))
                ]
            )


def library_writer(settings: Settings, url: str, seed: int) -> None:
    """The library's `insert_events`, one stream of its own, versions as given."""
    rng = random.Random(seed)
    version = 0
    with open_runtime(settings, url, pool_size=1) as store:
        for _ in range(BATCHES):
            size = rng.randint(1, 5)
            store.recorder.insert_events(
                [
                    StoredEvent(f"library-{seed}", version + n, "journey.events:Test", b"{}")
                    for n in range(1, size + 1)
                ]
            )
            version += size


def test_a_tailing_reader_sees_every_position_once_in_order(
    store: Runtime, settings: Settings, database_url: str
) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=store_writer, args=(settings, database_url, seed))
        for seed in range(WRITERS - 1)
    ] + [context.Process(target=library_writer, args=(settings, database_url, 99))]
    for process in writers:
        process.start()

    seen: list[int] = []
    library_seen: list[int] = []
    reads = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        writing = any(process.is_alive() for process in writers)
        head = store.recorder.max_notification_id() or 0
        rows = read_after(store.datastore, seen[-1] if seen else 0, head, 10_000)
        positions = [row[0] for row in rows]
        start = seen[-1] + 1 if seen else 1
        assert positions == list(range(start, start + len(positions))), "a gap between reads"
        seen += positions
        library = store.recorder.select_notifications(
            start=(library_seen[-1] + 1) if library_seen else 1, limit=10_000
        )
        library_ids = [n.id for n in library]
        start = library_seen[-1] + 1 if library_seen else 1
        assert library_ids == list(range(start, start + len(library_ids))), "a gap (library)"
        library_seen += library_ids
        reads += 1
        if not writing and len(seen) == head and len(library_seen) == head:
            break
    for process in writers:
        process.join(timeout=10)
    assert [p.exitcode for p in writers] == [0] * WRITERS

    total = store.recorder.max_notification_id() or 0
    assert seen == list(range(1, total + 1)) == library_seen
    assert total >= BATCHES * WRITERS
    assert reads > 10  # the reads really interleaved with the writes
