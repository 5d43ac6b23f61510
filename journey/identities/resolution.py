"""SPEC 10.1-10.2: persons from merge events, and the identities streams hold.

Pure folds over `Fact`s, in (`occurred_at`, `position`) order whatever order
they are given in (SPEC 2.3). The facts are those visible at the reading's
`as_of`/`at` (SPEC 6): filtering them is the caller's, so a replay and a
projection answer alike.

- `Persons.from_facts(facts)`: the merge pointers (`customer.merged`,
  `customer.unmerged`) and the persons they make. Give it every merge fact the
  store holds (they are few): a merge is void or not depending on other
  streams' pointers at its instant.
- `held_identities(facts, keys)`: the identities each stream holds at the end
  of the facts (`identity.linked`, `identity.unlinked`).

An identity is `(kind, key)`. The `key` stands for the normalised value and
is given per event by the caller, as `keys[position]` of the event's fact:
`pii.value` is sealed in the store and never in a `Fact`, so the store keeps
an index of `normalise.identity_key(secret, kind, normalised value)` per
identity event (no value in clear, SPEC 10.1), and the read side passes that.
Tests may pass the normalised value itself. An identity event with no key
(its customer was erased, so the index lost it) is ignored: an erased identity
is found nowhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import NamedTuple

from journey.rules.facts import Fact, in_order

MERGED, UNMERGED = "customer.merged", "customer.unmerged"
LINKED, UNLINKED = "identity.linked", "identity.unlinked"
MERGE_TYPES = frozenset({MERGED, UNMERGED})
IDENTITY_TYPES = frozenset({LINKED, UNLINKED})

Identity = tuple[str, str]
"""(kind, key): an identity as it is compared (key: its normalised value or keyed hash)."""


def merge_pointers(facts: Iterable[Fact]) -> dict[str, str]:
    """Each stream's merge pointer after the merge facts (other facts are skipped).

    `customer.merged` sets its stream's pointer to `data.into`, replacing an
    earlier one, unless the chain of pointers from `into` reaches the stream's
    own customer (a cycle): then it is void and changes nothing.
    `customer.unmerged` clears the pointer. The pointers never form a cycle.
    """
    pointers: dict[str, str] = {}
    for fact in in_order([f for f in facts if f.type in MERGE_TYPES]):
        if fact.type == UNMERGED:
            pointers.pop(fact.customer_id, None)
        elif not _reaches(pointers, fact.data["into"], fact.customer_id):
            pointers[fact.customer_id] = fact.data["into"]
    return pointers


def _reaches(pointers: Mapping[str, str], start: str, target: str) -> bool:
    current: str | None = start
    while current is not None:
        if current == target:
            return True
        current = pointers.get(current)
    return False


@dataclass(frozen=True)
class Persons:
    """The persons the merge pointers make (SPEC 10.2). A customer id nobody
    merged and that merged into no one is its own person."""

    pointers: Mapping[str, str]

    @classmethod
    def from_facts(cls, facts: Iterable[Fact]) -> Persons:
        return cls(MappingProxyType(merge_pointers(facts)))

    def resolve(self, customer_id: str) -> str:
        """The customer's person (`resolved_id`): the end of its chain of pointers."""
        while (into := self.pointers.get(customer_id)) is not None:
            customer_id = into
        return customer_id

    def merged_ids(self, customer_id: str) -> tuple[str, ...]:
        """Sorted ids of every stream of the customer's person, its own and the
        person's included (an `into` with no events is the person all the same)."""
        person = self.resolve(customer_id)
        return self._members.get(person, (person,))

    @cached_property
    def _members(self) -> dict[str, tuple[str, ...]]:
        groups: dict[str, set[str]] = {}
        for customer_id, into in self.pointers.items():
            for member in (customer_id, into):
                groups.setdefault(self.resolve(member), set()).add(member)
        return {person: tuple(sorted(members)) for person, members in groups.items()}


class Holding(NamedTuple):
    """A stream holding an identity: since `linked_at`, by the `identity.linked`
    at `position` (whose `pii.value` holds the client's own spelling)."""

    kind: str
    key: str
    customer_id: str
    linked_at: datetime
    position: int

    @property
    def identity(self) -> Identity:
        return (self.kind, self.key)


def held_identities(facts: Iterable[Fact], keys: Mapping[int, str]) -> list[Holding]:
    """The identities each stream holds after the identity facts (others are
    skipped), ordered by (customer_id, kind, linked_at, position).

    A stream holds an identity from its `identity.linked` until a later
    `identity.unlinked` of the same kind and key (SPEC 10.1); linking one it
    already holds changes nothing (it keeps its first `linked_at`), unlinking
    one it does not hold neither. `keys[position]` is the key of the identity
    event at `position`; events without one are skipped (erased).
    """
    held: dict[tuple[str, str, str], Holding] = {}
    for fact in in_order([f for f in facts if f.type in IDENTITY_TYPES]):
        key = keys.get(fact.position)
        if key is None:
            continue
        slot = (fact.customer_id, fact.data["kind"], key)
        if fact.type == LINKED:
            if slot not in held:
                held[slot] = Holding(slot[1], key, slot[0], fact.occurred_at, fact.position)
        else:
            held.pop(slot, None)
    return sorted(held.values(), key=lambda h: (h.customer_id, h.kind, h.linked_at, h.position))
