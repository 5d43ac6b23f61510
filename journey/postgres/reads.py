"""SQL of the read paths served straight from the events table: a customer's
timeline, the global feed, and the facts of one customer or case for replays.

Every query can be bounded by knowledge time (`recorded_at <= as_of`), valid
time (`occurred_at <= at`) and a ceiling position, so paging under concurrent
appends sees one fixed set of events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row, tuple_row
from psycopg.sql import SQL, Composable, Literal
from psycopg_pool import ConnectionPool

from journey.rules.facts import Fact, fact_from_stored
from journey.vocabulary.events import TOPIC_BY_TYPE

ROW = SQL(
    "SELECT notification_id, originator_id, topic, state, occurred_at, recorded_at "
    "FROM journey_events"
)
# A stored row as read: (position, customer id, topic, state, occurred_at,
# recorded_at). Plain tuples: psycopg makes them without a Python call per row, a
# fifth of a 1,000-event timeline read's time against dicts.
StoredRow = tuple[int, str, str, bytes, datetime | None, datetime]


@dataclass(frozen=True, slots=True)
class Bounds:
    """Which stored events a read may see."""

    as_of: datetime | None = None
    at: datetime | None = None
    ceiling: int | None = None  # highest position (a paging snapshot)

    def where(self) -> list[tuple[Composable, tuple[Any, ...]]]:
        found: list[tuple[Composable, tuple[Any, ...]]] = []
        if self.as_of is not None:
            found.append((SQL("recorded_at <= %s"), (self.as_of,)))
        if self.at is not None:
            found.append((SQL("occurred_at <= %s"), (self.at,)))
        if self.ceiling is not None:
            found.append((SQL("notification_id <= %s"), (self.ceiling,)))
        return found


class EventReads:
    def __init__(self, pool: ConnectionPool[Any]):
        self._pool = pool

    def last_position(self) -> int:
        row = self._one(SQL("SELECT coalesce(max(notification_id), 0) AS p FROM journey_events"))
        return int(row["p"]) if row else 0

    def timeline(
        self,
        customer_id: str,
        bounds: Bounds,
        *,
        types: Sequence[str] = (),
        channel: str | None = None,
        after: tuple[datetime, int] | None = None,
        limit: int = 100,
    ) -> list[StoredRow]:
        """Stored rows of one customer in (occurred_at, position) order."""
        conditions = [(SQL("originator_id = %s"), (customer_id,)), *bounds.where()]
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

    def has_events(self, customer_id: str, bounds: Bounds) -> bool:
        return bool(
            self._rows(
                [(SQL("originator_id = %s"), (customer_id,)), *bounds.where()],
                SQL("occurred_at, notification_id"),
                1,
            )
        )

    def feed(self, after: int, limit: int) -> list[StoredRow]:
        """Stored rows after a position, in position order."""
        conditions = [(SQL("notification_id > %s"), (after,))]
        return self._rows(conditions, SQL("notification_id"), limit)

    def customer_facts(self, customer_id: str, bounds: Bounds) -> list[Fact]:
        return self._facts([(SQL("originator_id = %s"), (customer_id,)), *bounds.where()])

    def case_facts(self, case_id: str, bounds: Bounds) -> list[Fact]:
        return self._facts([(SQL("case_id = %s"), (case_id,)), *bounds.where()])

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
        with self._pool.connection() as conn:
            rows: list[StoredRow] = (
                conn.cursor(row_factory=tuple_row).execute(query, params, binary=True).fetchall()
            )
            return rows

    def _one(self, query: Composable) -> dict[str, Any] | None:
        with self._pool.connection() as conn:
            row: dict[str, Any] | None = conn.cursor(row_factory=dict_row).execute(query).fetchone()
            return row


def _where(
    conditions: Sequence[tuple[Composable, tuple[Any, ...]]],
) -> tuple[Composable, tuple[Any, ...]]:
    params: tuple[Any, ...] = ()
    for _, values in conditions:
        params += values
    return SQL(" AND ").join(c for c, _ in conditions), params
