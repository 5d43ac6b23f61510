"""Liveness and database reachability (no key), and Prometheus metrics."""

from __future__ import annotations

import psycopg
from fastapi import APIRouter
from psycopg_pool import PoolTimeout
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import AnyKey, ServicesDep
from api.render import json_response
from api.schemas import HealthOut

router = APIRouter(tags=["operations"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": "the database is unreachable"}},
)
def health(services: ServicesDep) -> Response:
    """200 while the process runs and the database answers; 503 otherwise."""
    try:
        last = services.reads.last_position()
    except (psycopg.Error, PoolTimeout):
        return json_response(
            {"status": "unavailable", "database": False, "last_position": None}, 503
        )
    return json_response({"status": "ok", "database": True, "last_position": last})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text format",
        }
    },
)
async def metrics(services: ServicesDep, key: AnyKey) -> Response:
    """Requests, latencies, ingest counts, newest position and projection lag (any valid key)."""
    body = await run_in_threadpool(services.metrics.render)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
