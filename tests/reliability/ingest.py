"""A retrying ingest client and the checks every fault test ends with.

The client behaves as the SPEC asks of a producer: it sends each batch until
the store acknowledges it (2xx), resending the same ids after a 503 (waiting as
`Retry-After` says) or a lost connection. Anything else is a failure.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from journey.runtime import Runtime

Batch = list[dict[str, Any]]
RETRYABLE = {503}


def make_events(count: int, customers: int, prefix: str) -> Batch:
    """`count` valid events (contacts with pii, cases, surveys) over `customers` streams."""
    events: Batch = []
    for n in range(count):
        customer = f"{prefix}-cust-{n % customers}"
        common = {
            "id": f"{prefix}-{n}",
            "customer_id": customer,
            "occurred_at": f"2026-03-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
        }
        kind = n % 4
        if kind == 0:
            events.append(
                {
                    **common,
                    "type": "contact.inbound",
                    "channel": "phone",
                    "pii": {"phone": f"+7 900 {n:07d}"},
                }
            )
        elif kind == 1:
            events.append(
                {
                    **common,
                    "type": "case.opened",
                    "channel": "email",
                    "case_id": f"{prefix}-case-{n}",
                }
            )
        elif kind == 2:
            events.append(
                {
                    **common,
                    "type": "contact.inbound",
                    "channel": "chat",
                    "pii": {"body": f"message {n}: my card is blocked"},
                }
            )
        else:
            events.append(
                {**common, "type": "survey.answered", "channel": "sms", "data": {"csat": 1 + n % 5}}
            )
    return events


def chunks(events: Batch, size: int) -> list[Batch]:
    return [events[i : i + size] for i in range(0, len(events), size)]


@dataclass
class Outcome:
    acknowledged: dict[str, int] = field(default_factory=dict)  # event id -> position
    answers: Counter[str] = field(default_factory=Counter)  # status or "lost connection"
    resent_duplicates: int = 0  # events answered `duplicate`: committed, answer lost
    failures: list[str] = field(default_factory=list)
    slowest_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledge(self, results: list[dict[str, Any]]) -> None:
        with self.lock:
            for result in results:
                self.acknowledged[result["id"]] = result["position"]
                self.resent_duplicates += result["status"] == "duplicate"


class Ingest:
    """Sends `batches` from `threads` clients in the background until each is
    acknowledged or `deadline` seconds pass; `urls()` picks the server per request."""

    def __init__(
        self,
        urls: Callable[[int], str],
        key: str,
        batches: Sequence[Batch],
        threads: int = 4,
        deadline: float = 120.0,
        timeout: float = 30.0,
    ):
        self.outcome = Outcome()
        self._urls = urls
        self._headers = {"Authorization": f"Bearer {key}"}
        self._batches = list(batches)
        self._next = 0
        self._lock = threading.Lock()
        self._stop = time.monotonic() + deadline
        self._timeout = timeout
        self._pool = ThreadPoolExecutor(threads)
        self._futures: list[Future[None]] = [
            self._pool.submit(self._client) for _ in range(threads)
        ]

    def __enter__(self) -> Ingest:
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the clients (at their next attempt) when a test ends early."""
        self._stop = 0.0
        self._pool.shutdown(cancel_futures=True)

    def acknowledged(self) -> int:
        return len(self.outcome.acknowledged)

    def wait_for(self, events: int, timeout: float = 60.0) -> None:
        """Block until `events` are acknowledged (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while self.acknowledged() < events:
            assert time.monotonic() < deadline, f"only {self.acknowledged()} acknowledged"
            assert not all(f.done() for f in self._futures), "the clients stopped"
            time.sleep(0.02)

    def result(self) -> Outcome:
        for future in self._futures:
            future.result()
        self._pool.shutdown()
        return self.outcome

    def _take(self) -> Batch | None:
        with self._lock:
            if self._next >= len(self._batches):
                return None
            self._next += 1
            return self._batches[self._next - 1]

    def _client(self) -> None:
        with httpx.Client(headers=self._headers, timeout=self._timeout) as client:
            while (batch := self._take()) is not None:
                self._send(client, batch)

    def _send(self, client: httpx.Client, batch: Batch) -> None:
        attempt = 0
        while time.monotonic() < self._stop:
            attempt += 1
            url = self._urls(attempt)
            started = time.monotonic()
            try:
                answer = client.post(f"{url}/v1/events", json=batch)
            except httpx.TransportError:
                self._note("lost connection", started)
                time.sleep(0.1)
                continue
            self._note(str(answer.status_code), started)
            if answer.status_code in (200, 201):
                self.outcome.acknowledge(answer.json()["results"])
                return
            if answer.status_code in RETRYABLE:
                if "retry-after" not in answer.headers:
                    self._fail(f"503 without Retry-After: {answer.text[:200]}")
                time.sleep(min(float(answer.headers.get("retry-after", 1)), 1.0))
                continue
            self._fail(f"{answer.status_code}: {answer.text[:300]}")
            return
        self._fail(f"batch starting {batch[0]['id']} not acknowledged before the deadline")

    def _note(self, answer: str, started: float) -> None:
        with self.outcome.lock:
            self.outcome.answers[answer] += 1
            self.outcome.slowest_seconds = max(
                self.outcome.slowest_seconds, time.monotonic() - started
            )

    def _fail(self, message: str) -> None:
        with self.outcome.lock:
            self.outcome.failures.append(message)


def assert_exactly_stored(store: Runtime, events: Batch, outcome: Outcome) -> None:
    """Exactly these events, once each, every acknowledged one where the store
    said, positions 1..N without a gap, every chain intact."""
    assert outcome.failures == []
    with store.datastore.pool.connection() as conn:
        rows = conn.execute("SELECT event_id, notification_id FROM journey_events").fetchall()
    stored = {row["event_id"]: row["notification_id"] for row in rows}
    assert len(rows) == len(stored) == len(events)  # no duplicates, nothing missing or extra
    assert set(stored) == {e["id"] for e in events}
    assert len(outcome.acknowledged) == len(events)
    assert {i: stored[i] for i in outcome.acknowledged} == outcome.acknowledged
    audit = store.audit_service()
    report = audit.verify_store()
    assert report.ok, report.problems
    assert report.events == len(events)
    for customer in sorted({e["customer_id"] for e in events}):
        assert audit.verify_customer(customer)["ok"], customer


def request_head(key: str, length: int) -> bytes:
    """The head of a raw `POST /v1/events` with a JSON body of `length` bytes."""
    return (
        "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def stored_ids(store: Runtime) -> set[str]:
    with store.datastore.pool.connection() as conn:
        return {row["event_id"] for row in conn.execute("SELECT event_id FROM journey_events")}
