"""Ingestion (SPEC 2.3): validate a batch, seal its pii, and append it atomically
and idempotently to the customers' streams.

The service holds no SQL: the event writer (`JourneyRecorder`) and the key store
come in through the constructor, wired by `journey.runtime`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import orjson

from journey.identities.normalise import NO_REGION, Normaliser
from journey.ingest.ports import AppendResult, DataKeys, EventWriter, StaleDataKey
from journey.ingest.validation import Violation, decode_valid_batch, validate_event
from journey.stored.crypto import DataKey, seal_pii
from journey.stored.rows import NewEvent, encode_event
from journey.vocabulary.envelope import ValidEvent
from journey.vocabulary.events import TOPIC_BY_TYPE, stored_state

MAX_BATCH = 1000


class BatchRejected(ValueError):
    """The batch breaks SPEC 2 rules; nothing of it was stored."""

    def __init__(self, violations: Sequence[Violation]):
        self.violations = list(violations)
        super().__init__("; ".join(map(str, self.violations)))

    def __reduce__(self) -> tuple[type[BatchRejected], tuple[list[Violation]]]:
        return BatchRejected, (self.violations,)  # it crosses from preparer processes


class Ingestor:
    def __init__(
        self,
        writer: EventWriter,
        keys: DataKeys,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        normaliser: Normaliser = NO_REGION,
    ):
        self._writer = writer
        self._keys = keys
        self._clock = clock
        self.normaliser = normaliser  # identities' rules (SPEC 10.1), for `validate` and the import

    def now(self) -> datetime:
        """The instant validation judges "the future" against."""
        return self._clock()

    def validate_body(self, body: bytes) -> list[ValidEvent]:
        """`validate` of a JSON array of events, decoded and checked in one pass
        when every event is valid (the usual case)."""
        events = decode_valid_batch(body, self._clock(), self.normaliser)
        if events is not None and len(events) <= MAX_BATCH:
            return events
        return self.validate(orjson.loads(body))

    def validate(self, raw_batch: Sequence[object]) -> list[ValidEvent]:
        """The batch's events, or `BatchRejected` naming every bad event and field."""
        if len(raw_batch) > MAX_BATCH:
            raise BatchRejected(
                [Violation(MAX_BATCH, None, "(batch)", f"more than {MAX_BATCH} events")]
            )
        now = self._clock()
        valid: list[ValidEvent] = []
        violations: list[Violation] = []
        for index, raw in enumerate(raw_batch):
            checked = validate_event(raw, index, now, self.normaliser)
            if isinstance(checked, list):
                violations += checked
            else:
                valid.append(checked)
        if violations:
            raise BatchRejected(violations)
        return valid

    def append(self, raw_batch: Sequence[object]) -> list[AppendResult]:
        """Validate and store a batch: all of it or nothing."""
        return self.append_valid(self.validate(raw_batch))

    def append_valid(self, events: Sequence[ValidEvent]) -> list[AppendResult]:
        """Seal and store valid events atomically; re-seal them if a data key
        changed (an erasure) while they were being sealed."""
        for _ in range(3):
            try:
                return self.write(self.prepare(events))
            except StaleDataKey:
                self._keys.forget({e.customer_id for e in events})
        raise StaleDataKey("data keys kept changing while appending")

    def prepare(self, events: Sequence[ValidEvent]) -> list[NewEvent]:
        """Seal and encode valid events (CPU only, apart from fetching data keys)."""
        keys = self._keys.data_keys({e.customer_id for e in events})
        return [self._prepare(e, keys[e.customer_id]) for e in events]

    def write(self, new_events: Sequence[NewEvent]) -> list[AppendResult]:
        """Append prepared events atomically (`EventConflict`, `StaleDataKey`: nothing written)."""
        return self._writer.append(new_events)

    def _prepare(self, event: ValidEvent, key: DataKey) -> NewEvent:
        sealed = seal_pii(key.cipher, event.id, event.pii) if event.pii else None
        return encode_event(
            event.customer_id,
            TOPIC_BY_TYPE[event.type],
            stored_state(event, sealed),
            0,
            event.id,
            event.occurred_at,
            event.case_id,
            key.digest(event.canonical()),
            key.wrapped if event.pii else None,
        )
