"""Bitemporal answers (SPEC 6): replay the stored events of one customer or case,
bounded by knowledge time (`as_of`) and valid time (`at`), through the same
readings the projections use, so a replay and a projection never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from journey.postgres.reads import Bounds, EventReads
from journey.reading.documents import case_document, contacts_document, read_case
from journey.rules.sla import PolicyFor


def judged_at(as_of: datetime | None, at: datetime | None, now: datetime) -> datetime:
    """SPEC 6: `at` defaults to `as_of`, which defaults to now."""
    return at or as_of or now


class Replays:
    def __init__(
        self,
        reads: EventReads,
        policy_for: PolicyFor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._reads = reads
        self._policy_for = policy_for
        self._clock = clock

    def case(
        self, case_id: str, as_of: datetime | None, at: datetime | None
    ) -> dict[str, Any] | None:
        when = judged_at(as_of, at, self._clock())
        facts = self._reads.case_facts(case_id, Bounds(as_of=as_of, at=when))
        reading = read_case(facts, self._policy_for, when)
        return None if reading is None else case_document(reading, when)

    def customer_cases(
        self, customer_id: str, as_of: datetime | None, at: datetime | None
    ) -> list[dict[str, Any]] | None:
        """The customer's cases in order of their first event; None without events."""
        when = judged_at(as_of, at, self._clock())
        facts = self._reads.customer_facts(customer_id, Bounds(as_of=as_of, at=when))
        if not facts:
            return None
        named = sorted((f for f in facts if f.case_id is not None), key=lambda f: str(f.case_id))
        documents = []
        for _, case_facts in groupby(named, key=lambda f: f.case_id):
            reading = read_case(list(case_facts), self._policy_for, when)
            if reading is not None:
                documents.append(case_document(reading, when))
        return sorted(documents, key=lambda d: (d["opened_at"], d["case_id"]))

    def contacts(
        self, customer_id: str, window: timedelta, as_of: datetime | None, at: datetime | None
    ) -> dict[str, Any] | None:
        when = judged_at(as_of, at, self._clock())
        facts = self._reads.customer_facts(customer_id, Bounds(as_of=as_of, at=when))
        if not facts:
            return None
        return contacts_document(customer_id, facts, window)
