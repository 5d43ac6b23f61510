"""SPEC 2.3: arrival order does not matter. The same events ingested in two
different orders, with the projections catching up between batches (so late
events arrive after their successors were projected), give identical tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey.runtime import Runtime
from tests.factories import event
from tests.plugins.database import empty
from tests.plugins.projections import ingest_in_steps, snapshot

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CUSTOMERS = ("c1", "c2")
CASES = ("k1", "k2", "k3")


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Distinct instants (ties are broken by position, which arrival order changes)."""
    count = draw(st.integers(3, 25))
    minutes = draw(
        st.lists(st.integers(0, 60 * 24 * 10), min_size=count, max_size=count, unique=True)
    )
    found = []
    for n, minute in enumerate(minutes):
        at = (START + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")
        case = draw(st.sampled_from(CASES))
        customer = CUSTOMERS[CASES.index(case) % 2]
        kind = draw(
            st.sampled_from(
                [
                    "contact.inbound",
                    "contact.inbound",
                    "reply.outbound",
                    "case.opened",
                    "case.assigned",
                    "case.status_changed",
                    "case.priority_changed",
                    "survey.answered",
                    "self_service.used",
                ]
            )
        )
        fields: dict[str, Any] = {"id": f"h-{n}", "customer_id": customer, "occurred_at": at}
        if kind in ("contact.inbound", "reply.outbound", "case.opened", "survey.answered"):
            fields["channel"] = draw(st.sampled_from(["chat", "email", "phone"]))
        if kind in ("reply.outbound", "case.assigned"):
            fields["agent_id"] = draw(st.sampled_from(["a1", "a2"]))
        if kind == "contact.inbound":
            fields["data"] = {"abandoned": draw(st.booleans())}
        if kind == "case.status_changed":
            fields["data"] = {
                "status": draw(
                    st.sampled_from(["open", "pending_customer", "on_hold", "resolved", "closed"])
                )
            }
        if kind in ("case.opened", "case.priority_changed"):
            fields["data"] = {"priority": draw(st.sampled_from(["low", "normal", "urgent"]))}
        if kind == "self_service.used":
            fields["data"] = {"article_id": "kb-1", "helpful": draw(st.booleans())}
        if kind not in ("survey.answered", "self_service.used") or draw(st.booleans()):
            fields["case_id"] = case
        found.append(event(kind, **fields))
    return found


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), seed=st.integers(0, 1000))
def test_two_arrival_orders_give_identical_projections(
    store: Runtime, admin: psycopg.Connection[Any], history: list[dict[str, Any]], seed: int
) -> None:
    empty(admin)
    ingest_in_steps(store, sorted(history, key=lambda e: e["occurred_at"]), random.Random(seed))
    in_order = snapshot(admin)
    empty(admin)
    store.keys.forget(CUSTOMERS)
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    ingest_in_steps(store, shuffled, random.Random(seed + 1))
    assert snapshot(admin) == in_order
