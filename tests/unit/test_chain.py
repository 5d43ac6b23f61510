"""The hash chain's format is frozen (stored chains must keep verifying): the
split computation the write path uses equals the format's plain definition."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import orjson
from hypothesis import given
from hypothesis import strategies as st

from journey.stored.chain import ChainedRow, chain_hash


def reference(previous: bytes, row: ChainedRow) -> bytes:
    """The format as first written: one JSON array of the header, newline, state."""

    def instant(value: datetime | None) -> str | None:
        return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")

    header = orjson.dumps(
        [
            row.position,
            row.customer_id,
            row.version,
            row.topic,
            row.event_id,
            instant(row.occurred_at),
            row.case_id,
            instant(row.recorded_at),
            row.content_digest.hex() if row.content_digest is not None else None,
        ]
    )
    return hashlib.sha256(previous + header + b"\n" + row.state).digest()


texts = st.text(min_size=1, max_size=20)
instants = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-9))]),
)


@given(
    previous=st.binary(min_size=32, max_size=32),
    position=st.integers(1, 2**62),
    version=st.integers(1, 2**40),
    customer_id=texts,
    topic=texts,
    event_id=st.none() | texts,
    occurred_at=st.none() | instants,
    case_id=st.none() | texts,
    recorded_at=instants,
    content_digest=st.none() | st.binary(min_size=32, max_size=32),
    state=st.binary(max_size=200),
)
def test_the_split_hash_equals_the_format(
    previous: bytes,
    position: int,
    version: int,
    customer_id: str,
    topic: str,
    event_id: str | None,
    occurred_at: datetime | None,
    case_id: str | None,
    recorded_at: datetime,
    content_digest: bytes | None,
    state: bytes,
) -> None:
    row = ChainedRow(
        position,
        customer_id,
        version,
        topic,
        event_id,
        occurred_at,
        case_id,
        recorded_at,
        content_digest,
        state,
    )
    assert chain_hash(previous, row) == reference(previous, row)
