"""The demo's trickle: touchpoints the ingestion path accepts, some of them
e-mails synced late, the showcase customer's among them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from journey.demo.trickle import Trickle
from journey.runtime import Runtime


def test_every_step_of_the_trickle_is_accepted_by_the_ingestion_path(store: Runtime) -> None:
    trickle = Trickle(["c1", "c2", "c3"], showcase="c1", tag="t", seed=3)
    start = datetime.now(UTC) - timedelta(seconds=1)

    steps = [trickle.next(start + timedelta(microseconds=n)) for n in range(60)]
    for step in steps:
        results = store.ingestor.append(step)
        assert all(r.status == "created" for r in results), results

    events = [e for step in steps for e in step]
    late = [e for e in events if e.get("channel") == "email" and e["type"] == "contact.inbound"]
    assert late and all(
        datetime.fromisoformat(e["occurred_at"]) <= start - timedelta(minutes=5) for e in late
    )
    assert {e["type"] for e in events} >= {"case.assigned", "reply.outbound", "case.status_changed"}
    assert sum(e["customer_id"] == "c1" for e in events) >= len(events) // 6


def test_the_trickle_needs_a_customer() -> None:
    with pytest.raises(ValueError, match="at least one customer"):
        Trickle([], showcase="c1", tag="t")
