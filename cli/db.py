"""`journey db status|start|stop`: the embedded PostgreSQL, used when
`JOURNEY_DATABASE_URL` is unset. It runs while a `journey` process uses it;
`start` keeps it running until `stop`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from journey.postgres.database import EMBEDDED_DATABASE, describe
from journey.postgres.embedded import embedded_state, start_embedded, stop_embedded
from journey.settings import Settings

db = typer.Typer(help="The embedded PostgreSQL (when JOURNEY_DATABASE_URL is unset).")
console = Console(highlight=False)


@db.command()
def status() -> None:
    """Whether the embedded server runs, where, and which database the commands use."""
    settings = Settings.from_env()
    state = embedded_state(settings.data_dir)
    if settings.database_url:
        console.print(f"commands use JOURNEY_DATABASE_URL: {describe(settings.database_url)}")
    else:
        console.print(f"commands use the embedded server's database {EMBEDDED_DATABASE!r}")
    console.print(f"data folder: {state.pgdata}")
    if state.pid is None:
        console.print("embedded server: not running")
        return
    users = ", ".join(map(str, state.users)) or "none"
    kept = "; kept running by `journey db start`" if state.kept else ""
    console.print(f"embedded server: running, pid {state.pid}{kept}")
    console.print(f"server URL: {state.url}")
    console.print(f"used by journey processes: {users}")


@db.command()
def start() -> None:
    """Start the embedded server and keep it running until `journey db stop`."""
    settings = Settings.from_env()
    start_embedded(settings.data_dir, keep=True)
    console.print(f"embedded server running in {settings.data_dir} (stop: `journey db stop`)")


@db.command()
def stop(
    force: Annotated[bool, typer.Option("--force", help="stop it even while in use")] = False,
) -> None:
    """Stop the embedded server."""
    data_dir = Settings.from_env().data_dir
    users = embedded_state(data_dir).users
    if users and not force:
        console.print(
            f"the embedded server is in use by journey processes {', '.join(map(str, users))}: "
            "stop them first (it then stops by itself), or use --force"
        )
        raise typer.Exit(1)
    stopped = stop_embedded(data_dir)
    console.print("embedded server stopped" if stopped else "embedded server was not running")
