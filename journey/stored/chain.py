"""The per-customer hash chain (SPEC 7): each event's hash covers its stored bytes,
its place in the store and the previous event's hash in the same stream."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from journey.vocabulary.serialization import dumps

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


# The JSON of the header fields an event decides alone, encoded once (in a preparer
# process): customer id; topic, event id, occurred_at, case id; content digest.
# The store adds position, version and `recorded_at`. A plain tuple: cheap to send.
ChainParts = tuple[bytes, bytes, bytes]


def chain_parts(
    customer_id: str,
    topic: str,
    event_id: str | None,
    occurred_at: datetime | None,
    case_id: str | None,
    content_digest: bytes | None,
) -> ChainParts:
    return (
        _json(customer_id),
        b",".join(
            (orjson.dumps([topic, event_id])[1:-1], instant_json(occurred_at), _json(case_id))
        ),
        b"null" if content_digest is None else b'"%s"' % content_digest.hex().encode(),
    )


def _json(value: str | None) -> bytes:
    """The JSON of a string (or null), byte for byte as orjson writes it: the
    header's fields are mostly plain ASCII identifiers, quoted without orjson
    (a third of an event's encoding time)."""
    if value is None:
        return b"null"
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return b'"%s"' % value.encode()  # nothing JSON escapes (DEL goes to orjson too)
    return dumps(value)


def instant_json(value: datetime | None) -> bytes:
    """The JSON of an instant as microsecond UTC text (`isoformat` of the UTC value,
    `timespec="microseconds"`), identical for a value before and after a database
    round trip. orjson writes it in a fifth of `isoformat`'s time (which took most
    of an event's chain encoding), but leaves out a zero fraction."""
    if value is None:
        return b"null"
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    text = orjson.dumps(value)
    return text if value.microsecond else text[:-7] + b'.000000+00:00"'


def chain_link(
    previous: bytes, position: int, version: int, recorded: bytes, parts: ChainParts, state: bytes
) -> bytes:
    """The chain hash: sha256 of the previous hash, the header (the JSON array
    `[position, customer_id, version, topic, event_id, occurred_at, case_id,
    recorded_at, content_digest]`), a newline and the stored state."""
    customer_id, middle, content_digest = parts
    return hashlib.sha256(
        b"".join(
            (
                previous,
                b"[%d," % position,
                customer_id,
                b",%d," % version,
                middle,
                b",",
                recorded,
                b",",
                content_digest,
                b"]\n",
                state,
            )
        )
    ).digest()


def chain_hash(previous: bytes, row: ChainedRow) -> bytes:
    parts = chain_parts(
        row.customer_id, row.topic, row.event_id, row.occurred_at, row.case_id, row.content_digest
    )
    return chain_link(
        previous, row.position, row.version, instant_json(row.recorded_at), parts, row.state
    )
