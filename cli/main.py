"""`journey`: run, load and inspect the customer-journey store (SPEC 9)."""

from __future__ import annotations

import atexit
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from cli import audit, db, demo, keys, serve
from cli.context import PortBusy, migrated_store
from cli.customers import customers
from cli.identities import identities
from cli.projections import projections
from cli.worker import worker
from journey.ingest.importer import BATCH_LINES, PREPARER_NICENESS, import_lines
from journey.postgres import migrate as migrations
from journey.postgres.database import DatabaseRefused, SchemaMissing, describe
from journey.rules.sla_config import SlaConfigError
from journey.runtime import database_url
from journey.settings import Settings, SettingsError

app = typer.Typer(help="The customer-journey store.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest revision (alembic)."""
    url = database_url(Settings.from_env())
    migrations.upgrade(url)
    console.print(f"[green]schema is at the newest revision[/] in {describe(url)}", highlight=False)


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines, one event per line")
    ],
    batch: Annotated[
        int, typer.Option(min=1, max=20_000, help="lines per atomic batch")
    ] = BATCH_LINES,
    processes: Annotated[
        int | None,
        typer.Option(min=0, help="preparer processes [default: one per core; 0: none]"),
    ] = None,
) -> None:
    """Bulk-load events from JSON Lines with the API's validation and idempotency."""
    settings = Settings.from_env()
    with (
        migrated_store(settings) as store,
        file.open("rb") as lines,
        Progress(
            *Progress.get_default_columns()[:-1],
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as progress,
    ):
        task = progress.add_task(f"importing {file.name}", total=file.stat().st_size)
        summary = import_lines(
            store.ingestor,
            lines,
            lambda done: progress.advance(task, done),
            batch_lines=batch,
            preparers=store.preparers(processes, niceness=PREPARER_NICENESS),
        )
    console.print(
        f"created {summary.created}, duplicate {summary.duplicate}, rejected {summary.rejected}"
    )
    for number, reason in summary.rejects:
        console.print(f"  line {number}: {reason}", markup=False, highlight=False)
    if summary.rejected > len(summary.rejects):
        console.print(f"  ... and {summary.rejected - len(summary.rejects)} more")
    raise typer.Exit(1 if summary.rejected else 0)


app.command()(serve.serve)
app.command()(demo.demo)
app.add_typer(keys.keys, name="keys")
app.add_typer(projections, name="projections")
app.add_typer(db.db, name="db")
app.add_typer(customers, name="customers")
app.add_typer(identities, name="identities")
app.command()(worker)


app.command()(audit.verify)
app.command()(audit.erase)
app.command()(audit.export)


# Errors of configuration and environment: their message alone says what to do.
STATED_ERRORS = (SettingsError, SlaConfigError, SchemaMissing, DatabaseRefused, PortBusy)


class _Terminated(SystemExit):
    """SIGTERM came: unwind, so that `finally` blocks and exit handlers run."""


def main() -> None:
    """The console script: SIGTERM ends a command as Ctrl-C does (cleanups
    run, then it dies by the signal); a configuration error is printed alone,
    with exit status 2."""
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except _Terminated:
        _die_by(signal.SIGTERM)
    except STATED_ERRORS as error:
        print(f"journey: {error}", file=sys.stderr)
        sys.exit(2)
    except psycopg.OperationalError as error:
        print(f"journey: cannot use the database: {error}", file=sys.stderr)
        sys.exit(2)


def _terminated(signum: int, frame: FrameType | None) -> None:
    raise _Terminated(128 + signum)


def _die_by(signum: int) -> None:
    """Run the exit handlers (the embedded server's stop), then end by the
    signal, so that the parent sees how the process ended."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
