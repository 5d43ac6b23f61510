"""The store's recorder: the eventsourcing PostgreSQL application recorder with
gap-free positions, idempotency by event id and the per-customer hash chain.

Every write, the library's `insert_events` and the store's `append` alike, takes
the library's `EXCLUSIVE` table lock and reads the last position and each
stream's head (O(1) per customer, never the stream) in one pipelined round trip
(`_begin_write`), then assigns `position = last + 1 ...`, `recorded_at`
(monotonic), the stream version and the chain hash, COPYs the rows (`_write`)
and NOTIFYs subscribers, all in one transaction. As
positions are taken from the table under the lock, never from a sequence, a
rolled-back batch leaves no gap and commit order equals position order.

Longer than most modules (about 380 lines) on purpose: everything that runs
under the write lock, and the statements it sends, read in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
)
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.errors import UniqueViolation
from psycopg.pq import TransactionStatus
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier

from journey.ingest.ports import CREATED, DUPLICATE, AppendResult, EventConflict, StaleDataKey
from journey.stored.chain import GENESIS, chain_link, instant_json
from journey.stored.rows import (
    COLUMNS,
    SIGNATURE,
    TRAILER,
    NewEvent,
    copy_row,
    microseconds,
    new_event,
    own_columns,
)

COPY_BLOCK = 64 * 1024
INSERT_AT_MOST = 100  # events written by one INSERT with the COMMIT; more are COPYed
# Statements of the write path as bytes, composed once: psycopg caches the parsing
# of a bytes query, while a `Composed` is rendered again at every execute.
_BEGIN = b"BEGIN"
_SAVEPOINT = b"SAVEPOINT journey_write"
_ROLLBACK_TO_SAVEPOINT = b"ROLLBACK TO SAVEPOINT journey_write"
_COMMIT = b"COMMIT"
_ROLLBACK = b"ROLLBACK"


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a write goes, read under the lock."""

    last_position: int
    last_recorded_at: datetime
    heads: dict[str, tuple[int, bytes]]  # customer: (version, chain hash) of its last event


class JourneyRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "journey_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements = list(_create_statements(datastore.schema, events_table_name))
        self._table = SQL("{}.{}").format(
            Identifier(datastore.schema), Identifier(events_table_name)
        )
        self._copy = SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            self._table, SQL(", ").join(map(Identifier, COLUMNS))
        )
        self._event_id_index = f"{events_table_name}_event_id_idx"
        self._select_last = (
            SQL("SELECT notification_id, recorded_at FROM {} ORDER BY notification_id DESC LIMIT 1")
            .format(self._table)
            .as_bytes(None)
        )
        self._select_heads = (
            SQL(
                "SELECT h.originator_id, h.originator_version, h.chain_hash "
                "FROM unnest(%b::text[]) AS c(id) CROSS JOIN LATERAL ("
                "  SELECT originator_id, originator_version, chain_hash FROM {} "
                "  WHERE originator_id = c.id ORDER BY originator_version DESC LIMIT 1) AS h"
            )
            .format(self._table)
            .as_bytes(None)
        )
        self._insert = (
            SQL(
                "INSERT INTO {} ({}) SELECT c, t, s, e, o, k, d, v, p, %b, h FROM unnest("
                "%b::text[], %b::text[], %b::bytea[], %b::text[], %b::timestamptz[], %b::text[], "
                "%b::bytea[], %b::int8[], %b::int8[], %b::bytea[]) AS u(c, t, s, e, o, k, d, v, p, h)"
            )
            .format(self._table, SQL(", ").join(map(Identifier, COLUMNS)))
            .as_bytes(None)
        )
        self._notify = SQL("NOTIFY {}").format(Identifier(self.channel_name)).as_bytes(None)
        self._lock_statements = [
            s.as_bytes(None) if isinstance(s, Composable) else s for s in self.lock_table_statements
        ]
        self._keys_queries: dict[str, bytes] = {}

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """The library's write path: versions as given, store columns left empty."""
        if not stored_events:
            return []
        events = [new_event(e) for e in stored_events]
        with self.datastore.transaction(commit=True) as curs:
            place = self._begin_write(curs, events)
            return self._write(curs, events, place, next_versions=False)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def append(
        self, events: Sequence[NewEvent], keys_table: str = "journey_keys"
    ) -> list[AppendResult]:
        """The store's write path: idempotent by event id, atomic, next versions.

        Ids already stored with the same digest answer as duplicates; with another
        digest the whole batch is refused with `EventConflict`. Most batches hold
        no stored id, so the batch is first written as if new, after a savepoint;
        only when the event id index refuses it are the stored ids looked up.

        Two round trips for a small batch: BEGIN, the lock, the reads and the
        savepoint in one pipeline; the INSERT and COMMIT in another (a large one
        is COPYed, then committed: four)."""
        if not events:
            return []
        known: dict[str, tuple[int, bytes]] = {}
        with self.datastore.get_connection() as conn, _transaction(conn) as curs:
            place = self._begin_write(curs, events, keys_table, begin=True)
            try:
                fresh = _fresh(events, known)
                written = self._write_new(curs, list(fresh.values()), place)
            except (EventConflict, UniqueViolation) as error:
                if isinstance(error, UniqueViolation) and (
                    error.diag.constraint_name != self._event_id_index
                ):
                    raise
                curs.execute(_ROLLBACK_TO_SAVEPOINT)
                known = self._known(curs, [e.event_id for e in events if e.event_id is not None])
                fresh = _fresh(events, known)
                written = self._write_new(curs, list(fresh.values()), place)
        if not known and len(fresh) == len(events):  # the usual batch: every event new
            return [
                AppendResult(e.event_id or "", CREATED, p)
                for e, p in zip(events, written, strict=True)
            ]
        positions = dict(zip(fresh, written, strict=True))
        return [
            AppendResult(e.event_id or "", DUPLICATE, known[e.event_id][0])
            if e.event_id in known
            else AppendResult(
                e.event_id or "",
                CREATED if fresh[e.event_id] is e else DUPLICATE,
                positions[e.event_id],
            )
            for e in events
        ]

    def _begin_write(
        self,
        curs: Cursor[DictRow],
        events: Sequence[NewEvent],
        keys_table: str | None = None,
        *,
        begin: bool = False,
    ) -> _Place:
        """Take the table lock and read what the write needs, in one round trip
        (pipelined): the last position and `recorded_at`, each stream's head (one
        index probe per customer, never the stream) and, for the store's path, the
        data keys in use. NOTIFY is queued too: PostgreSQL delivers it on commit.
        With `begin` (a connection in autocommit mode, see `_transaction`) the
        pipeline also opens the transaction and ends with a savepoint."""
        customers = list({e.customer_id for e in events})
        used = {e.customer_id: e.data_key_check for e in events if e.data_key_check}
        conn = curs.connection
        with conn.pipeline():
            if begin:
                curs.execute(_BEGIN)
            self._lock_table(curs)
            curs.execute(self._notify)
            last = conn.cursor(row_factory=tuple_row).execute(self._select_last)
            heads = conn.cursor(row_factory=tuple_row).execute(self._select_heads, (customers,))
            keys = (
                conn.cursor(row_factory=tuple_row).execute(
                    self._select_keys(keys_table), (list(used),)
                )
                if keys_table and used
                else None
            )
            if begin:
                curs.execute(_SAVEPOINT)
        if keys is not None:
            current: dict[str, bytes] = {c: bytes(w) for c, w in keys.fetchall() if w}
            stale = [c for c, wrapped in used.items() if current.get(c) != wrapped]
            if stale:
                raise StaleDataKey(f"data keys changed for {stale}")
        row = last.fetchone()
        position, recorded_at = row if row is not None else (0, datetime.min.replace(tzinfo=UTC))
        return _Place(
            position,
            recorded_at,
            {customer: (version, bytes(chain)) for customer, version, chain in heads},
        )

    def _write(
        self,
        curs: Cursor[DictRow],
        events: Sequence[NewEvent],
        place: _Place,
        *,
        next_versions: bool,
    ) -> list[int]:
        """COPY the rows after `place`; `next_versions` appends each event at its
        stream's head, otherwise the stored events' own versions are kept."""
        recorded_at = _recorded_at(place)
        recorded_us = microseconds(recorded_at)
        first = place.last_position + 1
        with curs.copy(self._copy) as copy:  # sent in blocks: the server works meanwhile
            rows = bytearray(SIGNATURE)
            for event, version, position, chain in _placed(
                events, place, recorded_at, next_versions
            ):
                rows += copy_row(event, version, position, recorded_us, chain)
                if len(rows) >= COPY_BLOCK:
                    copy.write(rows)
                    rows = bytearray()
            copy.write(rows + TRAILER)
        return list(range(first, first + len(events)))

    def _write_new(
        self, curs: Cursor[DictRow], events: Sequence[NewEvent], place: _Place
    ) -> list[int]:
        if len(events) <= INSERT_AT_MOST:
            return self._insert_and_commit(curs, events, place)
        return self._write(curs, events, place, next_versions=True)

    def _insert_and_commit(
        self, curs: Cursor[DictRow], events: Sequence[NewEvent], place: _Place
    ) -> list[int]:
        """The rows after `place` (at their streams' heads) in one INSERT, sent with
        the COMMIT in one pipeline: a round trip, where a COPY and then a COMMIT
        take three. Only for a connection in `_transaction`."""
        recorded_at = _recorded_at(place)
        placed = list(_placed(events, place, recorded_at, next_versions=True))
        own = [own_columns(e) for e in events]
        columns = (
            [e.customer_id for e in events],
            [topic for topic, _, _, _, _ in own],
            [e.state for e in events],
            [event_id for _, event_id, _, _, _ in own],
            [occurred_at for _, _, occurred_at, _, _ in own],
            [case_id for _, _, _, case_id, _ in own],
            [digest for _, _, _, _, digest in own],
            [version for _, version, _, _ in placed],
            [position for _, _, position, _ in placed],
            [chain for _, _, _, chain in placed],
        )
        with curs.connection.pipeline():
            curs.execute(self._insert, (recorded_at, *columns), prepare=True)
            curs.execute(_COMMIT)
        first = place.last_position + 1
        return list(range(first, first + len(events)))

    def _select_keys(self, keys_table: str) -> bytes:
        query = self._keys_queries.get(keys_table)
        if query is None:
            query = (
                SQL("SELECT customer_id, wrapped_key FROM {} WHERE customer_id = ANY(%b)")
                .format(Identifier(keys_table))
                .as_bytes(None)
            )
            self._keys_queries[keys_table] = query
        return query

    def _lock_table(self, curs: Cursor[DictRow]) -> None:
        """The library's lock (see its `_lock_table`), its statements as bytes."""
        for statement in self._lock_statements:
            curs.execute(statement, prepare=True)

    def _known(self, curs: Cursor[DictRow], event_ids: list[str]) -> dict[str, tuple[int, bytes]]:
        if not event_ids:
            return {}
        curs.execute(
            SQL(
                "SELECT event_id, notification_id, content_digest FROM {} WHERE event_id = ANY(%s)"
            ).format(self._table),
            (event_ids,),
        )
        return {r["event_id"]: (r["notification_id"], r["content_digest"]) for r in curs}


@contextmanager
def _transaction(conn: Connection[DictRow]) -> Iterator[Cursor[DictRow]]:
    """A transaction whose BEGIN the caller sends in its first pipeline (saving
    the round trip of psycopg's own BEGIN): the connection is in autocommit mode
    meanwhile; COMMIT at the end (unless the caller committed in its last
    pipeline), ROLLBACK on any error. The connection goes back to the pool in the
    mode it was taken in (the library's pool hands out autocommit connections and
    its LISTEN, `subscribe`, relies on it)."""
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        curs = conn.cursor()
        try:
            yield curs
        except BaseException:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                with suppress(psycopg.Error):
                    curs.execute(_ROLLBACK)
            raise
        if conn.info.transaction_status != TransactionStatus.IDLE:  # not committed yet
            curs.execute(_COMMIT)
    finally:
        if not conn.closed and conn.info.transaction_status == TransactionStatus.IDLE:
            conn.autocommit = autocommit


def _recorded_at(place: _Place) -> datetime:
    """`recorded_at` of a write: now, never before the last stored event's."""
    return max(datetime.now(UTC), place.last_recorded_at)


def _placed(
    events: Sequence[NewEvent], place: _Place, recorded_at: datetime, next_versions: bool
) -> Iterator[tuple[NewEvent, int, int, bytes]]:
    """Each event with its version, position and chain hash, after `place`."""
    heads = dict(place.heads)  # this attempt's own: a refused one leaves `place` as it was
    recorded = instant_json(recorded_at)
    for position, event in enumerate(events, start=place.last_position + 1):
        head_version, previous = heads.get(event.customer_id, (0, GENESIS))
        version = head_version + 1 if next_versions else event.version
        chain = chain_link(previous, position, version, recorded, event.chain, event.state)
        heads[event.customer_id] = (max(version, head_version), chain)
        yield event, version, position, chain


def _fresh(
    events: Sequence[NewEvent], known: dict[str, tuple[int, bytes]]
) -> dict[str | None, NewEvent]:
    """The events to write (the first of each id not `known`), or `EventConflict`
    when an id comes with another content than it is stored or first given with."""
    fresh: dict[str | None, NewEvent] = {}
    for event in events:
        if event.event_id not in known:
            fresh.setdefault(event.event_id, event)
    if len(fresh) == len(events):  # every event new and its id given once: nothing to compare
        return fresh
    conflicts = [
        (index, e.event_id or "", known[e.event_id][0] if e.event_id in known else 0)
        for index, e in enumerate(events)
        if e.content_digest
        != (known[e.event_id][1] if e.event_id in known else fresh[e.event_id].content_digest)
    ]
    if conflicts:
        raise EventConflict(conflicts)
    return fresh


def _create_statements(schema: str, table: str) -> Iterable[Composed]:
    """Another events table (the library's recorder test cases use one): the shape
    of the migrated `journey_events` (columns, keys, indexes) and its append-only
    triggers. The events table itself comes only from migration 0001."""
    names = {
        "t": SQL("{}.{}").format(Identifier(schema), Identifier(table)),
        "events": SQL("{}.journey_events").format(Identifier(schema)),
        "no_change": Identifier(f"{table}_append_only"),
        "no_truncate": Identifier(f"{table}_no_truncate"),
    }
    yield SQL("CREATE TABLE IF NOT EXISTS {t} (LIKE {events} INCLUDING ALL)").format(**names)
    yield SQL(
        "CREATE OR REPLACE TRIGGER {no_change} BEFORE UPDATE OR DELETE ON {t} "
        "FOR EACH ROW EXECUTE FUNCTION journey_refuse_change()"
    ).format(**names)
    yield SQL(
        "CREATE OR REPLACE TRIGGER {no_truncate} BEFORE TRUNCATE ON {t} "
        "FOR EACH STATEMENT EXECUTE FUNCTION journey_refuse_change()"
    ).format(**names)
