"""One case's state and SLA instances (SPEC 3, 5, 8), now or at any past instant."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import Reader, ServicesDep
from api.errors import Problem
from api.params import CaseId, MomentQuery
from api.reading import now_or_replayed
from api.render import json_response
from api.schemas import CaseOut

router = APIRouter(tags=["cases"])


@router.get(
    "/v1/cases/{case_id:path}",
    response_model=CaseOut,
    responses={404: {"description": "no events of this case under `as_of`/`at`"}},
)
async def case(
    case_id: CaseId,
    services: ServicesDep,
    key: Reader,
    moment: MomentQuery,
) -> Response:
    """The case's SPEC 3 fields and its SLA instances, breaches judged at `at` (default now)."""
    document: dict[str, Any] = await now_or_replayed(
        services,
        moment,
        projected=lambda model, now: model.case(case_id, now),
        replayed=lambda: services.replays.case(case_id, moment.as_of, moment.at),
        missing=Problem(
            404,
            f"case {case_id!r} has no events under the requested as_of/at",
            errors=[{"field": "case_id", "message": "no events"}],
        ),
    )
    return json_response(document)
