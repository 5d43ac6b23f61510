"""Which projections run, and how one is built, rebuilt beside the old copy,
and reported on. Add a projection by adding its class to `PROJECTIONS`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from journey.postgres.identity_values import SealedValues
from journey.postgres.recorder import JourneyRecorder
from journey.runtime import Runtime
from projections import bulk
from projections.base import BatchProjection, Context, connect
from projections.brief import BriefProjection
from projections.cases import CasesProjection
from projections.contacts import ContactsProjection
from projections.deflection import DeflectionProjection
from projections.identities import IdentitiesProjection, IdentityKeys
from projections.runner import Runner
from projections.surveys import SurveysProjection

PROJECTIONS: tuple[type[BatchProjection], ...] = (
    CasesProjection,
    ContactsProjection,
    SurveysProjection,
    DeflectionProjection,
    IdentitiesProjection,
    BriefProjection,
)
REBUILD_SUFFIX = "_next"
REBUILD_LOCK = "journey projection rebuild: "  # advisory lock key, hashed with the name


def context_for(store: Runtime) -> Context:
    """What the projections are configured with; the configuration file read
    (and an invalid one refused) here, at start."""
    sla = store.sla_config
    store.identities_config  # noqa: B018 (validated at start, naming an invalid entry)
    return Context(
        policy_for=cache(sla.policy_for),
        repeat_window=store.settings.repeat_window,
        sealed_values=SealedValues(store.datastore, store.settings.master_key),
        identity_key=IdentityKeys(store.ingestor.normaliser, store.identity_secret),
    )


def by_name(name: str) -> type[BatchProjection]:
    for projection_class in PROJECTIONS:
        if projection_class.name == name:
            return projection_class
    known = ", ".join(p.name for p in PROJECTIONS)
    raise KeyError(f"no projection named {name!r} (known: {known})")


def build(
    projection_class: type[BatchProjection],
    datastore: PostgresDatastore,
    context: Context,
    name: str | None = None,
) -> BatchProjection:
    """The projection over its view, tables created when missing."""
    view = projection_class.view_class(datastore, name or projection_class.name)
    view.create_table()
    return projection_class(view, context)


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    lag: int
    state: str  # "current", "behind", or "rebuilding"


def status(store: Runtime) -> list[ProjectionStatus]:
    head = store.recorder.max_notification_id() or 0
    found = []
    for projection_class in PROJECTIONS:
        view = projection_class.view_class(store.datastore, projection_class.name)
        position = view.position() if _exists(store.datastore, view.tracking_table_name) else 0
        rebuilding = _exists(store.datastore, projection_class.name + REBUILD_SUFFIX + "_tracking")
        state = "rebuilding" if rebuilding else ("current" if position >= head else "behind")
        found.append(ProjectionStatus(projection_class.name, position, head - position, state))
    return found


def rebuild(
    store: Runtime, context: Context, names: Sequence[str], progress: Callable[[int, int], None]
) -> None:
    """Build fresh copies beside the live ones (which keep answering): filled up
    to the log's current head in one pass in customer order (`projections.bulk`),
    then caught up by the runner with what was appended meanwhile; then swap each
    copy's tables in one transaction. `progress(advanced, head)`; `advanced` is
    negative once, undoing what was reported, when the bulk pass gives up."""
    classes = [by_name(name) for name in names]
    with _rebuilding(store.datastore, [c.name for c in classes]):
        fresh = _empty_copies(store, context, classes)
        try:
            _fill(store, context, classes, fresh, progress)
        except BaseException:
            _drop(store.datastore, [t for p in fresh for t in p.view.table_names()])
            raise
        for projection in fresh:
            _swap(
                store.datastore,
                projection.view.table_names(),
                projection.view.name,
                projection.name,
            )
    live = [build(c, store.datastore, context) for c in classes]
    Runner(store.recorder, live).catch_up()


class RebuildRunning(RuntimeError):
    """Another rebuild of the same projection is under way."""


@contextmanager
def _rebuilding(datastore: PostgresDatastore, names: list[str]) -> Iterator[None]:
    """Hold a session advisory lock per projection for the whole rebuild: a second
    rebuild of one of them is refused instead of dropping the first's tables."""
    with connect(datastore, autocommit=True) as conn:
        for name in names:
            row = conn.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s)) AS taken", (REBUILD_LOCK + name,)
            ).fetchone()
            if not (row and row[0]):
                raise RebuildRunning(f"a rebuild of {name} is already running")
        yield  # the locks go with the connection


def _fill(
    store: Runtime,
    context: Context,
    classes: Sequence[type[BatchProjection]],
    fresh: list[BatchProjection],
    progress: Callable[[int, int], None],
) -> None:
    """Fill the fresh copies up to the log's head: the bulk pass, else the batch
    path from 0; then the runner catches up with what was appended meanwhile."""
    head = _head(store.recorder)
    read = 0

    def loading(rows: int) -> None:
        nonlocal read
        read += rows
        progress(rows, head)

    if head and not bulk.load(fresh, head, loading):
        progress(-read, head)
        fresh[:] = _empty_copies(store, context, classes)
    Runner(store.recorder, fresh).catch_up(lambda n: progress(n, _head(store.recorder)))


def _empty_copies(
    store: Runtime, context: Context, classes: Sequence[type[BatchProjection]]
) -> list[BatchProjection]:
    """Empty `_next` copies of the projections of `classes`."""
    fresh = []
    for projection_class in classes:
        next_name = projection_class.name + REBUILD_SUFFIX
        _drop(
            store.datastore, projection_class.view_class(store.datastore, next_name).table_names()
        )
        fresh.append(build(projection_class, store.datastore, context, next_name))
    return fresh


def _head(recorder: JourneyRecorder) -> int:
    return recorder.max_notification_id() or 0


def _exists(datastore: PostgresDatastore, table: str) -> bool:
    with datastore.transaction(commit=False) as curs:
        return _found(curs, table)


def _found(curs: Cursor[DictRow], table: str) -> bool:
    curs.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (table,))
    row = curs.fetchone()
    return bool(row and row["found"])


def _drop(datastore: PostgresDatastore, tables: list[str]) -> None:
    with datastore.transaction(commit=True) as curs:
        for table in tables:
            curs.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(table)))


def _swap(datastore: PostgresDatastore, tables: list[str], new: str, old: str) -> None:
    """Drop the old copy and give the new one its names, tables and indexes alike.
    The tracking tables are locked first: a runner's batch transaction starts by
    locking its tracking row (`View.transaction`), so it either commits before the
    swap or finds the swapped-in copy's position and leaves the batch to its next
    step, never a deadlock between the two."""
    with datastore.transaction(commit=True) as curs:
        tracking = [t for t in tables if t.endswith("_tracking")]
        for table in [old + t.removeprefix(new) for t in tracking] + tracking:
            if _found(curs, table):
                curs.execute(
                    SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(Identifier(table))
                )
        for table in tables:
            target = old + table.removeprefix(new)
            curs.execute(SQL("DROP TABLE IF EXISTS {}").format(Identifier(target)))
            curs.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", (table,))
            for index in [r["indexname"] for r in curs.fetchall()]:
                curs.execute(
                    SQL("ALTER INDEX {} RENAME TO {}").format(
                        Identifier(index), Identifier(old + index.removeprefix(new))
                    )
                )
            curs.execute(
                SQL("ALTER TABLE {} RENAME TO {}").format(Identifier(table), Identifier(target))
            )
