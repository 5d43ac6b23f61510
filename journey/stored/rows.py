"""Rows of the events table in PostgreSQL's binary `COPY` format.

What an event decides alone (its stream, topic, stored state, id, occurred_at,
case, content digest, and its part of the chain header) is encoded once, where
the event is prepared: in the API's process, or in an import preparer process
(`journey.ingest.importer`). Under its lock the store adds only what it assigns
(version, position, `recorded_at`, chain hash) and joins bytes: the lock is held
for as little Python as possible.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from eventsourcing.persistence import StoredEvent

from journey.stored.chain import ChainParts, chain_parts

OWN_COLUMNS = (
    "originator_id",
    "topic",
    "state",
    "event_id",
    "occurred_at",
    "case_id",
    "content_digest",
)
STORE_COLUMNS = ("originator_version", "notification_id", "recorded_at", "chain_hash")
COLUMNS = OWN_COLUMNS + STORE_COLUMNS  # the COPY's column order
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # header, no flags, no extension
TRAILER = b"\xff\xff"

_FIELD_COUNT = struct.pack(">h", len(COLUMNS))
_NULL = struct.pack(">i", -1)
_LENGTH = struct.Struct(">i")
_INT8 = struct.Struct(">q")
_TIMESTAMP = struct.Struct(">iq")  # a timestamptz field: its length (8), its value
_STORE_FIELDS = struct.Struct(">iqiqiqi")  # three int8/timestamptz fields, the hash's length
_HASH_BYTES = 32
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # PostgreSQL's timestamp epoch
_MICROSECOND = timedelta(microseconds=1)


class NewEvent(NamedTuple):
    """An event to append, its own columns encoded (a named tuple: cheap to send
    between processes). `version` is kept only by the library's `insert_events`;
    the store's `append` puts the event at its stream's head."""

    customer_id: str
    event_id: str | None
    content_digest: bytes | None
    data_key_check: bytes | None  # the wrapped data key its pii was sealed with
    version: int
    state: bytes
    chain: ChainParts
    copy_head: bytes  # binary COPY fields of OWN_COLUMNS before `state`
    copy_tail: bytes  # ... and after it


def new_event(
    stored: StoredEvent,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
    case_id: str | None = None,
    content_digest: bytes | None = None,
    data_key_check: bytes | None = None,
) -> NewEvent:
    return encode_event(
        str(stored.originator_id),
        stored.topic,
        stored.state,
        stored.originator_version,
        event_id,
        occurred_at,
        case_id,
        content_digest,
        data_key_check,
    )


def encode_event(
    customer: str,
    topic: str,
    state: bytes,
    version: int,
    event_id: str | None,
    occurred_at: datetime | None,
    case_id: str | None,
    content_digest: bytes | None,
    data_key_check: bytes | None,
) -> NewEvent:
    """`new_event` of a stored event's parts (the ingestion hot path makes no
    `StoredEvent`). The COPY fields are written inline: calls to a helper per
    field were a fifth of this function's time."""
    length = _LENGTH.pack
    customer_bytes, topic_bytes = customer.encode(), topic.encode()
    id_field = _NULL if event_id is None else length(len(id_bytes := event_id.encode())) + id_bytes
    case_field = (
        _NULL if case_id is None else length(len(case_bytes := case_id.encode())) + case_bytes
    )
    return NewEvent(
        customer,
        event_id,
        content_digest,
        data_key_check,
        version,
        state,
        chain_parts(customer, topic, event_id, occurred_at, case_id, content_digest),
        b"".join(
            (length(len(customer_bytes)), customer_bytes, length(len(topic_bytes)), topic_bytes)
        ),
        b"".join(
            (
                id_field,
                _NULL if occurred_at is None else _TIMESTAMP.pack(8, microseconds(occurred_at)),
                case_field,
                _NULL if content_digest is None else length(len(content_digest)) + content_digest,
            )
        ),
    )


def own_columns(
    event: NewEvent,
) -> tuple[str, str | None, datetime | None, str | None, bytes | None]:
    """(topic, event id, occurred_at, case id, content digest) read back from the
    encoded fields, for an INSERT of a few events (a named tuple of the values
    themselves would cost every imported event more to send between processes)."""
    _, topic = _fields(event.copy_head)
    event_id, occurred_at, case_id, digest = _fields(event.copy_tail)
    assert topic is not None
    return (
        topic.decode(),
        None if event_id is None else event_id.decode(),
        None if occurred_at is None else _EPOCH + _MICROSECOND * _INT8.unpack(occurred_at)[0],
        None if case_id is None else case_id.decode(),
        digest,
    )


def _fields(encoded: bytes) -> list[bytes | None]:
    fields: list[bytes | None] = []
    at = 0
    while at < len(encoded):
        (length,) = _LENGTH.unpack_from(encoded, at)
        at += 4
        if length < 0:
            fields.append(None)
        else:
            fields.append(encoded[at : at + length])
            at += length
    return fields


def copy_row(event: NewEvent, version: int, position: int, recorded_at: int, chain: bytes) -> bytes:
    """One binary COPY tuple; `recorded_at` in `microseconds`."""
    return b"".join(
        (
            _FIELD_COUNT,
            event.copy_head,
            _LENGTH.pack(len(event.state)),
            event.state,
            event.copy_tail,
            _STORE_FIELDS.pack(8, version, 8, position, 8, recorded_at, _HASH_BYTES),
            chain,
        )
    )


def microseconds(value: datetime) -> int:
    """A timestamptz's binary value: microseconds since 2000-01-01 UTC."""
    return (value - _EPOCH) // _MICROSECOND
