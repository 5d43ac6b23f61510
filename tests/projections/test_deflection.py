"""The worked example of docs/projections.md: self-service deflection."""

from __future__ import annotations

from typing import Any

import psycopg

from journey.runtime import Runtime
from tests.factories import event
from tests.plugins.projections import catch_up_all


def deflected(admin: psycopg.Connection[Any]) -> dict[str, bool]:
    return {
        f"{c}@{t:%d %H:%M}": d
        for c, t, d in admin.execute(
            "SELECT customer_id, occurred_at, deflected FROM deflection_v1 ORDER BY 1, 2"
        )
    }


def use(customer: str, at: str, helpful: bool = True) -> dict[str, Any]:
    return event(
        "self_service.used",
        customer_id=customer,
        occurred_at=at,
        data={"article_id": "kb-7", "helpful": helpful},
    )


def test_a_helpful_use_without_a_contact_within_24_hours_is_deflected(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append(
        [
            use("quiet", "2026-03-02T10:00:00Z"),
            use("unhelpful", "2026-03-02T10:00:00Z", helpful=False),
            use("called", "2026-03-02T10:00:00Z"),
            event(customer_id="called", occurred_at="2026-03-03T10:00:00Z"),  # exactly 24 h later
            use("called-later", "2026-03-02T10:00:00Z"),
            event(customer_id="called-later", occurred_at="2026-03-03T10:00:01Z"),
        ]
    )
    catch_up_all(store)
    assert deflected(admin) == {
        "called-later@02 10:00": True,
        "called@02 10:00": False,
        "quiet@02 10:00": True,
        "unhelpful@02 10:00": False,
    }


def test_a_contact_that_arrives_late_undoes_the_deflection_where_it_occurred(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append([use("late", "2026-03-02T10:00:00Z")])
    catch_up_all(store)
    assert deflected(admin) == {"late@02 10:00": True}
    store.ingestor.append([event(customer_id="late", occurred_at="2026-03-02T18:00:00Z")])
    catch_up_all(store)
    assert deflected(admin) == {"late@02 10:00": False}
