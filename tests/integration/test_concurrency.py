"""Several OS processes appending to the same customers at once lose nothing,
duplicate nothing, and keep positions gap-free and every chain intact."""

from __future__ import annotations

import multiprocessing
import random
from typing import Any

import psycopg

from journey.postgres.audit_rows import verify_customer
from journey.runtime import open_runtime
from journey.settings import Settings
from tests.factories import event

CUSTOMERS = [f"cust-{n}" for n in range(5)]
WRITERS = 4
EVENTS = 400


def shared_events() -> list[dict[str, Any]]:
    rng = random.Random(3)
    return [
        event(
            id=f"shared-{n}",
            customer_id=rng.choice(CUSTOMERS),
            occurred_at=f"2026-03-02T10:{n % 60:02d}:00Z",
        )
        for n in range(EVENTS)
    ]


def writer(settings: Settings, url: str, seed: int) -> None:
    """Every writer sends all the events, in its own order and batch sizes."""
    events = shared_events()
    rng = random.Random(seed)
    rng.shuffle(events)
    with open_runtime(settings, url, pool_size=1) as store:
        while events:
            size = rng.randint(1, 25)
            batch, events = events[:size], events[size:]
            store.ingestor.append(batch)


def test_concurrent_processes_lose_and_duplicate_nothing(
    store: Any, settings: Settings, database_url: str, admin: psycopg.Connection[Any]
) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=writer, args=(settings, database_url, seed))
        for seed in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0] * WRITERS

    positions = [
        r[0]
        for r in admin.execute(
            "SELECT notification_id FROM journey_events ORDER BY notification_id"
        )
    ]
    assert positions == list(range(1, EVENTS + 1))
    ids = {r[0] for r in admin.execute("SELECT event_id FROM journey_events")}
    assert ids == {e["id"] for e in shared_events()}
    for customer in CUSTOMERS:
        versions = [
            r[0]
            for r in admin.execute(
                "SELECT originator_version FROM journey_events WHERE originator_id = %s "
                "ORDER BY notification_id",
                (customer,),
            )
        ]
        assert versions == list(range(1, len(versions) + 1))
        assert verify_customer(admin, customer) is None
