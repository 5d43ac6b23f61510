"""`journey serve`: the HTTP API (uvicorn) with the projection workers beside it,
in this process, so the command alone is a working system."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from journey.postgres import migrate as migrations
from journey.runtime import Store, database_url, open_store
from journey.settings import Settings
from projections.registry import context_for
from projections.workers import ProjectionWorkers

console = Console(stderr=True)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="HTTP worker processes")] = 1,
    projections: Annotated[bool, typer.Option(help="run the projection workers here")] = True,
    migrate: Annotated[bool, typer.Option(help="bring the schema up to date first")] = True,
) -> None:
    """Run the HTTP API, the web pages and the projection workers."""
    settings = Settings.from_env()
    url = database_url(settings)
    os.environ["JOURNEY_DATABASE_URL"] = url  # the HTTP workers read the same database
    if migrate:
        migrations.upgrade(url)
    with open_store(settings, url) as store:
        workers_running = _projection_workers(store) if projections else None
        try:
            uvicorn.run(
                "api.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                timeout_graceful_shutdown=5,
                access_log=False,
                log_level="info",
            )
        finally:
            if workers_running is not None:
                workers_running.stop()


def _projection_workers(store: Store) -> ProjectionWorkers:
    running = ProjectionWorkers(store, context_for(store))
    running.start()
    return running
