"""The agent's brief (SPEC 11): `GET /v1/customers/{customer_id}/context`.

Registered before the bare `/v1/customers/{customer_id:path}` route, whose path
converter would otherwise take `.../context` for a customer id. "Now" reads the
projection tables and the log's timeline index, with `as_of`/`at` the person's
facts are replayed (`projections.brief_reads`); `journey.brief` defines every
field for both.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.params import CustomerId, Moment, MomentQuery
from api.reading import event_documents, now_or_replayed
from api.render import json_response
from api.routes.customers import NOT_FOUND, _not_found
from api.schemas import BRIEF_EXAMPLE, BriefOut
from api.services import Services
from journey.brief.document import brief_document
from journey.reading.persons import Person
from projections.brief_reads import Briefs, Found

router = APIRouter(tags=["customers"])


def customer_document(
    services: Services, person: Person, moment: Moment, pii: bool
) -> dict[str, Any]:
    """The brief's `customer_id`, `resolved_id`, `merged_ids` and `identities`, as
    `GET /v1/customers/{customer_id}` answers them (the same reading)."""
    known = person if moment.now else None  # the brief found it now, with events
    found = services.identities.customer(person.customer_id, moment, pii, known)
    return {**person.document(), "identities": []} if found is None else found


def briefs(services: Services) -> Briefs:
    store = services.store
    return Briefs(
        services.reads,
        services.read_model,
        services.replays,
        store.datastore,
        store.sla_config.policy_for,
        store.settings.repeat_window,
    )


@router.get(
    "/v1/customers/{customer_id:path}/context",
    response_model=BriefOut,
    responses={**NOT_FOUND, 200: {"content": {"application/json": {"example": BRIEF_EXAMPLE}}}},
)
async def context(
    customer_id: CustomerId,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
) -> Response:
    """What an agent needs when the person reaches out again, over every stream
    of the person: its open and recently resolved cases, its latest contact and
    those of the last 7 days, the agents already involved, the articles it
    tried, its last survey and what it last told us."""
    reading = briefs(services)
    pii = "pii" in key.scopes

    def document(found: Found | None) -> dict[str, Any] | None:
        """The whole answer, in the same worker thread as the reading."""
        if found is None:
            return None
        messages = event_documents(services, reading.messages(found), pii)
        customer = customer_document(services, found.person, moment, pii)
        return brief_document(customer, found.fields, messages)

    answer: dict[str, Any] = await now_or_replayed(
        services,
        moment,
        projected=lambda _, now: document(reading.now(customer_id, now)),
        replayed=lambda: document(reading.replayed(customer_id, moment.as_of, moment.at)),
        missing=_not_found(customer_id),
    )
    return json_response(answer)
