"""The store's recorder: the eventsourcing PostgreSQL application recorder with
gap-free positions, idempotency by event id and the per-customer hash chain.

Every write, the library's `insert_events` and the store's `append` alike, goes
through `_write`: under the library's `EXCLUSIVE` table lock it reads the last
position and each stream's head (O(1) per customer, never the stream), assigns
`position = last + 1 ...`, `recorded_at` (monotonic), the stream version and the
chain hash, COPYs the rows and NOTIFYs subscribers, all in one transaction. As
positions are taken from the table under the lock, never from a sequence, a
rolled-back batch leaves no gap and commit order equals position order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType, retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composed, Identifier

from journey.chain import GENESIS, ChainedRow, chain_hash

COLUMNS = (
    "originator_id",
    "originator_version",
    "topic",
    "state",
    "notification_id",
    "event_id",
    "occurred_at",
    "case_id",
    "recorded_at",
    "content_digest",
    "chain_hash",
)
COPY_TYPES = (
    "text",
    "int8",
    "text",
    "bytea",
    "int8",
    "text",
    "timestamptz",
    "text",
    "timestamptz",
    "bytea",
    "bytea",
)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: the library's stored event and the store's own columns.
    Its `originator_version` is ignored: the store assigns the next one."""

    stored: StoredEvent
    event_id: str | None = None
    occurred_at: datetime | None = None
    case_id: str | None = None
    content_digest: bytes | None = None
    data_key_check: bytes | None = None  # the wrapped data key the pii was sealed with


@dataclass(frozen=True, slots=True)
class Appended:
    event_id: str | None
    position: int
    created: bool


class EventConflict(IntegrityError):
    """Event ids already stored with other content; nothing of the batch was written."""

    def __init__(self, conflicts: Sequence[tuple[int, str, int]]):
        self.conflicts = list(conflicts)  # (index in the batch, event id, stored position or 0)
        ids = ", ".join(f"{event_id!r} (#{index})" for index, event_id, _ in conflicts)
        super().__init__(f"already stored with different content: {ids}")


class StaleDataKey(IntegrityError):
    """A customer's data key changed (erased) while the batch was being sealed."""


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
        self._read_after = SQL(
            "SELECT notification_id, originator_id, topic, state FROM {} "
            "WHERE notification_id > %s AND notification_id <= %s ORDER BY notification_id LIMIT %s"
        ).format(self._table)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """The library's write path: versions as given, store columns left empty."""
        if not stored_events:
            return []
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            return self._write(curs, [NewEvent(e) for e in stored_events], next_versions=False)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def append(
        self, events: Sequence[NewEvent], keys_table: str = "journey_keys"
    ) -> list[Appended]:
        """The store's write path: idempotent by event id, atomic, next versions.

        Ids already stored with the same digest answer as duplicates; with another
        digest the whole batch is refused with `EventConflict`."""
        if not events:
            return []
        with self.datastore.transaction(commit=True) as curs:
            self._lock_table(curs)
            known = self._known(curs, [e.event_id for e in events if e.event_id is not None])
            fresh: dict[str | None, NewEvent] = {}
            for event in events:
                if event.event_id not in known:
                    fresh.setdefault(event.event_id, event)
            conflicts = [
                (index, e.event_id or "", known[e.event_id][0] if e.event_id in known else 0)
                for index, e in enumerate(events)
                if e.content_digest
                != (
                    known[e.event_id][1]
                    if e.event_id in known
                    else fresh[e.event_id].content_digest
                )
            ]
            if conflicts:
                raise EventConflict(conflicts)
            self._check_data_keys(curs, keys_table, events)
            written = self._write(curs, list(fresh.values()), next_versions=True)
        positions = dict(zip(fresh, written, strict=True))
        return [
            Appended(e.event_id, known[e.event_id][0], False)
            if e.event_id in known
            else Appended(e.event_id, positions[e.event_id], fresh[e.event_id] is e)
            for e in events
        ]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def read_after(self, after: int, upto: int, limit: int) -> list[tuple[int, str, str, bytes]]:
        """(position, customer id, topic, state) of the events after `after` up to
        `upto`, in position order: an index range scan, read in binary."""
        with self.datastore.get_connection() as conn:
            cursor = conn.cursor(row_factory=tuple_row)
            cursor.execute(self._read_after, (after, upto, limit), binary=True, prepare=True)
            return cursor.fetchall()

    def _write(
        self, curs: Cursor[DictRow], events: Sequence[NewEvent], *, next_versions: bool
    ) -> list[int]:
        """Insert under the table lock; `next_versions` appends each event at its
        stream's head, otherwise the stored events' own versions are kept."""
        last_position, last_recorded = self._last(curs)
        heads = self._stream_heads(curs, {str(e.stored.originator_id) for e in events})
        recorded_at = max(datetime.now(UTC), last_recorded)
        rows = []
        for offset, event in enumerate(events, start=1):
            customer = str(event.stored.originator_id)
            head_version, previous = heads.get(customer, (0, GENESIS))
            version = head_version + 1 if next_versions else event.stored.originator_version
            row = ChainedRow(
                position=last_position + offset,
                customer_id=customer,
                version=version,
                topic=event.stored.topic,
                event_id=event.event_id,
                occurred_at=event.occurred_at,
                case_id=event.case_id,
                recorded_at=recorded_at,
                content_digest=event.content_digest,
                state=event.stored.state,
            )
            digest = chain_hash(previous, row)
            heads[customer] = (max(version, head_version), digest)
            rows.append(
                (
                    row.customer_id,
                    row.version,
                    row.topic,
                    row.state,
                    row.position,
                    row.event_id,
                    row.occurred_at,
                    row.case_id,
                    row.recorded_at,
                    row.content_digest,
                    digest,
                )
            )
        with curs.copy(self._copy) as copy:
            copy.set_types(COPY_TYPES)
            for values in rows:
                copy.write_row(values)
        self._notify_channel(curs)
        return [values[4] for values in rows]

    def _last(self, curs: Cursor[DictRow]) -> tuple[int, datetime]:
        curs.execute(
            SQL(
                "SELECT notification_id, recorded_at FROM {} ORDER BY notification_id DESC LIMIT 1"
            ).format(self._table)
        )
        row = curs.fetchone()
        if row is None:
            return 0, datetime.min.replace(tzinfo=UTC)
        return int(row["notification_id"]), row["recorded_at"]

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

    def _stream_heads(
        self, curs: Cursor[DictRow], customers: Iterable[str]
    ) -> dict[str, tuple[int, bytes]]:
        """Each stream's last version and chain hash: one index probe per customer."""
        curs.execute(
            SQL(
                "SELECT h.originator_id, h.originator_version, h.chain_hash "
                "FROM unnest(%s::text[]) AS c(id) CROSS JOIN LATERAL ("
                "  SELECT originator_id, originator_version, chain_hash FROM {} "
                "  WHERE originator_id = c.id ORDER BY originator_version DESC LIMIT 1) AS h"
            ).format(self._table),
            (list(customers),),
        )
        return {r["originator_id"]: (r["originator_version"], bytes(r["chain_hash"])) for r in curs}

    def _check_data_keys(
        self, curs: Cursor[DictRow], keys_table: str, events: Sequence[NewEvent]
    ) -> None:
        used = {str(e.stored.originator_id): e.data_key_check for e in events if e.data_key_check}
        if not used:
            return
        curs.execute(
            SQL("SELECT customer_id, wrapped_key FROM {} WHERE customer_id = ANY(%s)").format(
                Identifier(keys_table)
            ),
            (list(used),),
        )
        current = {r["customer_id"]: r["wrapped_key"] for r in curs}
        stale = [c for c, wrapped in used.items() if current.get(c) != wrapped]
        if stale:
            raise StaleDataKey(f"data keys changed for {stale}")


class JourneyFactory(PostgresFactory):
    """The library's PostgreSQL factory with the store's recorder, whose every
    connection acts as the application's role (`DB_ROLE`), set before the pool opens."""

    application_recorder_class = JourneyRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        role = self.env.get("DB_ROLE")
        if role:
            kwargs = self.datastore.pool.kwargs
            assert isinstance(kwargs, dict)
            kwargs["options"] = f"-c role={role}"


def _create_statements(schema: str, table: str) -> Iterable[Composed]:
    """The events table for test schemas; production tables come from migration 0001."""
    names = {
        "t": SQL("{}.{}").format(Identifier(schema), Identifier(table)),
        "pos": Identifier(f"{table}_notification_id_idx"),
        "eid": Identifier(f"{table}_event_id_idx"),
        "tl": Identifier(f"{table}_timeline_idx"),
    }
    yield SQL(
        "CREATE TABLE IF NOT EXISTS {t} (originator_id text NOT NULL, "
        "originator_version bigint NOT NULL, topic text NOT NULL, state bytea NOT NULL, "
        "notification_id bigint NOT NULL, event_id text, occurred_at timestamptz, case_id text, "
        "recorded_at timestamptz NOT NULL, content_digest bytea, chain_hash bytea NOT NULL, "
        "PRIMARY KEY (originator_id, originator_version))"
    ).format(**names)
    yield SQL("CREATE UNIQUE INDEX IF NOT EXISTS {pos} ON {t} (notification_id)").format(**names)
    yield SQL("CREATE UNIQUE INDEX IF NOT EXISTS {eid} ON {t} (event_id)").format(**names)
    yield SQL(
        "CREATE INDEX IF NOT EXISTS {tl} ON {t} (originator_id, occurred_at, notification_id)"
    ).format(**names)
