"""Audit and personal data (SPEC 7): hash-chain verification, erasure by
crypto-shredding, and the data subject's access export (docs/audit.md).

An application service with no SQL: the audit reader, key store and event writer
come in through the constructor (wired by `journey.runtime.Runtime.audit_service`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson
from eventsourcing.persistence import Mapper

from journey.ingest.ports import CREATED, EventWriter
from journey.integrity.verification import (
    Head,
    Link,
    Problem,
    StoreScan,
    StoreWatcher,
    VerifyReport,
    check_links,
)
from journey.reading.documents import case_document, contacts_document, read_case
from journey.reading.persons import Person
from journey.rules.facts import Fact, fact_from_stored
from journey.rules.sla import PolicyFor
from journey.stored.chain import ChainedRow
from journey.stored.crypto import open_pii
from journey.stored.rows import new_event
from journey.vocabulary.events import TYPE_BY_TOPIC, PersonalDataErased

ERASURE = PersonalDataErased.type_name


class UnknownCustomer(LookupError):
    """No event is stored for this customer."""


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """The customer's row in the key table: `usable` while a wrapped key is stored."""

    exists: bool
    usable: bool = False
    created_at: datetime | None = None
    erased_at: datetime | None = None

    @property
    def state(self) -> str:
        if not self.exists:
            return "none"
        return "active" if self.usable else "erased"


class AuditReader(Protocol):
    def stream(self, customer_id: str) -> Iterator[Link]: ...
    def scan(self) -> AbstractContextManager[StoreScan]: ...
    def first_missing_position(self, after: int, before: int) -> int | None: ...
    def stored_hashes(self, heads: Sequence[Head]) -> list[bytes | None]: ...
    def key_status(self, customer_id: str) -> KeyStatus: ...


class CustomerKeys(Protocol):
    def current_key(self, customer_id: str) -> bytes | None: ...
    def destroy(self, customer_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class ErasureResult:
    customer_id: str
    erased_now: bool  # False: it was already erased and nothing changed
    event_id: str
    position: int
    key_erased_at: datetime | None


class AuditService:
    def __init__(
        self,
        reader: AuditReader,
        keys: CustomerKeys,
        writer: EventWriter,
        mapper: Mapper[str],
        policy_for: PolicyFor,
        repeat_window: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._reader = reader
        self._keys = keys
        self._writer = writer
        self._mapper = mapper
        self._policy_for = policy_for
        self._window = repeat_window
        self._clock = clock

    def verify_customer(self, customer_id: str) -> dict[str, Any]:
        """`{"ok", "events", "first_bad_position"}` for one stream (SPEC 8)."""
        return self.check_customer(customer_id)[0].as_dict()

    def check_customer(self, customer_id: str) -> tuple[VerifyReport, Head | None]:
        """One stream's report and its head (None: no events)."""
        return self._check_stream(self._reader.stream(customer_id))

    def _check_stream(self, links: Iterable[Link]) -> tuple[VerifyReport, Head | None]:
        report = VerifyReport()
        heads = list(check_links(links, report, self._reader.first_missing_position))
        return report, heads[0] if heads else None

    def verify_store(self, watcher: StoreWatcher | None = None) -> VerifyReport:
        """Every stream's chain and the global sequence 1..N, in one snapshot and
        constant memory; the watcher sees the total and each verified stream's head."""
        report = VerifyReport()
        with self._reader.scan() as scan:
            if watcher is not None:
                watcher.started(scan.last_position())
            for head in check_links(scan.links(), report):  # the sequence check finds deletions
                if watcher is not None:
                    watcher.verified(head, report.events)
            absent = scan.sequence_break()
        if absent is not None:
            report.add(Problem(absent, "", "global position sequence broken here"))
        return report

    def check_heads(self, heads: Iterable[Head], batch: int = 1000) -> VerifyReport:
        """Each published head must still be stored, with the same chain hash."""
        report = VerifyReport()
        iterator = iter(heads)
        while chunk := list(itertools.islice(iterator, batch)):
            for head, stored in zip(chunk, self._reader.stored_hashes(chunk), strict=True):
                report.events += 1
                report.streams += 1
                if stored != head.chain_hash:
                    what = "missing" if stored is None else "has another chain hash"
                    report.add(Problem(head.position, head.customer_id, f"published head {what}"))
        return report

    def erase(self, customer_id: str, by: str, reason: str) -> ErasureResult:
        """Destroy the customer's data key and record who erased, when and why.
        Idempotent: an erasure already recorded for the current key changes nothing."""
        if not by.strip():
            raise ValueError("by: who erases must be named")
        rows = [row for row, _ in self._reader.stream(customer_id)]
        if not rows:
            raise UnknownCustomer(customer_id)
        self._keys.destroy(customer_id)
        key_erased_at = self._reader.key_status(customer_id).erased_at
        erasures = [(row, _fact(row)) for row in rows if TYPE_BY_TOPIC[row.topic] == ERASURE]
        if erasures and erasures[-1][1].data.get("key_erased_at") == _instant(key_erased_at):
            last = erasures[-1][0]
            return ErasureResult(
                customer_id, False, last.event_id or "", last.position, key_erased_at
            )
        event_id = f"erasure:{customer_id}:{len(erasures) + 1}"
        now = self._clock()
        data = {
            "erased_by": by,
            "reason": reason,
            "erased_at": _instant(now),
            "key_erased_at": _instant(key_erased_at),
        }
        erased = PersonalDataErased(
            originator_id=customer_id, originator_version=0, timestamp=now, id=event_id, data=data
        )
        new = new_event(self._mapper.to_stored_event(erased), event_id=event_id, occurred_at=now)
        (appended,) = self._writer.append([new])
        return ErasureResult(
            customer_id, appended.status == CREATED, event_id, appended.position, key_erased_at
        )

    def export(self, customer_id: str) -> dict[str, Any]:
        """Everything stored about the customer, pii opened (or `[erased]`)."""
        links = list(self._reader.stream(customer_id))
        if not links:
            raise UnknownCustomer(customer_id)
        now = self._clock()
        key = self._keys.current_key(customer_id)
        status = self._reader.key_status(customer_id)
        facts = [_fact(row) for row, _ in links]
        report, _ = self._check_stream(links)
        return {
            "customer_id": customer_id,
            "exported_at": now,
            "personal_data_key": {
                "state": status.state,
                "created_at": status.created_at,
                "erased_at": status.erased_at,
            },
            "chain": report.as_dict(),
            "events": [
                _event_document(row, fact, key)
                for row, fact in sorted(
                    zip((r for r, _ in links), facts, strict=True),
                    key=lambda pair: pair[1].order_key,
                )
            ],
            "cases": self._cases(facts, now),
            "contacts": contacts_document(Person.alone(customer_id), facts, self._window),
            "erasures": [{"position": f.position, **f.data} for f in facts if f.type == ERASURE],
        }

    def _cases(self, facts: Sequence[Fact], now: datetime) -> list[dict[str, Any]]:
        by_case: dict[str, list[Fact]] = {}
        for fact in facts:
            if fact.case_id is not None:
                by_case.setdefault(fact.case_id, []).append(fact)
        readings = (read_case(case_facts, self._policy_for, now) for case_facts in by_case.values())
        return [case_document(reading, now) for reading in readings if reading is not None]


def _fact(row: ChainedRow) -> Fact:
    return fact_from_stored(row.position, row.customer_id, row.topic, row.state)


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _event_document(row: ChainedRow, fact: Fact, key: bytes | None) -> dict[str, Any]:
    body = orjson.loads(row.state)
    sealed = body.get("pii")
    return {
        "position": row.position,
        "id": body.get("id"),
        "type": fact.type,
        "customer_id": row.customer_id,
        "occurred_at": fact.occurred_at,
        "recorded_at": row.recorded_at,
        "channel": fact.channel,
        "case_id": fact.case_id,
        "agent_id": fact.agent_id,
        "data": dict(fact.data),
        "pii": open_pii(key, body["id"], sealed) if sealed else None,
    }
