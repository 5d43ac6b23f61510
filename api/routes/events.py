"""Appending events (SPEC 2.3) and the global feed, paged and live (SPEC 8)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse

from api.deps import BEARER_SECURITY, Reader, ServicesDep, authorize, services_of
from api.errors import Problem, field_problem
from api.feed import STREAM_RESPONSE
from api.params import Limit
from api.reading import event_documents
from api.render import json_response, utc
from api.schemas import AppendOut, FeedOut
from api.services import Services
from journey.ingest.ingestor import MAX_BATCH, BatchRejected
from journey.ingest.ports import CREATED
from journey.ingest.validation import repeated_key_violations

MAX_BODY_BYTES = 8 * 1024 * 1024
BODY_IDLE_SECONDS = 10.0  # a client that sends no byte of its body for this long gets 408
KEEP_ALIVE_SECONDS = 15.0
STREAM_PAGE = 500

router = APIRouter(tags=["events"])

_EXAMPLE = {
    "id": "crm-48213",
    "type": "case.opened",
    "customer_id": "cust-17",
    "occurred_at": "2026-03-02T09:15:00+03:00",
    "channel": "chat",
    "case_id": "case-903",
    "data": {"priority": "high"},
    "pii": {"subject": "Card blocked"},
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/EventIn"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/EventIn"},
                            "minItems": 1,
                            "maxItems": MAX_BATCH,
                        },
                    ]
                },
                "examples": {
                    "one event": {"value": _EXAMPLE},
                    "a batch": {
                        "value": [
                            _EXAMPLE,
                            {
                                "id": "crm-48214",
                                "type": "reply.outbound",
                                "customer_id": "cust-17",
                                "occurred_at": "2026-03-02T06:19:00Z",
                                "channel": "chat",
                                "case_id": "case-903",
                                "agent_id": "agent-5",
                            },
                        ]
                    },
                },
            }
        },
    }
}


async def read_body(request: Request) -> bytes:
    """The body: 415 unless JSON (no Content-Type is taken as JSON), 413 as soon
    as it exceeds `MAX_BODY_BYTES`, 408 when the client stalls mid-body.

    The ASGI messages are read directly under one idle timer, moved on at each
    chunk (a timer per chunk, through `request.stream()`, cost a few percent of
    a single-event POST)."""
    media_type = request.headers.get("content-type", "application/json").split(";")[0]
    if media_type.strip().lower() != "application/json":
        raise Problem(415, f"Content-Type: send application/json, not {media_type.strip()!r}")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Problem(413, f"the body exceeds {MAX_BODY_BYTES} bytes")
    chunks, size, receive = [], 0, request.receive
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(BODY_IDLE_SECONDS) as idle:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    raise ClientDisconnect()
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise Problem(413, f"the body exceeds {MAX_BODY_BYTES} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
                idle.reschedule(loop.time() + BODY_IDLE_SECONDS)
    except TimeoutError:
        raise Problem(408, f"no byte of the body came for {BODY_IDLE_SECONDS:g} s") from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class DirectRoute(APIRoute):
    """A route whose endpoint takes the `Request` and answers the `Response`
    itself: FastAPI's per-request handling (dependency solving, body and response
    models) is skipped, a tenth of a single-event POST's time. The OpenAPI
    operation is FastAPI's as for any route; the key is checked in the endpoint."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


async def append_events(request: Request) -> Response:
    """Append one event or an atomic batch of up to 1000 (201 if any was created, else 200)."""
    authorize(request, "events:write")  # not a dependency: see `api.deps.authorize`
    services = services_of(request)
    body = await read_body(request)
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise field_problem("(body)", f"not valid JSON: {error}") from None
    batch = raw if isinstance(raw, list) else [raw]
    if not batch:
        raise field_problem("(body)", "an empty batch: send one event or 1 to 1000 of them")
    if len(batch) > MAX_BATCH:
        raise Problem(
            413,
            f"more than {MAX_BATCH} events in one batch",
            errors=[{"field": "(batch)", "message": f"at most {MAX_BATCH} events"}],
        )
    if repeated := repeated_key_violations(body, raw):
        raise BatchRejected(repeated)
    results = await services.intake.append(batch, body)
    created = sum(r.status == CREATED for r in results)
    services.metrics.count_ingested(created, len(results) - created)
    answer = {
        "results": [{"id": r.id, "status": r.status, "position": r.position} for r in results]
    }
    return Response(orjson.dumps(answer), 201 if created else 200, media_type="application/json")


router.add_api_route(
    endpoint=append_events,
    methods=["POST"],
    path="/v1/events",
    route_class_override=DirectRoute,
    status_code=201,
    response_model=AppendOut,
    openapi_extra={**_BODY, **BEARER_SECURITY},
    responses={
        200: {"model": AppendOut, "description": "every event was a duplicate"},
        409: {"description": "an id is already stored with other content"},
        408: {"description": "the client stalled while sending the body"},
        413: {"description": "the body is too large"},
        415: {"description": "the body is not application/json"},
    },
)


def feed_page(services: Services, after: int, limit: int, pii: bool) -> list[dict[str, Any]]:
    return event_documents(services, services.reads.feed(after, limit), pii)


@router.get("/v1/events", response_model=FeedOut)
def feed(
    services: ServicesDep,
    key: Reader,
    after: Annotated[int, Query(ge=0, le=2**62, description="last position already seen")] = 0,
    limit: Limit = 100,
) -> Response:
    """The global feed in position order: events after `after`."""
    events = feed_page(services, after, limit, "pii" in key.scopes)
    last = events[-1]["position"] if events else after
    return json_response({"events": events, "last_position": last})


@router.get(
    "/v1/events/stream",
    response_class=StreamingResponse,
    responses={200: STREAM_RESPONSE},
)
async def stream(
    request: Request,
    services: ServicesDep,
    key: Reader,
    after: Annotated[int, Query(ge=0, le=2**62, description="last position already seen")] = 0,
    last_event_id: Annotated[
        str | None, Header(max_length=20, pattern=r"^[0-9]+$", description="resume after it")
    ] = None,
) -> StreamingResponse:
    """The global feed as server-sent events, live; resumable with `Last-Event-ID`."""
    start = int(last_event_id) if last_event_id else after
    pii = "pii" in key.scopes
    return StreamingResponse(
        _events(services, start, pii),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(services: Services, after: int, pii: bool) -> AsyncIterator[bytes]:
    notifications = services.notifications
    yield b"retry: 1000\n\n"
    while not notifications.closing:
        ticket = notifications.ticket()
        events = await run_in_threadpool(feed_page, services, after, STREAM_PAGE, pii)
        for event in events:
            data = orjson.dumps(utc(event), option=orjson.OPT_UTC_Z)
            yield b"id: %d\nevent: %s\ndata: %s\n\n" % (
                event["position"],
                event["type"].encode(),
                data,
            )
            after = event["position"]
        if len(events) < STREAM_PAGE and not await notifications.wait(ticket, KEEP_ALIVE_SECONDS):
            yield b": keep-alive\n\n"
