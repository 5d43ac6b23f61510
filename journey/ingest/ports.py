"""What the write path needs of the outside, and what it answers: the writer
that appends prepared events atomically, the source of per-customer data keys,
and the outcomes of an append. `journey.postgres` implements the ports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

from eventsourcing.persistence import IntegrityError

from journey.stored.crypto import DataKey
from journey.stored.rows import NewEvent

CREATED = "created"
DUPLICATE = "duplicate"


class AppendResult(NamedTuple):  # one per event of a batch: a named tuple is the cheapest to make
    id: str
    status: str  # CREATED | DUPLICATE
    position: int


class EventConflict(IntegrityError):
    """Event ids already stored with other content; nothing of the batch was written."""

    def __init__(self, conflicts: Sequence[tuple[int, str, int]]):
        self.conflicts = list(conflicts)  # (index in the batch, event id, stored position or 0)
        ids = ", ".join(f"{event_id!r} (#{index})" for index, event_id, _ in conflicts)
        super().__init__(f"already stored with different content: {ids}")


class StaleDataKey(IntegrityError):
    """A customer's data key changed (erased) while the batch was being sealed."""


class EventWriter(Protocol):
    def append(self, events: Sequence[NewEvent]) -> list[AppendResult]: ...


class DataKeys(Protocol):
    def data_keys(self, customer_ids: Iterable[str]) -> dict[str, DataKey]: ...
    def forget(self, customer_ids: Iterable[str]) -> None: ...
