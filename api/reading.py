"""How a read route reads: "now" from the projection tables, with `as_of`/`at`
by replaying the stored events (SPEC 6), one choice made here for every route.
`after` makes a read of the projections wait until they have applied a write's
position (read-your-writes), for a bounded time. Stored rows become event
documents here too, pii opened only for a key allowed to read it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from api.errors import Problem, field_problem
from api.params import WAIT_SECONDS, Moment
from api.render import event_document, key_lookup
from api.services import Services
from journey.postgres.reads import StoredRow
from journey.reading.bounds import Bounds
from journey.reading.persons import Person
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


async def now_or_replayed(
    services: Services,
    moment: Moment,
    *,
    projected: Callable[[ReadModel, datetime], T | None],
    replayed: Callable[[], T | None],
    missing: Problem,
) -> T:
    """The projected answer judged now, or with `as_of`/`at` the replayed one;
    `missing` raised when the answer is None (nothing under those bounds).
    Either waits for `after` first: a replay finds its persons' streams in the
    projections too."""
    model = await read_model(services, moment.after)
    if moment.now:
        found = await run_in_threadpool(projected, model, datetime.now(UTC))
    else:
        found = await run_in_threadpool(replayed)
    if found is None:
        raise missing
    return found


def of_known_customer(services: Services, person: Person, found: T, empty: bool) -> T | None:
    """A projected answer about a customer's person, None (as a replay answers)
    when it is empty and no stream of the person has events at all."""
    if empty and not services.reads.has_events(list(person.merged_ids), Bounds()):
        return None
    return found


def event_documents(services: Services, rows: list[StoredRow], pii: bool) -> list[dict[str, Any]]:
    """Stored rows as the timeline and the feed show them; pii opened when `pii`."""
    keys = key_lookup(services.store.keys.current_keys, rows) if pii else None
    return [event_document(row, keys) for row in rows]
