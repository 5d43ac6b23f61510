"""SPEC 10.4-10.5 answers about identities: a customer's person with its
identities and duplicates, a lookup by identity, the duplicates groups and the
shared identities. "Now" from the projections (indexed reads); with `as_of` or
`at` from the index rows recorded and occurred by then, persons resolved from
the merge facts the reading sees (SPEC 6).

Paging is by keys the answers are ordered by, handed back as `after` lists
(the routes make them opaque cursors). `value` (the linking event's own
spelling, opened with its customer's key) only when asked for (the `pii` scope).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from journey.identities.candidates import Sharing
from journey.identities.config import IdentitiesConfig
from journey.identities.normalise import identity_key
from journey.identities.resolution import Holding, Identity, Persons
from journey.postgres.identity_values import SealedValues as StoredValues
from journey.postgres.reads import EventReads
from journey.reading.bounds import Bounds
from journey.reading.persons import Person
from journey.reading.replay import Replays, judged_at
from projections.base import SealedValues
from projections.identity_index import IdentityIndex
from projections.queries import ReadModel

Page = tuple[list[dict[str, Any]], list[Any] | None]  # entries, `after` of the next page


@dataclass(frozen=True)
class Reading:
    """A reading's instants: `now` when neither is given."""

    as_of: datetime | None
    at: datetime | None

    @property
    def now(self) -> bool:
        return self.as_of is None and self.at is None

    def when(self) -> datetime:
        return judged_at(self.as_of, self.at, datetime.now(UTC))


class IdentityReads:
    def __init__(
        self,
        index: IdentityIndex,
        reads: EventReads,
        replays: Replays,
        person_now: Any,  # customer id -> Person (ReadModel.person)
        values: SealedValues,
        config: IdentitiesConfig,
        secret: bytes,
    ):
        self._index = index
        self._reads = reads
        self._replays = replays
        self._person_now = person_now
        self._values = values
        self._limit = config.shared_limit
        self._ignored = config.ignored(lambda kind, value: identity_key(secret, kind, value))

    def _sharing(self, holdings: Sequence[Holding], persons: Persons) -> Sharing:
        return Sharing.of(holdings, persons, self._ignored, self._limit)

    def _persons_at(self, reading: Reading) -> Persons:
        bounds = Bounds(as_of=reading.as_of, at=reading.when())
        return Persons.from_facts(self._reads.facts_at(self._index.merge_positions(), bounds))

    def _values_of(self, holdings: Sequence[Holding]) -> dict[int, str | None]:
        opened = self._values.values([h.position for h in holdings])
        return {position: found.value for position, found in opened.items()}

    def customer(
        self, customer_id: str, reading: Reading, pii: bool, known: Person | None = None
    ) -> dict[str, Any] | None:
        """`GET /v1/customers/{id}`; None when no stream of the person has events.
        `known`: the person now, already found (with events) by the caller."""
        if reading.now:
            person: Person = known or self._person_now(customer_id)
            if known is None and not self._reads.has_events(list(person.merged_ids), Bounds()):
                return None
            held = self._index.sharing(person.merged_ids)
            pointers = dict(held.persons.pointers)
            pointers.update({c: person.resolved_id for c in person.merged_ids})
            pointers.pop(person.resolved_id, None)
            sharing = self._sharing(held.holdings, Persons(pointers))
        else:
            found = self._replays.person(customer_id, reading.as_of, reading.at)
            if found is None:
                return None
            person, when = found[0], reading.when()
            own = self._index.held_at(reading.as_of, when, customers=person.merged_ids)
            identities = sorted({h.identity for h in own})
            holdings = self._index.held_at(reading.as_of, when, identities=identities)
            sharing = self._sharing(holdings, self._persons_at(reading))
        streams = set(person.merged_ids)
        mine = [h for h in sharing.holdings if h.customer_id in streams]
        values = self._values_of(mine) if pii else {}
        entries = []
        for h in mine:
            entry = {"kind": h.kind, "customer_id": h.customer_id, "linked_at": h.linked_at}
            if pii and values.get(h.position) is not None:
                entry["value"] = values[h.position]
            entries.append(entry | {"shared": sharing.is_flagged(h.identity)})
        return person.document() | {
            "identities": entries,
            "duplicates": list(sharing.duplicates_of(customer_id)),
        }

    def lookup(
        self, identity: Identity, reading: Reading, after: str, limit: int
    ) -> tuple[dict[str, Any], str | None]:
        """`POST /v1/identities/lookup`: a page of the streams holding `identity`
        after customer id `after`, and the customer id to read on after."""
        ignored = identity in self._ignored
        if reading.now:
            shared = self._index.held_by_more_persons(identity, self._limit)
            found = [] if ignored else self._index.lookup_page(identity, after, limit + 1)
            holders = [(h.customer_id, h.resolved_id, h.linked_at) for h in found]
        else:
            when = reading.when()
            holdings = self._index.held_at(reading.as_of, when, identities=[identity])
            sharing = self._sharing(holdings, self._persons_at(reading))
            answer = sharing.lookup(identity)
            shared, resolve = answer.shared, sharing.persons.resolve
            holders = [
                (h.customer_id, resolve(h.customer_id), h.linked_at)
                for h in answer.holders
                if h.customer_id > after
            ][: limit + 1]
        page = holders[:limit]
        customers = [{"customer_id": c, "resolved_id": r, "linked_at": at} for c, r, at in page]
        document = {
            "kind": identity[0],
            "customers": customers,
            "persons": sorted({r for _, r, _ in page}),
            "ignored": ignored,
            "shared": shared,
        }
        return document, page[-1][0] if len(holders) > limit else None

    def _all(self, reading: Reading, streams: int) -> Sharing:
        """Who holds what, for the identities held by at least `streams` streams."""
        if reading.now:
            held = self._index.held_by_several(streams)
            return self._sharing(held.holdings, held.persons)
        holdings = self._index.held_at(reading.as_of, reading.when())
        return self._sharing(holdings, self._persons_at(reading))

    def duplicates(self, reading: Reading, after: list[Any] | None, limit: int, pii: bool) -> Page:
        """`GET /v1/identities/duplicates`, ordered by (first person, kind, key)."""
        sharing = self._all(reading, 2)
        groups = [g for g in sharing.duplicate_groups() if after is None or _key(g) > after]
        page = groups[: limit + 1]
        values = self._first_values(sharing, [(g.kind, g.key) for g in page[:limit]], pii)
        entries = [
            _with_value({"kind": g.kind, "persons": list(g.persons)}, values.get((g.kind, g.key)))
            for g in page[:limit]
        ]
        return entries, _key(page[limit - 1]) if len(page) > limit else None

    def shared(self, reading: Reading, after: list[Any] | None, limit: int, pii: bool) -> Page:
        """`GET /v1/identities/shared`, most persons first."""
        sharing = self._all(reading, self._limit + 1)
        found = [
            (identity, count)
            for identity, count in sharing.shared()
            if after is None or [-count, *identity] > after
        ]
        page = found[: limit + 1]
        values = self._first_values(sharing, [identity for identity, _ in page[:limit]], pii)
        entries = [
            _with_value({"kind": identity[0], "persons": count}, values.get(identity))
            for identity, count in page[:limit]
        ]
        last = page[limit - 1] if len(page) > limit else None
        return entries, None if last is None else [-last[1], *last[0]]

    def _first_values(
        self, sharing: Sharing, identities: Sequence[Identity], pii: bool
    ) -> dict[Identity, str | None]:
        """The value of each identity, as its earliest holding's link spelled it."""
        if not pii or not identities:
            return {}
        wanted = set(identities)
        first: dict[Identity, Holding] = {}
        for h in sharing.holdings:
            if h.identity in wanted and (
                h.identity not in first or h.position < first[h.identity].position
            ):
                first[h.identity] = h
        values = self._values_of(list(first.values()))
        return {identity: values.get(h.position) for identity, h in first.items()}


def _key(group: Any) -> list[Any]:
    return [group.persons[0], group.kind, group.key]


def _with_value(entry: dict[str, Any], value: str | None) -> dict[str, Any]:
    return entry if value is None else entry | {"value": value}


def identity_reads_of(
    store: Any, reads: EventReads, replays: Replays, read_model: ReadModel
) -> IdentityReads:
    """The identity reads over a store (`journey.runtime.Runtime`), as the API and
    the command line use them."""
    return IdentityReads(
        IdentityIndex(store.datastore),
        reads,
        replays,
        read_model.person,
        StoredValues(store.datastore, store.settings.master_key),
        store.identities_config,
        store.identity_secret,
    )
