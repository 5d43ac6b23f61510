"""Rows of one query read ahead of their consumer: a thread fetches them from a
server-side cursor, in a transaction on a connection of its own,
while the consumer works on the previous fetch (the bulk rebuild folds while
the server finds the next rows)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row
from psycopg.sql import Composed

from projections.base import connect

AHEAD = 4  # fetches read ahead of the consumer


def read_ahead(
    datastore: PostgresDatastore, query: Composed, params: Sequence[object], size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `query`, in order, fetch by fetch of `size` rows (not row by
    row: resuming a generator per row costs more than `chain` does), fetched by a
    thread of their own at most `AHEAD` fetches ahead of the consumer."""
    fetches: queue.Queue[list[tuple[Any, ...]] | BaseException] = queue.Queue(AHEAD)
    stop = threading.Event()

    def fetch() -> None:
        try:
            with (
                connect(datastore) as conn,
                conn.transaction(),
                conn.cursor("bulk_rebuild", row_factory=tuple_row, binary=True) as rows,
            ):
                rows.execute(query, params)
                while not stop.is_set():
                    fetched = rows.fetchmany(size)
                    fetches.put(fetched)
                    if not fetched:
                        return
        except BaseException as error:  # handed to the consumer, which raises it
            fetches.put(error)

    reader = threading.Thread(target=fetch, name="bulk-read", daemon=True)
    reader.start()
    try:
        while True:
            fetched = fetches.get()
            if isinstance(fetched, BaseException):
                raise fetched
            if not fetched:
                return
            yield fetched
    finally:
        stop.set()
        while reader.is_alive():  # unblock a reader waiting to put
            with suppress(queue.Empty):
                fetches.get_nowait()
            reader.join(0.01)
