"""SPEC 10.2, 10.4-10.5: which persons share an identity, and which identities
are ignored or shared.

Sharing an identity never merges: streams of different persons holding the
same identity are duplicate candidates, for a person to confirm with a merge.
Placeholders (the configuration's `ignore` list) and identities held by more
than `shared_limit` persons (a switchboard) form no group.

`Sharing.of(holdings, persons, ignored, shared_limit)` answers every question
of the routes that read identities; paging is the caller's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from journey.identities.resolution import Holding, Identity, Persons

DEFAULT_SHARED_LIMIT = 20


class DuplicateGroup(NamedTuple):
    """An identity held by streams of several persons (`persons` sorted)."""

    kind: str
    key: str
    persons: tuple[str, ...]


class Lookup(NamedTuple):
    """`POST /v1/identities/lookup`: the holders ordered by `customer_id`, empty
    when the identity is ignored; `persons(holders)` of a page of them."""

    holders: tuple[Holding, ...]
    ignored: bool
    shared: bool


@dataclass(frozen=True)
class Sharing:
    """Who holds each identity at the reading's instant, by person."""

    holdings: tuple[Holding, ...]
    persons: Persons
    ignored: frozenset[Identity]
    shared_limit: int
    holders: Mapping[Identity, frozenset[str]]  # identity -> the persons holding it

    @classmethod
    def of(
        cls,
        holdings: Iterable[Holding],
        persons: Persons,
        ignored: Collection[Identity] = (),
        shared_limit: int = DEFAULT_SHARED_LIMIT,
    ) -> Sharing:
        """`ignored` in the holdings' terms: (kind, key) of each `ignore` entry."""
        held = tuple(holdings)
        holders: dict[Identity, set[str]] = {}
        for holding in held:
            holders.setdefault(holding.identity, set()).add(persons.resolve(holding.customer_id))
        frozen = {identity: frozenset(ids) for identity, ids in holders.items()}
        return cls(held, persons, frozenset(ignored), shared_limit, frozen)

    def is_shared(self, identity: Identity) -> bool:
        """Held by more than `shared_limit` persons (ignored or not)."""
        return len(self.holders.get(identity, ())) > self.shared_limit

    def is_flagged(self, identity: Identity) -> bool:
        """Ignored or shared: the `shared` of an entry of `GET /v1/customers/{id}`."""
        return identity in self.ignored or self.is_shared(identity)

    def duplicate_groups(self) -> list[DuplicateGroup]:
        """Every identity held by two or more persons, neither ignored nor shared,
        ordered by (first person, kind) and then key."""
        groups = [
            DuplicateGroup(kind, key, tuple(sorted(persons)))
            for (kind, key), persons in self.holders.items()
            if len(persons) >= 2 and not self.is_flagged((kind, key))
        ]
        return sorted(groups, key=lambda group: (group.persons[0], group.kind, group.key))

    def duplicates_of(self, customer_id: str) -> tuple[str, ...]:
        """Sorted resolved ids of the other persons sharing with the customer's
        person an identity that is neither ignored nor shared."""
        person = self.persons.resolve(customer_id)
        others: set[str] = set()
        for identity, persons in self.holders.items():
            if person in persons and not self.is_flagged(identity):
                others |= persons
        others.discard(person)
        return tuple(sorted(others))

    def identities_of(self, customer_id: str) -> list[Holding]:
        """What the streams of the customer's person hold, ordered by
        (customer_id, kind, linked_at, position)."""
        streams = set(self.persons.merged_ids(customer_id))
        return [holding for holding in self.holdings if holding.customer_id in streams]

    def shared(self) -> list[tuple[Identity, int]]:
        """Every shared identity that is not ignored, with its number of persons:
        most persons first, then by (kind, key)."""
        found = [
            (identity, len(persons))
            for identity, persons in self.holders.items()
            if len(persons) > self.shared_limit and identity not in self.ignored
        ]
        return sorted(found, key=lambda item: (-item[1], item[0]))

    def lookup(self, identity: Identity) -> Lookup:
        """The streams holding `identity`, ordered by customer_id (none when ignored)."""
        if identity in self.ignored:
            return Lookup((), True, self.is_shared(identity))
        holders = sorted(
            (h for h in self.holdings if h.identity == identity),
            key=lambda h: (h.customer_id, h.linked_at, h.position),
        )
        return Lookup(tuple(holders), False, self.is_shared(identity))

    def persons_of(self, holders: Iterable[Holding]) -> tuple[str, ...]:
        """Sorted distinct resolved ids of some holders (a lookup's page)."""
        return tuple(sorted({self.persons.resolve(h.customer_id) for h in holders}))
