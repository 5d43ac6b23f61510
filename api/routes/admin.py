"""Auditors and administrators: chain verification, erasure, projection status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from api.deps import Admin, Auditor, ServicesDep
from api.errors import Problem
from api.params import CustomerId
from api.reading import read_model
from api.render import json_response
from api.schemas import ErasureOut, ProjectionsOut, VerifyOut
from journey.integrity.audit import UnknownCustomer

router = APIRouter(tags=["audit and administration"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no events of this customer"}}


def _no_events(customer_id: str) -> Problem:
    return Problem(
        404,
        f"customer {customer_id!r} has no events",
        errors=[{"field": "customer_id", "message": "no events"}],
    )


@router.get(
    "/v1/audit/customers/{customer_id:path}/verify", response_model=VerifyOut, responses=NOT_FOUND
)
def verify(customer_id: CustomerId, services: ServicesDep, key: Auditor) -> Response:
    """Recompute the customer's hash chain; the first position that does not match."""
    report = services.audit.verify_customer(customer_id)
    if report["events"] == 0:
        raise _no_events(customer_id)
    return json_response(report)


@router.delete(
    "/v1/customers/{customer_id:path}/personal-data", response_model=ErasureOut, responses=NOT_FOUND
)
def erase(customer_id: CustomerId, services: ServicesDep, key: Admin) -> Response:
    """Crypto-shred the customer's pii: it reads as `[erased]` from now on; figures
    stay, and its identities are found nowhere. Only this stream is erased (a
    wrong merge must never widen an erasure): `merged_ids` names the person's
    other streams, for the caller to erase too."""
    try:
        erasure = services.audit.erase(
            customer_id, by=f"api key {key.name} ({key.key_id})", reason="DELETE personal-data"
        )
    except UnknownCustomer:
        raise _no_events(customer_id) from None
    others = [c for c in services.read_model.person(customer_id).merged_ids if c != customer_id]
    return json_response(
        {
            "customer_id": customer_id,
            "erased": erasure.erased_now,
            "position": erasure.position,
            "merged_ids": others,
        }
    )


@router.get("/v1/projections", response_model=ProjectionsOut)
async def projections(services: ServicesDep, key: Admin) -> Response:
    """Each projection's name, position, lag in events and state."""
    model = await read_model(services, None)
    return json_response({"projections": model.projections()})
