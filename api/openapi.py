"""The OpenAPI document: FastAPI's, with errors as `application/problem+json`,
the security scheme on every route but `/health`, and `EventIn` for the body
of `POST /v1/events`; and Swagger UI at `/docs`, its assets served from the
pinned `swagger-ui-bundle-v2` package (no CDN: the page works offline)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from api.schemas import ProblemOut
from journey.ingest.event_rules import EventIn

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
DOCS = "/docs"
DOCS_ASSETS = "/docs/assets"
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


def install_swagger_ui(app: FastAPI) -> None:
    """`/docs`: FastAPI's Swagger UI page with its script, style and icon from
    `/docs/assets` (create the app with `docs_url=None`)."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get(DOCS, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},
        )


def _definitions(*models: type[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        found.update(schema.pop("$defs", {}))
        found[model.__name__] = schema
    return found
