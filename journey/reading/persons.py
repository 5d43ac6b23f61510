"""Persons as a reading sees them (SPEC 10.2): which streams are one person at
the reading's `as_of`/`at`, and that person's facts.

A person is resolved from the merge facts of its component (every stream any
merge ever joined to it, whatever its time: a superset, which the merge facts
visible at the reading then decide). The projections answer the same for now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from journey.identities.resolution import MERGE_TYPES, Persons
from journey.rules.facts import Fact


class Person(NamedTuple):
    """The person of `customer_id`: its `resolved_id` and the sorted ids of every
    stream of it (`merged_ids`, its own included)."""

    customer_id: str
    resolved_id: str
    merged_ids: tuple[str, ...]

    @classmethod
    def alone(cls, customer_id: str) -> Person:
        return cls(customer_id, customer_id, (customer_id,))

    def document(self) -> dict[str, object]:
        return {
            "customer_id": self.customer_id,
            "resolved_id": self.resolved_id,
            "merged_ids": list(self.merged_ids),
        }


def person_of(customer_id: str, component_facts: Sequence[Fact]) -> tuple[Person, list[Fact]]:
    """The customer's person among the facts of its component's streams, and the
    facts of the person's streams (in the order given)."""
    persons = Persons.from_facts(f for f in component_facts if f.type in MERGE_TYPES)
    merged = persons.merged_ids(customer_id)
    streams = set(merged)
    person = Person(customer_id, persons.resolve(customer_id), merged)
    return person, [f for f in component_facts if f.customer_id in streams]
