"""Answers as JSON bytes: timestamps in RFC 3339 UTC (`...Z`), pii only when allowed.

Routes build plain dicts and answer with `json_response`; the pydantic models in
`api.schemas` document the same shapes in OpenAPI.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.responses import Response

from journey.postgres.reads import StoredRow
from journey.stored.crypto import open_pii
from journey.vocabulary.events import TYPE_BY_TOPIC

PiiKeys = Callable[[str], bytes | None]


def utc(value: Any) -> Any:
    """Datetimes (at any depth of dicts and lists) moved to UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, dict):
        return {k: utc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [utc(v) for v in value]
    return value


def json_response(
    content: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    body = orjson.dumps(utc(content), option=orjson.OPT_UTC_Z)
    return Response(body, status, dict(headers or {}), "application/json")


def event_document(row: StoredRow, pii_keys: PiiKeys | None) -> dict[str, Any]:
    """A stored row as the timeline and the feed show it; `pii` only given keys to open it."""
    position, customer_id, topic, stored_state, _, recorded_at = row
    state = orjson.loads(stored_state)
    document: dict[str, Any] = {
        "id": state["id"],
        "type": TYPE_BY_TOPIC[topic],
        "customer_id": customer_id,
        "occurred_at": datetime.fromisoformat(state["timestamp"]),
        "channel": state.get("channel"),
        "case_id": state.get("case_id"),
        "agent_id": state.get("agent_id"),
        "data": state.get("data") or {},
        "position": position,
        "recorded_at": recorded_at,
    }
    sealed = state.get("pii")
    if sealed and pii_keys is not None:
        document["pii"] = open_pii(pii_keys(customer_id), state["id"], sealed)
    return document


def key_lookup(load: Callable[[list[str]], dict[str, bytes]], rows: list[StoredRow]) -> PiiKeys:
    """One query for the data keys of every customer in `rows`."""
    keys = load(
        sorted({customer for _, customer, _, state, _, _ in rows if b'"pii"' in bytes(state)})
    )
    return keys.get


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values, option=orjson.OPT_UTC_Z)).decode()


def decode_cursor(cursor: str) -> list[Any]:
    """The values of a cursor; ValueError when it was not made by `encode_cursor`."""
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, orjson.JSONDecodeError, ValueError) as error:
        raise ValueError("not a cursor this API returned") from error
    if not isinstance(values, list):
        raise ValueError("not a cursor this API returned")
    return values
