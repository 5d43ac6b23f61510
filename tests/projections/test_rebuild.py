"""A rebuild fills fresh copies in one pass in customer order (`projections.bulk`,
in forked workers on a large log), then catches them up with the runner: its
tables must be exactly those the batch path (the runner from position 0, in
small batches) makes, late events included, and nothing appended meanwhile may
be lost."""

from __future__ import annotations

import os
import random
import sys
import threading
from typing import Any

import psycopg
import pytest

from journey.demo.generator import generate
from journey.postgres.reads import read_after
from journey.rules.facts import fact_from_stored
from journey.runtime import Runtime
from projections import bulk
from projections.contacts import ContactsProjection
from projections.registry import (
    PROJECTIONS,
    RebuildRunning,
    _rebuilding,
    _swap,
    build,
    context_for,
    rebuild,
    status,
)
from projections.runner import Runner
from tests.factories import event
from tests.plugins.projections import catch_up_all, clean_copies

NAMES = [projection_class.name for projection_class in PROJECTIONS]
OPENED = "2026-09-02T10:00:00Z"


@pytest.fixture(params=[1, 3], ids=["in process", "in 3 workers"])
def ranges(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How the bulk pass runs: in the rebuilding process, or split over forked
    workers; the number of customer ranges of each bulk pass is recorded."""
    monkeypatch.setattr(bulk, "WORKERS", request.param)
    monkeypatch.setattr(bulk, "EVENTS_PER_WORKER", 50)
    monkeypatch.setattr(bulk, "FLUSH", 100)  # several COPYs per table
    split, counts = bulk._ranges, [request.param]

    def recorded(*args: Any) -> list[tuple[str | None, str | None]]:
        found = split(*args)
        counts.append(len(found))
        return found

    monkeypatch.setattr(bulk, "_ranges", recorded)
    return counts


def arriving_late(seed: int) -> list[dict[str, Any]]:
    """Generated customers' events, shuffled: most arrive after some of their successors."""
    events: list[dict[str, Any]] = list(generate(50, seed=seed))
    random.Random(seed).shuffle(events)
    return events


def append(store: Runtime, events: list[dict[str, Any]], chunk: int = 40) -> None:
    for start in range(0, len(events), chunk):
        store.ingestor.append(events[start : start + chunk])


def tables(admin: psycopg.Connection[Any], prefix: str = "") -> dict[str, list[Any]]:
    """Every row of every projection table (positions included), in a fixed order."""
    found = {}
    for projection_class in PROJECTIONS:
        view = projection_class.view_class  # table names: the projection's name plus the role
        for role in view.TABLES:
            name = projection_class.name if role == "main" else f"{projection_class.name}_{role}"
            query = psycopg.sql.SQL("SELECT * FROM {}").format(
                psycopg.sql.Identifier(prefix + name)
            )
            found[name] = sorted(admin.execute(query).fetchall(), key=repr)
    return found


def rebuilt_as_by_the_batch_path(
    store: Runtime, admin: psycopg.Connection[Any]
) -> tuple[dict[str, list[Any]], list[int]]:
    """Rebuild every projection; its tables must equal the batch path's (from 0, a
    few events per batch). The rebuilt tables and the progress reported."""
    progressed: list[int] = []
    rebuild(store, context_for(store), NAMES, lambda advanced, _: progressed.append(advanced))
    clean_copies(store, batch_size=7)
    rebuilt = tables(admin)
    assert rebuilt == tables(admin, prefix="clean_")
    return rebuilt, progressed


def test_a_rebuild_makes_the_tables_the_batch_path_makes(
    store: Runtime, admin: psycopg.Connection[Any], ranges: list[int]
) -> None:
    append(store, arriving_late(seed=21))
    head = store.recorder.max_notification_id() or 0
    rebuilt, progressed = rebuilt_as_by_the_batch_path(store, admin)
    assert len(rebuilt["cases_v1"]) > 50 and len(rebuilt["deflection_v1"]) > 0
    assert [s.position for s in status(store)] == [head] * len(PROJECTIONS)
    assert sum(progressed) == head and all(n > 0 for n in progressed)
    assert ranges[1:] == ranges[:1]  # one bulk pass, over as many ranges as workers


def test_events_appended_during_a_rebuild_are_caught_up_before_the_swap(
    store: Runtime, admin: psycopg.Connection[Any], ranges: list[int]
) -> None:
    events = arriving_late(seed=22)
    append(store, events[:600])
    later = events[600:]
    heads: list[int] = []

    def append_once(_advanced: int, head: int) -> None:
        heads.append(head)
        if later:
            append(store, later)
            later.clear()

    rebuild(store, context_for(store), NAMES, append_once)
    final = store.recorder.max_notification_id() or 0
    assert heads[0] == 600 and final == len(events) and ranges[1:] == ranges[:1]
    assert [s.position for s in status(store)] == [final] * len(PROJECTIONS)
    clean_copies(store, batch_size=7)
    assert tables(admin) == tables(admin, prefix="clean_")


def test_a_case_that_spans_customers_is_rebuilt_batch_by_batch(
    store: Runtime, admin: psycopg.Connection[Any], ranges: list[int]
) -> None:
    """SPEC 3 says a case belongs to one customer, but ingestion does not refuse
    a second customer's event naming it: the bulk pass, which folds per customer,
    gives up and the rebuild takes the batch path, which folds per case."""
    append(store, arriving_late(seed=23))
    store.ingestor.append(
        [
            event("case.opened", customer_id="zz-1", case_id="shared", occurred_at=OPENED),
            event(customer_id="zz-2", case_id="shared", occurred_at="2026-09-02T11:00:00Z"),
        ]
    )
    head = store.recorder.max_notification_id() or 0
    rebuilt, progressed = rebuilt_as_by_the_batch_path(store, admin)
    assert [row[0] for row in rebuilt["cases_v1"]].count("shared") == 1
    assert sum(progressed) == head and min(progressed) < 0  # the bulk pass's rows taken back


def test_a_runner_that_read_before_a_swap_does_not_write_into_the_new_copy(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    """`journey serve` keeps following while a rebuild swaps its copy in. A runner
    that read the old copy's position (15) and then finds the new copy tracked
    at 10 must leave its batch (15, 20] alone, or events 11-15 would be lost."""
    context = context_for(store)
    customers = [event(customer_id=f"c-{n}", occurred_at=OPENED) for n in range(20)]
    store.ingestor.append(customers[:10])
    behind = build(ContactsProjection, store.datastore, context, ContactsProjection.name + "_next")
    Runner(store.recorder, behind).catch_up()  # the new copy, at 10
    store.ingestor.append(customers[10:15])
    live = build(ContactsProjection, store.datastore, context)
    Runner(store.recorder, live).catch_up()  # the old copy, at 15
    store.ingestor.append(customers[15:])

    read_at = live.view.position()
    facts = [fact_from_stored(*row) for row in read_after(store.datastore, read_at, 20, 100)]
    _swap(store.datastore, behind.view.table_names(), behind.view.name, live.name)
    Runner._apply(live, read_at, facts, 20)
    assert (read_at, live.view.position()) == (15, 10)  # refused: the new copy is at 10

    Runner(store.recorder, live).catch_up()
    assert live.view.position() == 20
    rows = admin.execute("SELECT customer_id FROM contacts_v2 ORDER BY position").fetchall()
    assert [row[0] for row in rows] == [f"c-{n}" for n in range(20)]


def test_a_second_rebuild_of_a_projection_is_refused_while_one_runs(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    append(store, arriving_late(seed=24)[:200])
    clean_copies(store)
    catch_up_all(store)
    before = tables(admin)
    with (
        _rebuilding(store.datastore, ["contacts_v2"]),  # as a running rebuild holds it
        pytest.raises(RebuildRunning, match="contacts_v2"),
    ):
        rebuild(store, context_for(store), ["surveys_v1", "contacts_v2"], lambda *_: None)
    assert tables(admin) == before
    assert [s.state for s in status(store)] == ["current"] * len(PROJECTIONS)
    rebuild(store, context_for(store), ["contacts_v2"], lambda *_: None)  # free again
    assert tables(admin) == tables(admin, prefix="clean_")


_LOCKED_AT_FORK: list[Any] = []  # locks a fork takes in the parent for the child only


def _take_for_the_child() -> None:
    for lock in _LOCKED_AT_FORK:
        lock.acquire()


def _give_back() -> None:
    for lock in _LOCKED_AT_FORK:
        lock.release()


os.register_at_fork(before=_take_for_the_child, after_in_parent=_give_back)


class _Guarded:
    """A stream whose writes take a lock, as a progress bar's console does."""

    def __init__(self, lock: Any, stream: Any):
        self.lock, self.stream = lock, stream

    def write(self, text: str) -> int:
        with self.lock:
            return int(self.stream.write(text))

    def flush(self) -> None:
        with self.lock:
            self.stream.flush()


def test_a_failing_worker_stops_the_rebuild_and_leaves_the_live_copies(
    store: Runtime, admin: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that fails reports it and exits without writing to the streams it
    inherited: forked while another thread held such a stream's lock (a progress
    bar refreshing), writing would block it, and the rebuild, for ever. The other
    workers are stopped, the fresh tables dropped, the live ones untouched."""
    monkeypatch.setattr(bulk, "WORKERS", 3)
    monkeypatch.setattr(bulk, "EVENTS_PER_WORKER", 50)
    append(store, arriving_late(seed=25))
    catch_up_all(store)
    before = tables(admin)
    fold = ContactsProjection.fold

    def failing(self: ContactsProjection, facts: Any) -> Any:
        if facts and facts[0].customer_id == customer:
            raise ValueError("a fold failed")
        return fold(self, facts)

    customer = max(str(row[0]) for row in admin.execute("SELECT originator_id FROM journey_events"))
    monkeypatch.setattr(ContactsProjection, "fold", failing)
    lock = threading.Lock()
    monkeypatch.setattr(sys, "stderr", _Guarded(lock, sys.stderr))
    monkeypatch.setattr(sys, "stdout", _Guarded(lock, sys.stdout))
    _LOCKED_AT_FORK.append(lock)  # every child starts with the streams' lock taken
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            rebuild(store, context_for(store), NAMES, lambda *_: None)
        except BaseException as error:
            outcome.append(error)

    try:
        rebuilding = threading.Thread(target=run, daemon=True)
        rebuilding.start()
        rebuilding.join(60)
    finally:
        _LOCKED_AT_FORK.clear()
    assert not rebuilding.is_alive(), "the rebuild hung"
    assert len(outcome) == 1 and "ValueError: a fold failed" in str(outcome[0])
    assert tables(admin) == before
    assert [s.state for s in status(store)] == ["current"] * len(PROJECTIONS)
