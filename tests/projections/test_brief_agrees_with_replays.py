"""SPEC 11 over real PostgreSQL: the brief read "now" from the projections
equals the brief replayed from the stored events, for every person of a
generated history with merges (chains, an unmerge) and at several instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journey.demo.generator import generate
from journey.runtime import Runtime
from tests.factories import event
from tests.projections.brief_helpers import brief

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 42


def merges(customers: list[str]) -> list[dict[str, Any]]:
    """A chain of three streams, a pair, and a pair merged then unmerged."""

    def merged(source: str, into: str, day: int) -> dict[str, Any]:
        moment = (START + timedelta(days=day, hours=3)).isoformat()
        return event("customer.merged", customer_id=source, occurred_at=moment, data={"into": into})

    a, b, c, d, e, f, g = customers[:7]
    unmerge = event(
        "customer.unmerged", customer_id=g, occurred_at=(START + timedelta(days=30)).isoformat()
    )
    return [merged(b, a, 10), merged(c, b, 20), merged(e, d, 35), merged(g, f, 5), unmerge]


def test_the_projected_brief_equals_the_replayed_one_for_every_person(store: Runtime) -> None:
    history = list(generate(16, start=START, days=DAYS, seed=11, cases_per_customer=3))
    customers = sorted({e["customer_id"] for e in history})
    history += merges(customers)
    for start in range(0, len(history), 250):
        store.ingestor.append(history[start : start + 250])
    last = max(datetime.fromisoformat(e["occurred_at"]) for e in history)
    persons: set[tuple[str, ...]] = set()
    seen = {
        "open": 0,
        "recent": 0,
        "agents": 0,
        "self_service": 0,
        "contacts": 0,
        "messages": 0,
        "survey": 0,
    }
    for days_after in (0, 3, 12, 31):
        at = last + timedelta(days=days_after, seconds=1)
        for customer in customers:
            found = brief(store, customer, at)
            persons.add(found["merged_ids"])
            seen["open"] += len(found["open_cases"])
            seen["recent"] += len(found["recent_cases"])
            seen["agents"] += len(found["agents"])
            seen["self_service"] += len(found["self_service"])
            seen["contacts"] += found["contacts_7d"]["inbound_contacts"]
            seen["survey"] += found["last_survey"] is not None
            seen["messages"] += len(found["messages"]) == 5
    assert {len(p) for p in persons} >= {1, 2, 3}  # lone, merged and chained persons
    assert all(seen.values()), seen  # every field was exercised, not only empty ones
