"""A customer's timeline, cases and contact counts (SPEC 8), and its person with
its identities (SPEC 10.4), with SPEC 6 `as_of`/`at`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.errors import Problem, field_problem
from api.params import AsOf, At, CustomerId, MomentQuery, PagingQuery, Window, window_or
from api.reading import event_documents, now_or_replayed, of_known_customer, read_model
from api.render import decode_cursor, encode_cursor, json_response
from api.schemas import (
    Channel,
    ContactsOut,
    CustomerCasesOut,
    CustomerOut,
    EventType,
    TimelineOut,
)
from api.services import Services
from journey.reading.bounds import Bounds
from journey.reading.persons import Person
from projections.queries import ReadModel

router = APIRouter(tags=["customers"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "no events of this customer under `as_of`/`at`"}
}


def _not_found(customer_id: str) -> Problem:
    return Problem(
        404,
        f"customer {customer_id!r} has no events under the requested as_of/at",
        errors=[{"field": "customer_id", "message": "no events"}],
    )


def _page_start(services: Services, cursor: str | None) -> tuple[tuple[datetime, int] | None, int]:
    """(after which (occurred_at, position) to read, ceiling position) of a page."""
    if cursor is None:
        return None, services.reads.last_position()
    try:
        occurred, position, ceiling = decode_cursor(cursor)
        return (datetime.fromisoformat(occurred), int(position)), int(ceiling)
    except (ValueError, TypeError) as error:
        raise field_problem("cursor", "not a cursor this route returned") from error


@router.get(
    "/v1/customers/{customer_id:path}/timeline", response_model=TimelineOut, responses=NOT_FOUND
)
def timeline(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    paging: PagingQuery,
    as_of: AsOf = None,
    at: At = None,
    channel: Channel | None = None,
    type: Annotated[list[EventType] | None, Query(max_length=16)] = None,
    merged: Annotated[
        bool, Query(description="the events of every stream of the person (SPEC 10.4)")
    ] = True,
) -> Response:
    """The customer's events in (`occurred_at`, `position`) order, every channel;
    with `merged` (the default) those of every stream of its person, each with
    its own `customer_id`."""
    limit = paging.limit
    after, ceiling = _page_start(services, paging.cursor)
    bounds = Bounds(as_of=as_of, at=at or as_of, ceiling=ceiling)
    streams = _streams(services, customer_id, as_of, at) if merged else [customer_id]
    rows = services.reads.timeline(
        streams, bounds, types=type or (), channel=channel, after=after, limit=limit + 1
    )
    if not rows and after is None and not services.reads.has_events(streams, bounds):
        raise _not_found(customer_id)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        position, _, _, _, occurred_at, _ = page[-1]
        assert occurred_at is not None  # every event the API takes has one
        next_cursor = encode_cursor([occurred_at.isoformat(), position, ceiling])
    events = event_documents(services, page, "pii" in key.scopes)
    return json_response({"customer_id": customer_id, "events": events, "next_cursor": next_cursor})


def _streams(
    services: Services, customer_id: str, as_of: datetime | None, at: datetime | None
) -> list[str]:
    """The streams of the customer's person: now, or as the store knew it."""
    if as_of is None and at is None:
        return list(services.read_model.person(customer_id).merged_ids)
    found = services.replays.person(customer_id, as_of, at)
    return [customer_id] if found is None else list(found[0].merged_ids)


@router.get(
    "/v1/customers/{customer_id:path}/cases", response_model=CustomerCasesOut, responses=NOT_FOUND
)
async def customer_cases(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
) -> Response:
    """Every case of the customer's person (all its streams), each as
    `GET /v1/cases/{case_id}` answers it."""

    def projected(model: ReadModel, now: datetime) -> tuple[Person, list[dict[str, Any]]] | None:
        person = model.person(customer_id)
        found = model.customer_cases(person, now)
        return of_known_customer(services, person, (person, found), empty=not found)

    person, cases = await now_or_replayed(
        services,
        moment,
        projected=projected,
        replayed=lambda: services.replays.customer_cases(customer_id, moment.as_of, moment.at),
        missing=_not_found(customer_id),
    )
    return json_response(
        {"customer_id": customer_id, "resolved_id": person.resolved_id, "cases": cases}
    )


@router.get(
    "/v1/customers/{customer_id:path}/contacts", response_model=ContactsOut, responses=NOT_FOUND
)
async def contacts(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
    window: Window = None,
) -> Response:
    """SPEC 4 counts of the inbound contacts, repeats and channel switches of the
    customer's person, over all its streams (SPEC 10.3)."""
    span = window_or(window, services.store.settings.repeat_window)

    def projected(model: ReadModel, _: datetime) -> dict[str, Any] | None:
        person = model.person(customer_id)
        found = model.contacts(person, span)
        return of_known_customer(services, person, found, not found["inbound_contacts"])

    counts: dict[str, Any] = await now_or_replayed(
        services,
        moment,
        projected=projected,
        replayed=lambda: services.replays.contacts(customer_id, span, moment.as_of, moment.at),
        missing=_not_found(customer_id),
    )
    return json_response(counts)


@router.get("/v1/customers/{customer_id:path}", response_model=CustomerOut, responses=NOT_FOUND)
async def customer(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
) -> Response:
    """The customer's person (SPEC 10.4): its streams, the identities they hold
    (`value` only with the `pii` scope) and the other persons sharing one.
    Declared after `/timeline`, `/cases` and `/contacts`, which its path would
    otherwise take."""
    await read_model(services, moment.after)  # the identity reads use the projections' tables
    document = await run_in_threadpool(
        services.identities.customer, customer_id, moment, "pii" in key.scopes
    )
    if document is None:
        raise _not_found(customer_id)
    return json_response(document)
