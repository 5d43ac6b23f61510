"""The agent's brief (SPEC 11): `GET /v1/customers/{customer_id}/context`.

Registered before the bare `/v1/customers/{customer_id:path}` route, whose path
converter would otherwise take `.../context` for a customer id. "Now" reads the
projection tables and the log's timeline index (`projections.brief`); with
`as_of`/`at` the person's facts are replayed. Both hand their inputs to
`journey.brief`, which defines every field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.params import After, AsOf, At, CustomerId
from api.reading import event_documents, now_or_replayed, of_known_customer
from api.render import json_response
from api.routes.customers import NOT_FOUND, _not_found
from api.schemas import BRIEF_EXAMPLE, BriefOut
from api.services import Services
from journey.brief import fields
from journey.brief.document import brief_document, brief_fields, inputs_from_facts
from journey.postgres.reads import Bounds
from journey.reading.persons import Person
from journey.reading.replay import judged_at
from journey.rules.facts import fact_from_stored
from projections.brief import BriefReads
from projections.queries import ReadModel

router = APIRouter(tags=["customers"])

Found = tuple[Person, dict[str, Any], Bounds]


def customer_document(
    services: Services, person: Person, as_of: datetime | None, at: datetime | None, pii: bool
) -> dict[str, Any]:
    """INTEGRATION POINT: the brief's `customer_id`, `resolved_id`, `merged_ids` and
    `identities`, as `GET /v1/customers/{customer_id}` answers them. Until that
    route's customer document is wired here, `identities` is empty."""
    return {**person.document(), "identities": []}


def _now(services: Services, model: ReadModel, customer_id: str, now: datetime) -> Found | None:
    person = model.person(customer_id)
    streams = list(person.merged_ids)
    contacts = services.reads.latest(streams, Bounds(at=now), (fields.CONTACT,), 1)
    inputs = BriefReads(services.store.datastore).inputs(
        person, now, model.customer_cases(person, now), [fact_from_stored(*r[:4]) for r in contacts]
    )
    found = (person, brief_fields(inputs, now), Bounds(at=now))
    return of_known_customer(services, person, found, empty=inputs.empty)


def _replayed(
    services: Services, customer_id: str, as_of: datetime | None, at: datetime | None
) -> Found | None:
    when = judged_at(as_of, at, datetime.now(UTC))
    found = services.replays.person(customer_id, as_of, when)
    if found is None:
        return None
    person, facts = found
    policy_for = services.store.sla_config.policy_for
    inputs = inputs_from_facts(facts, policy_for, services.store.settings.repeat_window, when)
    return person, brief_fields(inputs, when), Bounds(as_of=as_of, at=when)


@router.get(
    "/v1/customers/{customer_id:path}/context",
    response_model=BriefOut,
    responses={**NOT_FOUND, 200: {"content": {"application/json": {"example": BRIEF_EXAMPLE}}}},
)
async def context(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    as_of: AsOf = None,
    at: At = None,
    after: After = None,
) -> Response:
    """What an agent needs when the person reaches out again, over every stream
    of the person: its open and recently resolved cases, its latest contact and
    those of the last 7 days, the agents already involved, the articles it
    tried, its last survey and what it last told us."""
    person, found, bounds = await now_or_replayed(
        services,
        as_of,
        at,
        after,
        projected=lambda model, now: _now(services, model, customer_id, now),
        replayed=lambda: _replayed(services, customer_id, as_of, at),
        missing=_not_found(customer_id),
    )
    pii = "pii" in key.scopes

    def finish() -> dict[str, Any]:
        rows = services.reads.latest(
            list(person.merged_ids), bounds, fields.MESSAGE_TYPES, fields.MESSAGES
        )
        customer = customer_document(services, person, as_of, at, pii)
        return brief_document(customer, found, event_documents(services, rows, pii))

    return json_response(await run_in_threadpool(finish))
