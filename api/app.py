"""`create_app(settings)`: the HTTP API's composition root (SPEC 8).

Nothing is opened at import: the lifespan connects to the database, loads the
SLA configuration and starts the live-feed listener.
"""

from __future__ import annotations

import gc
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.errors import install_error_handlers
from api.metrics import Metrics, MetricsMiddleware
from api.openapi import install_swagger_ui, problem_openapi
from api.routes import admin, analytics, brief, cases, customers, events, health, identities
from api.services import Services
from journey.settings import Settings

DESCRIPTION = """\
The customer-journey store over HTTP (SPEC 8). Every route but `/health` needs
`Authorization: Bearer <api key>` with the scope the route names; errors are
RFC 9457 `application/problem+json` naming the field (and event) at fault.
Timestamps are RFC 3339 in UTC. See docs/api.md for a guide with examples.
"""


def create_app(settings: Settings, database_url: str | None = None) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await run_in_threadpool(Services.open, settings, database_url, metrics)
        app.state.services = services
        # What start-up made (modules, the app, pools) lives as long as the process:
        # frozen, the collector's full passes no longer walk it. Unfrozen, each full
        # pass under load took 60-70 ms, every request waiting meanwhile (the p99).
        gc.collect()
        gc.freeze()
        await services.notifications.start()
        try:
            yield
        finally:
            await services.notifications.stop()
            await run_in_threadpool(services.close)

    app = FastAPI(
        title="Customer-journey store",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package's assets: `install_swagger_ui`
        redoc_url=None,  # ReDoc comes only from a CDN
    )
    install_swagger_ui(app)
    install_error_handlers(app)
    # brief before customers: `{customer_id:path}` would take `.../context` for an id
    for module in (events, brief, customers, identities, cases, analytics, admin, health):
        app.include_router(module.router)
    if importlib.util.find_spec("api.pages.routes") is not None:
        from api.pages.routes import router as pages

        app.include_router(pages)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory api.app:app_from_env` (what `journey serve` runs)."""
    return create_app(Settings.from_env())
