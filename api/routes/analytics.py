"""Figures over all customers, from the projection tables (SPEC 8): SLA breaches,
first-contact resolution, repeat contacts by day, satisfaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.errors import field_problem
from api.params import After, At, From, PagingQuery, To, Window, window_or
from api.reading import read_model
from api.render import json_response
from api.schemas import BreachesOut, Channel, FcrOut, RepeatContactsOut, SatisfactionOut

router = APIRouter(tags=["analytics"])
Metric = Literal["first_response", "next_response", "resolution"]


def _span(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and end < start:
        raise field_problem("to", "must not be before `from`")


@router.get("/v1/sla/breaches", response_model=BreachesOut)
async def breaches(
    services: ServicesDep,
    key: Reader,
    paging: PagingQuery,
    at: At = None,
    start: From = None,
    end: To = None,
    channel: Channel | None = None,
    metric: Metric | None = None,
    after: After = None,
) -> Response:
    """SLA instances breached at `at` (default now), `from`/`to` on `breached_at`."""
    _span(start, end)
    model = await read_model(services, after)
    when = at or datetime.now(UTC)
    try:
        found, next_cursor = await run_in_threadpool(
            model.breaches, when, start, end, channel, metric, paging.limit, paging.cursor
        )
    except ValueError as error:
        raise field_problem("cursor", str(error)) from None
    return json_response({"breaches": found, "next_cursor": next_cursor})


@router.get("/v1/metrics/first-contact-resolution", response_model=FcrOut)
async def first_contact_resolution(
    services: ServicesDep, key: Reader, start: From = None, end: To = None, after: After = None
) -> Response:
    """Per channel of the case: resolved cases, those resolved on first contact, the rate."""
    _span(start, end)
    model = await read_model(services, after)
    channels = await run_in_threadpool(model.first_contact_resolution, start, end)
    return json_response({"channels": channels})


@router.get("/v1/metrics/repeat-contacts", response_model=RepeatContactsOut)
async def repeat_contacts(
    services: ServicesDep,
    key: Reader,
    start: From = None,
    end: To = None,
    window: Window = None,
    after: After = None,
) -> Response:
    """SPEC 4 counts per UTC day and channel."""
    _span(start, end)
    span = window_or(window, services.store.settings.repeat_window)
    model = await read_model(services, after)
    days = await run_in_threadpool(model.repeat_contacts_by_day, start, end, span)
    return json_response({"days": days})


@router.get("/v1/metrics/satisfaction", response_model=SatisfactionOut)
async def satisfaction(
    services: ServicesDep, key: Reader, start: From = None, end: To = None, after: After = None
) -> Response:
    """CSAT, NPS and CES per channel of the survey."""
    _span(start, end)
    model = await read_model(services, after)
    channels = await run_in_threadpool(model.satisfaction, start, end)
    return json_response({"channels": channels})
