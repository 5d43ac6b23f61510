"""schemathesis against the server's own /openapi.json: no 5xx, and every answer
conforms to the document (status, content type, body schema), a bounded number
of generated requests per operation. The live stream never ends: schemathesis
reads it for `STREAM_SECONDS` and validates each complete frame it received."""

from __future__ import annotations

import orjson
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import event
from tests.plugins.server import Api, unique

CASES_PER_OPERATION = 10
# Rules JSON Schema cannot state (an opaque cursor must be one the server gave
# out, `occurred_at` at most 5 minutes ahead of its clock, `to` not before
# `from`, a window longer than zero) make some schema-valid requests a 422, so
# that one check is left out; no 5xx and response conformance are all checked.
EXCLUDED = [positive_data_acceptance]
STREAM = "/v1/events/stream"
STREAM_SECONDS = 1.0  # the stream sends what is stored at once, then waits for commits
FRAMES_SECONDS = 5.0  # where the frames must have come: time to spare on a loaded machine


def test_every_route_conforms_to_the_openapi_document(api: Api) -> None:
    _stored_events(api)
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    headers = {"Authorization": f"Bearer {api.keys['all']}"}
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()
        _conforms(operation, headers)
        checked.append(operation.label)
    assert len(checked) >= 16  # every SPEC 8 route, the stream and /metrics


def _conforms(operation: APIOperation, headers: dict[str, str]) -> None:
    reading = {"timeout": STREAM_SECONDS} if operation.path == STREAM else {}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED, **reading)

    conforms()


def test_the_streams_frames_conform_to_the_openapi_document(api: Api) -> None:
    written = _stored_events(api)
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    from_the_first = schema[STREAM]["GET"].Case(query={"after": 0})

    answer = from_the_first.call_and_validate(
        headers={"Authorization": f"Bearer {api.keys['all']}"}, timeout=FRAMES_SECONDS
    )

    assert answer.status_code == 200
    assert answer.content.count(b"\ndata: ") >= written  # frames were there to validate


def _stored_events(api: Api) -> int:
    customer = unique("c")
    batch = [event(customer_id=customer, channel=c) for c in ("chat", "email", "phone")]
    with api.client("writer") as client:
        assert client.post("/v1/events", content=orjson.dumps(batch)).status_code == 201
    return len(batch)
