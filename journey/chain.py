"""The per-customer hash chain (SPEC 7): each event's hash covers its stored bytes,
its place in the store and the previous event's hash in the same stream."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

GENESIS = bytes(32)


@dataclass(frozen=True, slots=True)
class ChainedRow:
    """The columns of one stored event that the chain protects."""

    position: int
    customer_id: str
    version: int
    topic: str
    event_id: str | None
    occurred_at: datetime | None
    case_id: str | None
    recorded_at: datetime
    content_digest: bytes | None
    state: bytes


def chain_hash(previous: bytes, row: ChainedRow) -> bytes:
    header = orjson.dumps(
        [
            row.position,
            row.customer_id,
            row.version,
            row.topic,
            row.event_id,
            _instant(row.occurred_at),
            row.case_id,
            _instant(row.recorded_at),
            row.content_digest.hex() if row.content_digest is not None else None,
        ]
    )
    return hashlib.sha256(previous + header + b"\n" + row.state).digest()


def _instant(value: datetime | None) -> str | None:
    """Microsecond UTC text, identical for a value before and after a database round trip."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def first_broken_link(stream: Iterable[tuple[ChainedRow, bytes]]) -> int | None:
    """The position of the first event of one stream (in version order) whose
    content, order or chain does not match its stored hash; None when intact."""
    previous = GENESIS
    for expected_version, (row, stored_hash) in enumerate(stream, start=1):
        if row.version != expected_version or chain_hash(previous, row) != stored_hash:
            return row.position
        previous = stored_hash
    return None
