"""Bitemporal answers (SPEC 6): replay the stored events of one customer or case,
bounded by knowledge time (`as_of`) and valid time (`at`), through the same
readings the projections use, so a replay and a projection never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any, Protocol

from journey.reading.bounds import Bounds
from journey.reading.documents import case_document, contacts_document, read_case
from journey.reading.persons import Person, person_of
from journey.rules.facts import Fact
from journey.rules.sla import PolicyFor


class FactReads(Protocol):
    """The stored facts a replay reads (`journey.postgres.reads.EventReads`)."""

    def customer_facts(self, customer_ids: Sequence[str], bounds: Bounds) -> list[Fact]: ...
    def case_facts(self, case_id: str, bounds: Bounds) -> list[Fact]: ...


Components = Callable[[str], Sequence[str]]
"""Every stream any merge ever joined to a customer's (itself included)."""


def judged_at(as_of: datetime | None, at: datetime | None, now: datetime) -> datetime:
    """SPEC 6: `at` defaults to `as_of`, which defaults to now."""
    return at or as_of or now


class Replays:
    def __init__(
        self,
        reads: FactReads,
        components: Components,
        policy_for: PolicyFor,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._reads = reads
        self._components = components
        self._policy_for = policy_for
        self._clock = clock

    def case(
        self, case_id: str, as_of: datetime | None, at: datetime | None
    ) -> dict[str, Any] | None:
        when = judged_at(as_of, at, self._clock())
        facts = self._reads.case_facts(case_id, Bounds(as_of=as_of, at=when))
        reading = read_case(facts, self._policy_for, when)
        return None if reading is None else case_document(reading, when)

    def person(
        self, customer_id: str, as_of: datetime | None, at: datetime | None
    ) -> tuple[Person, list[Fact]] | None:
        """The customer's person as the store knew it, and the facts of its
        streams; None when none of them has events under the bounds."""
        when = judged_at(as_of, at, self._clock())
        component = self._components(customer_id)
        facts = self._reads.customer_facts(component, Bounds(as_of=as_of, at=when))
        person, own = person_of(customer_id, facts)
        return (person, own) if own else None

    def customer_cases(
        self, customer_id: str, as_of: datetime | None, at: datetime | None
    ) -> tuple[Person, list[dict[str, Any]]] | None:
        """The cases of the customer's person in order of their first event; None
        without events."""
        when = judged_at(as_of, at, self._clock())
        found = self.person(customer_id, as_of, at)
        if found is None:
            return None
        person, facts = found
        named = sorted((f for f in facts if f.case_id is not None), key=lambda f: str(f.case_id))
        documents = []
        for _, case_facts in groupby(named, key=lambda f: f.case_id):
            reading = read_case(list(case_facts), self._policy_for, when)
            if reading is not None:
                documents.append(case_document(reading, when))
        return person, sorted(documents, key=lambda d: (d["opened_at"], d["case_id"]))

    def contacts(
        self, customer_id: str, window: timedelta, as_of: datetime | None, at: datetime | None
    ) -> dict[str, Any] | None:
        """SPEC 4 counts over the customer's person (SPEC 10.3)."""
        found = self.person(customer_id, as_of, at)
        if found is None:
            return None
        person, facts = found
        return contacts_document(person, facts, window)
