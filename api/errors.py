"""Every failure as RFC 9457 `application/problem+json`, mapped in one place.

A problem names what is wrong: `errors` lists each offending field (and, for
events, the event's index and id), so a client can point at its own input.
"""

from __future__ import annotations

from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from journey.ingest.ingestor import BatchRejected
from journey.ingest.ports import EventConflict

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Content too large",
    408: "Request timeout",
    415: "Unsupported media type",
    422: "Unprocessable content",
    503: "Service unavailable",
}
# The database is down, restarting or out of connections: worth a retry (the
# pool's PoolTimeout is a psycopg.OperationalError; the library wraps its own).
UNAVAILABLE = (psycopg.OperationalError, psycopg.InterfaceError, OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 1


class Problem(Exception):
    """An answer other than success; raised by routes and dependencies."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers


def field_problem(field: str, message: str, status: int = 422) -> Problem:
    return Problem(status, f"{field}: {message}", errors=[{"field": field, "message": message}])


def problem_response(request: Request, problem: Problem) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return Response(orjson.dumps(body), problem.status, problem.headers, PROBLEM_JSON)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return problem_response(request, exc)

    @app.exception_handler(BatchRejected)
    async def _rejected(request: Request, exc: BatchRejected) -> Response:
        errors = [
            {"index": v.index, "event_id": v.event_id, "field": v.field, "message": v.message}
            for v in exc.violations
        ]
        return problem_response(request, Problem(422, str(exc), errors=errors))

    @app.exception_handler(EventConflict)
    async def _conflict(request: Request, exc: EventConflict) -> Response:
        errors = [
            {
                "index": index,
                "event_id": event_id,
                "field": "id",
                "position": position or None,
                "message": "already stored with different content",
            }
            for index, event_id, position in exc.conflicts
        ]
        return problem_response(request, Problem(409, str(exc), errors=errors))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "in": str(e["loc"][0]),
                "message": e["msg"],
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, Problem(422, detail, errors=errors))

    async def _unavailable(request: Request, exc: Exception) -> Response:
        return problem_response(
            request,
            Problem(
                503,
                "the database is unavailable; retry later (resending the same events is safe)",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            ),
        )

    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers) if exc.headers else None
        return problem_response(request, Problem(exc.status_code, str(exc.detail), headers=headers))
