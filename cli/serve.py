"""`journey serve`: the HTTP API (uvicorn) with the projection workers beside it,
in this process, so the command alone is a working system."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from uvicorn.supervisors import Multiprocess

from cli.context import checked_settings, listen_socket, newest_revision
from journey.postgres import migrate as migrations
from journey.postgres.database import require_schema
from journey.runtime import Runtime, database_url, open_runtime
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
    settings = checked_settings()
    sock = listen_socket(host, port)
    url = database_url(settings)
    if migrate:
        migrations.upgrade(url)
    else:
        require_schema(url, newest_revision())
    console.print(f"listening on http://{host}:{port}", highlight=False)
    run_server(settings, url, sock, workers, projections)


def run_server(
    settings: Settings, url: str, sock: socket.socket, workers: int = 1, projections: bool = True
) -> None:
    """Serve the API on the listening socket until SIGTERM or Ctrl-C."""
    os.environ["JOURNEY_DATABASE_URL"] = url  # the HTTP workers read the same database
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        "api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=5,
        access_log=False,
        log_level="info",
    )
    with open_runtime(settings, url) as store:
        workers_running = _projection_workers(store) if projections else None
        try:
            if workers > 1:
                Multiprocess(config, sockets=[sock]).run()
            else:
                uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
            if workers_running is not None:
                workers_running.stop()


def _projection_workers(store: Runtime) -> ProjectionWorkers:
    running = ProjectionWorkers(store, context_for(store))
    running.start()
    return running
