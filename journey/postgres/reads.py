"""The read side's one reader of the event log: besides the recorder and the
migrations, the only module that names the events table. It serves a
customer's timeline, the global feed and the facts of one customer or case for
replays (`EventReads`); the runner's batches (`read_after`), the cases
projection's earlier facts (`case_facts_upto`) and the bulk rebuild's scan in
customer order (`customer_splits`, `by_customer`); the sealed `pii` of given
positions for the identity index (`sealed_rows`); the table's identifier
(`EVENTS`, for a view's statement that joins the log) and its NOTIFY channel.

Every `EventReads` query can be bounded by knowledge time (`recorded_at <=
as_of`), valid time (`occurred_at <= at`) and a ceiling position, so paging
under concurrent appends sees one fixed set of events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal
from psycopg_pool import ConnectionPool

from journey.postgres.fetch import fetch_all, fetch_one
from journey.reading.bounds import Bounds
from journey.rules.facts import Fact, Stored, fact_from_stored, facts_from_stored
from journey.vocabulary.events import TOPIC_BY_TYPE

EVENTS_TABLE = "journey_events"
EVENTS = Identifier(EVENTS_TABLE)
CHANNEL = EVENTS_TABLE  # the recorder NOTIFYs on the table's name in each commit
ROW = SQL(
    "SELECT notification_id, originator_id, topic, state, occurred_at, recorded_at FROM {}"
).format(EVENTS)
# A stored row as read: (position, customer id, topic, state, occurred_at,
# recorded_at). Plain tuples: psycopg makes them without a Python call per row, a
# fifth of a 1,000-event timeline read's time against dicts.
StoredRow = tuple[int, str, str, bytes, datetime | None, datetime]


def holds_events(conn: psycopg.Connection[Any]) -> bool:
    """Whether the database has an events table with an event in it."""
    table = conn.execute(SQL("SELECT to_regclass({})").format(Literal(f"public.{EVENTS_TABLE}")))
    if table.fetchone() == (None,):
        return False
    found = conn.execute(SQL("SELECT EXISTS (SELECT FROM {})").format(EVENTS)).fetchone()
    return found == (True,)


def _bounded(bounds: Bounds) -> list[tuple[Composable, tuple[Any, ...]]]:
    """The conditions of a read's bounds (SPEC 6, and a paging ceiling)."""
    found: list[tuple[Composable, tuple[Any, ...]]] = []
    if bounds.as_of is not None:
        found.append((SQL("recorded_at <= %s"), (bounds.as_of,)))
    if bounds.at is not None:
        found.append((SQL("occurred_at <= %s"), (bounds.at,)))
    if bounds.ceiling is not None:
        found.append((SQL("notification_id <= %s"), (bounds.ceiling,)))
    return found


class EventReads:
    def __init__(self, pool: ConnectionPool[Any]):
        self._pool = pool

    def last_position(self) -> int:
        row = fetch_one(
            self._pool, SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(EVENTS)
        )
        return int(row[0]) if row else 0

    def timeline(
        self,
        customer_ids: Sequence[str],
        bounds: Bounds,
        *,
        types: Sequence[str] = (),
        channel: str | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> list[StoredRow]:
        """Stored rows of the customers' streams in (occurred_at, position) order."""
        conditions = [_streams(customer_ids), *_bounded(bounds)]
        if types:
            topics = [TOPIC_BY_TYPE[t] for t in types]
            conditions.append((SQL("topic = ANY(%s)"), (topics,)))
        if channel is not None:
            conditions.append(
                (SQL("convert_from(state, 'UTF8')::jsonb ->> 'channel' = %s"), (channel,))
            )
        if after is not None:
            conditions.append((SQL("(occurred_at, notification_id) > (%s, %s)"), after))
        return self._rows(conditions, SQL("occurred_at, notification_id"), limit)

    def latest(
        self, customer_ids: Sequence[str], bounds: Bounds, types: Sequence[str], limit: int
    ) -> list[StoredRow]:
        """The latest `limit` stored rows of `types` of the customers' streams,
        latest first: each stream's timeline index read backwards, then merged."""
        topics = [TOPIC_BY_TYPE[t] for t in types]
        where, params = _where([*_bounded(bounds), (SQL("topic = ANY(%s)"), (topics,))])
        query = SQL(
            "SELECT e.* FROM unnest(%s::text[]) AS s(id) CROSS JOIN LATERAL ({} "
            "WHERE originator_id = s.id AND {} ORDER BY occurred_at DESC, notification_id DESC "
            "LIMIT {}) AS e ORDER BY e.occurred_at DESC, e.notification_id DESC LIMIT {}"
        ).format(ROW, where, Literal(limit), Literal(limit))
        return fetch_all(self._pool, query, (list(customer_ids), *params), binary=True)

    def has_events(self, customer_ids: Sequence[str], bounds: Bounds) -> bool:
        """Whether any of the streams has an event under the bounds (an EXISTS:
        no ordering of a person's events across streams for one row)."""
        where, params = _where([_streams(customer_ids), *_bounded(bounds)])
        query = SQL("SELECT EXISTS (SELECT FROM {} WHERE {})").format(EVENTS, where)
        found = fetch_one(self._pool, query, params)
        return bool(found and found[0])

    def feed(self, after: int, limit: int) -> list[StoredRow]:
        """Stored rows after a position, in position order."""
        conditions = [(SQL("notification_id > %s"), (after,))]
        return self._rows(conditions, SQL("notification_id"), limit)

    def customer_facts(self, customer_ids: Sequence[str], bounds: Bounds) -> list[Fact]:
        """The facts of the customers' streams in (occurred_at, position) order."""
        return self._facts([_streams(customer_ids), *_bounded(bounds)])

    def facts_at(self, positions: Sequence[int], bounds: Bounds) -> list[Fact]:
        """The facts of the events at `positions` that the bounds let through, in
        (occurred_at, position) order (e.g. every merge, as a reading saw them)."""
        return self._facts(
            [(SQL("notification_id = ANY(%s)"), (list(positions),)), *_bounded(bounds)]
        )

    def case_facts(self, case_id: str, bounds: Bounds) -> list[Fact]:
        return self._facts([(SQL("case_id = %s"), (case_id,)), *_bounded(bounds)])

    def _facts(self, conditions: Sequence[tuple[Composable, tuple[Any, ...]]]) -> list[Fact]:
        return [
            fact_from_stored(position, customer_id, topic, state)
            for position, customer_id, topic, state, _, _ in self._rows(
                conditions, SQL("occurred_at, notification_id"), None
            )
        ]

    def _rows(
        self,
        conditions: Sequence[tuple[Composable, tuple[Any, ...]]],
        order: Composable,
        limit: int | None,
    ) -> list[StoredRow]:
        where, params = _where(conditions)
        query = SQL("{} WHERE {} ORDER BY {} LIMIT {}").format(
            ROW, where, order, SQL("ALL") if limit is None else Literal(limit)
        )
        return fetch_all(self._pool, query, params, binary=True)


def _streams(customer_ids: Sequence[str]) -> tuple[Composable, tuple[Any, ...]]:
    if len(customer_ids) == 1:
        return SQL("originator_id = %s"), (customer_ids[0],)
    return SQL("originator_id = ANY(%s)"), (list(customer_ids),)


def _where(
    conditions: Sequence[tuple[Composable, tuple[Any, ...]]],
) -> tuple[Composable, tuple[Any, ...]]:
    params: tuple[Any, ...] = ()
    for _, values in conditions:
        params += values
    return SQL(" AND ").join(c for c, _ in conditions), params


_READ_AFTER = SQL(
    "SELECT notification_id, originator_id, topic, state FROM {} "
    "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
).format(EVENTS)


@retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
def read_after(datastore: PostgresDatastore, after: int, upto: int, limit: int) -> list[Stored]:
    """(position, customer id, topic, state) of the events after `after` up to
    `upto`, in position order: a runner's batch, an index range scan read in binary."""
    with datastore.get_connection() as conn:
        cursor = conn.cursor(row_factory=tuple_row)
        cursor.execute(_READ_AFTER, (after, upto, limit), binary=True, prepare=True)
        return cursor.fetchall()


def case_facts_upto(
    curs: Cursor[Any], cases: list[str], topics: Sequence[str], upto: int
) -> list[Fact]:
    """The facts of `topics` naming one of `cases`, up to position `upto`, read in
    the transaction of `curs`."""
    rows = curs.connection.cursor(row_factory=tuple_row).execute(
        SQL(
            "SELECT notification_id, originator_id, topic, state FROM {} "
            "WHERE case_id = ANY(%s) AND notification_id <= %s AND topic = ANY(%s)"
        ).format(EVENTS),
        (cases, upto, list(topics)),
        binary=True,
    )
    return facts_from_stored(rows, topics)


def customer_splits(curs: Cursor[Any], head: int, parts: int) -> list[str]:
    """Customer ids that split the log up to about `head` events into `parts`
    ranges of about equal numbers of events, in order (fewer where one customer
    spans a split)."""
    splits: list[str] = []
    query = SQL("SELECT originator_id FROM {} ORDER BY originator_id OFFSET %s LIMIT 1").format(
        EVENTS
    )
    for part in range(1, parts):
        row = (
            curs.connection.cursor(row_factory=tuple_row)
            .execute(query, (head * part // parts,))
            .fetchone()
        )
        if row and (not splits or row[0] > splits[-1]):
            splits.append(row[0])
    return splits


def by_customer(head: int, start: str | None, end: str | None) -> tuple[Composed, list[object]]:
    """The query of the stored rows up to `head` of the customers from `start`
    (inclusive) to `end` (exclusive; None: open), in customer order (the table's
    primary key), as `Stored` rows."""
    conditions: list[Composable] = [SQL("notification_id <= %s")]
    params: list[object] = [head]
    if start is not None:
        conditions.append(SQL("originator_id >= %s"))
        params.append(start)
    if end is not None:
        conditions.append(SQL("originator_id < %s"))
        params.append(end)
    query = SQL(
        "SELECT notification_id, originator_id, topic, state FROM {} "
        "WHERE {} ORDER BY originator_id"
    ).format(EVENTS, SQL(" AND ").join(conditions))
    return query, params


SealedRow = tuple[int, str, datetime, bytes]  # (position, customer id, recorded_at, state)


def sealed_rows(curs: Cursor[Any], positions: Sequence[int]) -> list[SealedRow]:
    """(position, customer id, recorded_at, state) of the events at `positions`
    (the state holds the sealed `pii`), read in the transaction of `curs`."""
    rows: list[SealedRow] = (
        curs.connection.cursor(row_factory=tuple_row)
        .execute(
            SQL(
                "SELECT notification_id, originator_id, recorded_at, state FROM {} "
                "WHERE notification_id = ANY(%s)"
            ).format(EVENTS),
            (list(positions),),
            binary=True,
        )
        .fetchall()
    )
    return rows
