"""The shared base of every projection: a view (its tables and its tracking
position, written in one transaction) and a projection (a fold of facts into
the view, batch by batch).

Built on the eventsourcing 9.5 projection API: a view is a
`PostgresTrackingRecorder` (tracking table `<name>_tracking`, `max_tracking_id`,
`wait`), a projection is an `eventsourcing.projection.Projection` (`name`,
`topics`, `process_event`). Projections here take whole batches instead
(`process_batch`), which `projections.runner` uses: one transaction per batch
instead of per event. Each has one fold (`fold`), which its batches and the
bulk path of a rebuild (`projections.bulk`, a customer at a time) both use.
"""

from __future__ import annotations

import struct
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, TypeAlias

import orjson
import psycopg
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Dumper
from psycopg.pq import Format
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import set_json_dumps, set_json_loads

from journey.rules.facts import Fact
from journey.rules.sla import PolicyFor
from journey.vocabulary.events import TYPE_BY_TOPIC

APPLICATION_NAME = "journey"  # the tracked application: positions are its notification ids
Rows: TypeAlias = dict[str, list[tuple[Any, ...]]]  # a view's new rows by table role
Fold: TypeAlias = Callable[[Sequence[Fact]], Rows]


@dataclass(frozen=True)
class Step(Tracking):
    """The tracking position of a batch read after position `after`: its
    transaction applies only while the view is still tracked at `after`."""

    after: int = 0


class OpenedValue(Protocol):
    """An identity event's customer and `recorded_at`, and its clear value
    (None: its customer's key was destroyed, SPEC 7)."""

    @property
    def customer_id(self) -> str: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def value(self) -> str | None: ...


class SealedValues(Protocol):
    """The clear `pii.value` of the identity events at some positions
    (`journey.postgres.identity_values.SealedValues`)."""

    def values(self, positions: Sequence[int]) -> Mapping[int, OpenedValue]: ...


@dataclass(frozen=True)
class Context:
    """What projections are configured with (settings, never clocks).
    `sealed_values` and `identity_key` (an identity's keyed hash of its clear
    value, None when it does not normalise) are the identity index's."""

    policy_for: PolicyFor
    repeat_window: timedelta = timedelta(days=7)
    sealed_values: SealedValues | None = None
    identity_key: Callable[[str, str], str | None] | None = None


# jsonb in and out of projection tables through orjson
set_json_dumps(orjson.dumps)
set_json_loads(orjson.loads)


def connect(datastore: PostgresDatastore, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A connection of its own (outside the pool) with the datastore's settings,
    role included."""
    pool = datastore.pool
    assert isinstance(pool.kwargs, dict) and isinstance(pool.conninfo, str)
    kwargs = {key: value for key, value in pool.kwargs.items() if key != "row_factory"}
    return psycopg.connect(pool.conninfo, autocommit=autocommit, **kwargs)


def copy_rows(
    curs: Cursor[Any], table: Identifier, types: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Bulk-insert rows (binary COPY): the fast path for a batch's new rows. A
    `text[]` column takes a tuple of strings (`TextArrayDumper`)."""
    curs.adapters.register_dumper(None, TextArrayDumper)  # for this cursor's COPY only
    with curs.copy(SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(table)) as copy:
        copy.set_types(list(types))
        for row in rows:
            copy.write_row(row)


TEXT_OID, TEXT_ARRAY_OID = 25, 1009
_NO_ITEMS = struct.pack("!iii", 0, 0, TEXT_OID)  # no dimensions, no nulls, element type
_ONE_DIMENSION = struct.Struct("!iiiii")  # ... and the dimension's size and lower bound
_LENGTH = struct.Struct("!i")


class TextArrayDumper(Dumper):
    """A tuple of strings (no None) as a binary `text[]`, for COPY. psycopg's own
    list dumper works out the dimensions and the element type of every list it
    dumps, in Python: it made a case row cost five times an SLA row, two thirds
    of it the `agents` column. Rows repeat the same few tuples of agents, so each
    is encoded once per COPY."""

    oid = TEXT_ARRAY_OID
    format = Format.BINARY

    def __init__(self, cls: type, context: AdaptContext | None = None):
        super().__init__(cls, context)
        adapters = context.adapters if context else psycopg.adapters
        self._text = adapters.get_dumper_by_oid(TEXT_OID, Format.BINARY)(str, context).dump
        self._encoded: dict[tuple[str, ...], Buffer] = {}

    def dump(self, obj: tuple[str, ...]) -> Buffer:
        encoded = self._encoded.get(obj)
        if encoded is None:
            encoded = self._encoded[obj] = self._encode(obj)
        return encoded

    def _encode(self, items: tuple[str, ...]) -> Buffer:
        if not items:
            return _NO_ITEMS
        parts: list[Buffer] = [_ONE_DIMENSION.pack(1, 0, TEXT_OID, len(items), 1)]
        for item in items:
            text = self._text(item)
            if text is None:
                raise ValueError(f"a text[] item dumped to NULL: {item!r}")
            parts += (_LENGTH.pack(len(text)), text)
        return b"".join(parts)


class View(PostgresTrackingRecorder):
    """A projection's tables. `TABLES` maps a table's role to its DDL, written with
    `{table}` standing for the table's identifier, and `COLUMNS` to the types of
    the rows its write methods copy in; table names are the view's name plus the
    role (`cases_v1`, `cases_v1_sla`, ...)."""

    TABLES: ClassVar[dict[str, str]] = {}
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {}
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {}  # index suffix: (table role, DDL)

    def __init__(self, datastore: PostgresDatastore, name: str):
        super().__init__(datastore, tracking_table_name=f"{name}_tracking")
        self.name = name
        for role, ddl in self.TABLES.items():
            self.sql_create_statements.append(SQL(ddl).format(table=self.table(role)))
        for suffix, (role, ddl) in self.INDEXES.items():
            self.sql_create_statements.append(
                SQL(ddl).format(table=self.table(role), index=Identifier(f"{name}_{suffix}_idx"))
            )

    def table_name(self, role: str) -> str:
        return self.name if role == "main" else f"{self.name}_{role}"

    def table(self, role: str = "main") -> Identifier:
        return Identifier(self.table_name(role))

    def table_names(self) -> list[str]:
        return [self.table_name(role) for role in self.TABLES] + [self.tracking_table_name]

    def sql(self, template: str, **roles: str) -> Composed:
        """A statement with `{role}` placeholders filled by the view's table identifiers."""
        return SQL(template).format(**{key: self.table(role) for key, role in roles.items()})

    def copy(self, curs: Cursor[Any], rows: Rows) -> None:
        """Bulk-insert new rows into the tables of their roles."""
        for role, found in rows.items():
            if found:
                copy_rows(curs, self.table(role), self.COLUMNS[role], found)

    def record(self, facts: Sequence[Fact], fold: Fold, step: Step) -> None:
        """Copy in the rows of a batch's facts and record its position: for a view
        whose rows of a batch are folded from the batch alone."""
        with self.transaction(step) as curs:
            self.copy(curs, fold(facts))

    def loaded(self, curs: Cursor[DictRow], head: int) -> None:
        """Called once the bulk path has copied in every customer's rows up to log
        position `head`; a view whose rows need a pass over the whole table (a
        join) makes it here."""

    @contextmanager
    def transaction(self, tracking: Tracking) -> Iterator[Cursor[DictRow]]:
        """One transaction for a batch's table changes and its tracking position:
        exactly once, restartable. A position already recorded fails the batch,
        and so does a `Step` whose view is no longer tracked where the batch was
        read from (another runner moved it, or a rebuild swapped in a copy that
        is behind): its tracking row stays locked until the commit."""
        with self.datastore.transaction(commit=True) as curs:
            if isinstance(tracking, Step):
                self._claim(curs, tracking.after)
            yield curs
            self._insert_tracking(curs, tracking)

    def _claim(self, curs: Cursor[DictRow], after: int) -> None:
        curs.execute(
            SQL("SELECT notification_id FROM {} WHERE application_name = %s FOR UPDATE").format(
                Identifier(self.tracking_table_name)
            ),
            (APPLICATION_NAME,),
        )
        row = curs.fetchone()
        tracked = row["notification_id"] if row else 0
        if tracked != after:
            raise IntegrityError(f"{self.name}: tracked at {tracked}, batch read after {after}")

    def position(self) -> int:
        return self.max_tracking_id(APPLICATION_NAME) or 0


class BatchProjection(Projection[View]):
    """A fold of facts into a view. Subclasses set `name` (with a version suffix:
    bump it to rebuild from scratch beside the old one), `topics`, `view_class`,
    and write `fold` and `process_batch` with no SQL and no clock reads.

    `fold` is the one fold of a projection: the runner's batches go through it
    (`process_batch` hands it to the view, with what the view needs from before
    the batch) and so does the bulk path of a rebuild (a customer at a time)."""

    view_class: ClassVar[type[View]]
    topics: tuple[str, ...] = ()

    def __init__(self, view: View, context: Context):
        super().__init__(view)
        self.context = context
        self.types = frozenset(TYPE_BY_TOPIC[topic] for topic in self.topics)

    @property
    def view(self) -> View:
        return self._view

    def mine(self, facts: Iterable[Fact], after: int = 0) -> list[Fact]:
        """The facts of this projection's types after position `after`."""
        types = self.types
        return [f for f in facts if f.position > after and f.type in types]

    @abstractmethod
    def fold(self, facts: Sequence[Fact]) -> Rows:
        """The rows of facts (of this projection's types) that hold whole
        histories (a customer's, or each case's, as far as it goes). No SQL, no
        clock reads."""

    def process_batch(self, facts: Sequence[Fact], step: Step) -> None:
        """Apply a batch of facts (`mine`: every one of this projection's after
        `step.after` up to `step.notification_id`, in position order) through
        `fold`, and record `step` with it."""
        self.view.record(facts, self.fold, step)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """The library's one-event path (`ProjectionRunner`), never taken here."""
        raise NotImplementedError("projections take batches: see projections.runner")
