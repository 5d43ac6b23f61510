"""The bulk path of a rebuild: fresh views filled up to one log position in one
pass in customer order, customer by customer, on every core.

Every projection is per customer (a case belongs to one customer), so the log
up to `head` is read in customer order (the events table's primary key) and
each customer's facts are folded once, complete, by each projection's
`fold`, the same fold its batches go through; the rows are
copied in by the thousand. The customers are split into ranges of about equal
size, one per worker process (forked: a worker inherits the projections and
their configuration and opens its own connection). Once every range is in,
each view's `loaded` runs and its tracking position is set to `head` in one
transaction: the runner then catches up from `head` as from any position.
Memory holds one customer's facts and the rows waiting for their COPY.

Every position up to the head is committed (writers commit in position order),
so the rows up to `head` are a fixed set whatever is appended meanwhile.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from itertools import chain, groupby, pairwise
from multiprocessing.connection import Connection, wait
from operator import itemgetter
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from journey.ingest.memory import rare_collections
from journey.postgres.reads import by_customer, customer_splits
from journey.rules.facts import Fact, facts_from_stored
from projections.base import APPLICATION_NAME, BatchProjection, Rows, View, connect
from projections.readahead import read_ahead

log = logging.getLogger(__name__)
WORKERS = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
EVENTS_PER_WORKER = 20_000  # fewer, and a worker process costs more than it saves
FETCH = 2000  # rows per fetch from the server-side cursor
FLUSH = 20_000  # rows buffered before they are copied in
FOLDING = (100_000, 50, 100)  # garbage thresholds while folding: hardly any cycles
Statement = SQL | Composed
Range = tuple[str | None, str | None]  # customers from (inclusive) .. to (exclusive); None: open


def load(
    projections: Sequence[BatchProjection], head: int, progress: Callable[[int], None]
) -> bool:
    """Fill the empty views of `projections` with the log up to `head` and track
    `head`; `progress(rows read)`. False when a case spans customers (SPEC 3 rules
    that out, ingestion does not refuse it): folded per customer it makes two rows
    under one primary key, which then cannot be made. The views are left filled
    but untracked and without indexes: the caller makes them afresh and falls
    back to the runner from position 0."""
    datastore = projections[0].view.datastore
    with datastore.transaction(commit=True) as curs:
        indexes = _drop_indexes(curs, [p.view for p in projections])
    ranges = _ranges(projections, head)
    if len(ranges) == 1:
        _fill_range(projections, head, ranges[0], progress)
    else:
        _fill_in_workers(projections, head, ranges, progress)
    try:
        _side_by_side(datastore, list(indexes.values()), len(ranges))
    except psycopg.IntegrityError as error:
        log.warning("bulk rebuild abandoned, rebuilding batch by batch: %s", error)
        return False
    with datastore.transaction(commit=True) as curs:
        curs.execute("SET LOCAL jit = off")  # blind estimates (no statistics yet) would JIT
        for projection in projections:
            projection.view.loaded(curs, head)
            projection.view._insert_tracking(curs, Tracking(APPLICATION_NAME, head))
    return True


def _drop_indexes(curs: Cursor[DictRow], views: Sequence[View]) -> dict[str, list[Statement]]:
    """Drop the indexes (primary keys too) of the views' empty tables, so that rows
    are copied in without index upkeep. Per table, the statements that make its
    indexes again once it is filled (each built once, from sorted rows)."""
    tables = [view.table_name(role) for view in views for role in view.TABLES]
    curs.execute(
        "SELECT t.relname AS table, i.relname AS index, c.conname AS constraint, "
        "pg_get_indexdef(x.indexrelid) AS index_ddl, pg_get_constraintdef(c.oid) AS constraint_ddl "
        "FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "WHERE x.indrelid = ANY(%s::regclass[])",
        (tables,),
    )
    remakes: dict[str, list[Statement]] = {table: [] for table in tables}
    for row in curs.fetchall():
        table = Identifier(row["table"])
        remake = remakes[row["table"]]
        if row["constraint"] is not None:
            constraint = Identifier(row["constraint"])
            curs.execute(SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, constraint))
            remake.append(
                SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    table, constraint, SQL(row["constraint_ddl"])
                )
            )
        else:
            curs.execute(SQL("DROP INDEX {}").format(Identifier(row["index"])))
            remake.append(SQL(row["index_ddl"]))
    return remakes


def _side_by_side(
    datastore: PostgresDatastore, work: list[list[Statement]], connections: int
) -> None:
    """Run each list of statements in order, the lists spread over `connections`
    connections working side by side."""

    def run(lists: list[list[Statement]]) -> None:
        with connect(datastore, autocommit=True) as conn:
            for statements in lists:
                for statement in statements:
                    conn.execute(statement)

    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(run, [work[i::connections] for i in range(connections)]))


def _ranges(projections: Sequence[BatchProjection], head: int) -> list[Range]:
    """Customer ranges of about equal numbers of events, one per worker."""
    workers = max(1, min(WORKERS, math.ceil(head / EVENTS_PER_WORKER)))
    with projections[0].view.datastore.transaction(commit=False) as curs:
        splits = customer_splits(curs, head, workers)
    return list(pairwise([None, *splits, None]))


def _fill_in_workers(
    projections: Sequence[BatchProjection],
    head: int,
    ranges: list[Range],
    progress: Callable[[int], None],
) -> None:
    """One worker process per range, forked: it inherits the projections and
    their configuration, and opens its own connections. The first failure stops
    the others (their transactions roll back)."""
    fork = multiprocessing.get_context("fork")
    pipes, workers = [], []
    waiting: list[Connection] = []
    try:
        with warnings.catch_warnings():  # the workers use none of the parent's threads' state
            warnings.filterwarnings(
                "ignore", "This process .* is multi-threaded", DeprecationWarning
            )
            for customers in ranges:
                receiver, sender = fork.Pipe(duplex=False)
                worker = fork.Process(
                    target=_worker, args=(projections, head, customers, sender), daemon=True
                )
                worker.start()
                sender.close()
                pipes.append(receiver)
                workers.append(worker)
        waiting = list(pipes)
        while waiting:
            for ready in wait(waiting):
                assert isinstance(ready, Connection)
                try:
                    message = ready.recv()
                except EOFError:
                    message = "a worker died"
                if isinstance(message, int):
                    progress(message)
                elif message:
                    raise RuntimeError(f"bulk rebuild failed: {message}")
                else:
                    waiting.remove(ready)
    finally:
        for pipe, worker in zip(pipes, workers, strict=True):
            if worker.is_alive() and pipe in waiting:
                worker.terminate()
            worker.join()
            pipe.close()


def _worker(
    projections: Sequence[BatchProjection], head: int, customers: Range, sender: Connection
) -> None:
    """A forked worker's life. It ends with `os._exit`, never through Python's
    exit path: that would flush and print on streams and locks inherited from the
    parent in whatever state the fork found them (a progress bar's, say)."""
    status = 0
    try:
        _fill_range(projections, head, customers, sender.send)
        sender.send("")
    except BaseException as error:
        with suppress(BaseException):
            sender.send(f"{type(error).__name__}: {error}")
        status = 1
    os._exit(status)


def _fill_range(
    projections: Sequence[BatchProjection],
    head: int,
    customers: Range,
    progress: Callable[[int], None],
) -> None:
    """Fold and copy in the events up to `head` of a range of customers, in one
    transaction on a connection of its own; the rows are read on another by a
    thread that fetches ahead, so the server finds the next rows while these are
    folded."""
    datastore = projections[0].view.datastore
    with connect(datastore) as conn, conn.transaction(), rare_collections(FOLDING):
        sink = _Sink(conn.cursor(), projections)
        read = 0
        query, params = by_customer(head, *customers)
        rows = chain.from_iterable(read_ahead(datastore, query, params, FETCH))
        for _, group in groupby(rows, key=itemgetter(1)):
            stored = list(group)  # one customer's rows
            sink.fold(facts_from_stored(stored, sink.topics))
            read += len(stored)
            if read >= FETCH:
                progress(read)
                read = 0
        progress(read)
        sink.flush()


class _Sink:
    """Folds customers into each projection's rows and copies them in by the
    thousand."""

    def __init__(self, curs: Cursor[Any], projections: Sequence[BatchProjection]):
        self.curs = curs
        self.projections = projections
        self.topics = {topic for p in projections for topic in p.topics}
        self.every = [set(p.topics) == self.topics for p in projections]  # every fact read
        self.pending: list[Rows] = [{} for _ in projections]
        self.buffered = 0

    def fold(self, facts: list[Fact]) -> None:
        """Fold one customer's facts."""
        for projection, every, pending in zip(
            self.projections, self.every, self.pending, strict=True
        ):
            mine = facts if every else projection.mine(facts)
            if not mine:
                continue
            for role, rows in projection.fold(mine).items():
                pending.setdefault(role, []).extend(rows)
                self.buffered += len(rows)
        if self.buffered >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for projection, pending in zip(self.projections, self.pending, strict=True):
            projection.view.copy(self.curs, pending)
            pending.clear()
        self.buffered = 0
