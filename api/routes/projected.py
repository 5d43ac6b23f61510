"""Reads for "now" come from the projection tables; reads with `as_of`/`at` replay
the stored events (SPEC 6). `after` makes a read wait until the projections
have applied a write's position (read-your-writes), for a bounded time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from api.errors import Problem, field_problem
from api.params import WAIT_SECONDS
from api.services import Services
from projections.queries import ReadModel

T = TypeVar("T")


async def read_model(services: Services, after: int | None) -> ReadModel:
    """The projections' read model, caught up to `after` (bounded wait)."""
    model = services.read_model
    if after is not None and after > await run_in_threadpool(services.reads.last_position):
        raise field_problem("after", "beyond the newest stored position")
    if after is not None and not await run_in_threadpool(model.wait_until, after, WAIT_SECONDS):
        raise Problem(
            503,
            f"the projections have not reached position {after} within {WAIT_SECONDS:g} s",
            headers={"Retry-After": "1"},
            errors=[{"field": "after", "message": "not reached yet; retry"}],
        )
    return model


async def now_reading(
    services: Services,
    as_of: datetime | None,
    at: datetime | None,
    after: int | None,
    *,
    projected: Callable[[Any, datetime], T],
    replayed: Callable[[], T],
) -> T:
    if as_of is not None or at is not None:
        return await run_in_threadpool(replayed)
    model = await read_model(services, after)
    return await run_in_threadpool(projected, model, datetime.now(UTC))
