"""`journey projections status|rebuild`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.context import migrated_store
from projections.registry import (
    PROJECTIONS,
    RebuildRunning,
    by_name,
    context_for,
    rebuild,
    status,
)

projections = typer.Typer(help="Projection positions, lag and rebuilds.", no_args_is_help=True)
console = Console()


@projections.command("status")
def show_status() -> None:
    """Each projection's position and lag behind the log."""
    with migrated_store() as store:
        table = Table("projection", "position", "lag (events)", "state")
        for row in status(store):
            table.add_row(row.name, str(row.position), str(row.lag), row.state)
        console.print(table)


@projections.command("rebuild")
def rebuild_some(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="e.g. cases_v1 (see `journey projections status`)", show_default=False),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="rebuild every projection")] = False,
) -> None:
    """Rebuild projections from the first event beside the live copies (one pass
    over the log for all of them), then swap each in."""
    names = [p.name for p in PROJECTIONS] if every else (names or [])
    if not names:
        raise typer.BadParameter("name at least one projection, or use --all", param_hint="NAMES")
    for name in names:
        try:
            by_name(name)
        except KeyError as error:
            raise typer.BadParameter(str(error.args[0]), param_hint="NAMES") from None
    with (
        migrated_store() as store,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>10} events/s"),
            TimeRemainingColumn(),
            console=console,
        ) as progress,
    ):
        head = store.recorder.max_notification_id() or 0
        task = progress.add_task(f"rebuilding {', '.join(names)}", total=head, rate="-")

        def advance(advanced: int, current_head: int) -> None:
            progress.update(task, advance=advanced, total=current_head)
            speed = progress.tasks[task].speed
            progress.update(task, rate=f"{speed:,.0f}" if speed else "-")

        try:
            rebuild(store, context_for(store), names, advance)
        except RebuildRunning as error:
            progress.stop()
            console.print(f"[red]{error}; nothing was changed")
            raise typer.Exit(1) from None
    console.print(f"[green]rebuilt and swapped in: {', '.join(names)}")
