"""The per-customer hash chain (SPEC 7): each event's hash covers its stored bytes,
its place in the store and the previous event's hash in the same stream."""

from __future__ import annotations

import hashlib
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
    return value.astimezone(UTC).isoformat(timespec="microseconds")
