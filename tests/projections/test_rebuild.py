"""A rebuild fills fresh copies in one pass in customer order (`projections.bulk`,
in forked workers on a large log), then catches them up with the runner: its
tables must be exactly those the batch path (the runner from position 0, in
small batches) makes, late events included, and nothing appended meanwhile may
be lost."""

from __future__ import annotations

import random
from typing import Any

import psycopg
import pytest

from journey.generator import generate
from journey.runtime import Store
from projections import bulk
from projections.registry import PROJECTIONS, context_for, rebuild, status
from tests.factories import event
from tests.plugins.projections import clean_copies

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


def append(store: Store, events: list[dict[str, Any]], chunk: int = 40) -> None:
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


def test_a_rebuild_makes_the_tables_the_batch_path_makes(
    store: Store, admin: psycopg.Connection[Any], ranges: list[int]
) -> None:
    append(store, arriving_late(seed=21))
    head = store.recorder.max_notification_id() or 0
    progressed: list[int] = []
    rebuild(store, context_for(store), NAMES, lambda advanced, _: progressed.append(advanced))
    clean_copies(store, batch_size=7)
    rebuilt = tables(admin)
    assert rebuilt == tables(admin, prefix="clean_")
    assert len(rebuilt["cases_v1"]) > 50 and len(rebuilt["deflection_v1"]) > 0
    assert [s.position for s in status(store)] == [head] * len(PROJECTIONS)
    assert sum(progressed) == head and all(n > 0 for n in progressed)
    assert ranges[1:] == ranges[:1]  # one bulk pass, over as many ranges as workers


def test_events_appended_during_a_rebuild_are_caught_up_before_the_swap(
    store: Store, admin: psycopg.Connection[Any], ranges: list[int]
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
    store: Store, admin: psycopg.Connection[Any], ranges: list[int]
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
    progressed: list[int] = []
    rebuild(store, context_for(store), NAMES, lambda advanced, _: progressed.append(advanced))
    clean_copies(store, batch_size=7)
    rebuilt = tables(admin)
    assert rebuilt == tables(admin, prefix="clean_")
    assert [row[0] for row in rebuilt["cases_v1"]].count("shared") == 1
    assert sum(progressed) == head and min(progressed) < 0  # the bulk pass's rows taken back
