"""The OpenAPI document: FastAPI's, with errors as `application/problem+json`,
the security scheme on every route but `/health`, and `EventIn` for the body
of `POST /v1/events`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.schemas import ProblemOut
from journey.ingest.validation import EventIn

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
AUTH_ERRORS = {"401": "missing, unknown or revoked API key", "403": "the key lacks the scope"}


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _definitions(EventIn, ProblemOut).items():
        schemas.setdefault(name, schema)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if path != "/health":
                for status, text in AUTH_ERRORS.items():
                    responses.setdefault(status, {"description": text})
                if operation.get("parameters") or "requestBody" in operation:
                    responses.setdefault(
                        "422", {"description": "a parameter or the body is invalid"}
                    )
                if (
                    any(p["name"] == "after" for p in operation.get("parameters", []))
                    and path != "/v1/events"
                ):
                    responses.setdefault(
                        "503", {"description": "projections not caught up in time"}
                    )
            for status, response in responses.items():
                if int(status) >= 400 and path != "/health":
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
    return document


def _definitions(*models: type[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found
