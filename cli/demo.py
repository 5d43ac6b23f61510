"""`journey demo`: a realistic multi-week history, an API key with every
scope, the server with the web pages, and a live trickle of new touchpoints.

The demo runs in the database every other command uses (the embedded
server's `journey` when `JOURNEY_DATABASE_URL` is unset), unless `--database`
names another on the same server. It makes that database afresh, so the
history always ends near now; it refuses one that a running server uses or
that holds events no demo made. The port is taken before anything else."""

from __future__ import annotations

import os
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
import psycopg
import typer
from rich.console import Console

from api.keys import SCOPES, ApiKeys
from cli.context import checked_settings, listen_socket
from cli.serve import run_server
from journey.demo.generator import generate
from journey.demo.showcase import showcase as pick_showcase
from journey.demo.trickle import Trickle
from journey.ingest.importer import ImportSummary, import_lines
from journey.postgres import migrate as migrations
from journey.postgres.database import (
    ConnectionParams,
    describe,
    make_demo_database,
    resolve_database_url,
)
from journey.runtime import Runtime, open_runtime

LATE_HOURS = 6  # events of the last hours are recorded a moment later: something to replay
console = Console(stderr=True, highlight=False, soft_wrap=True)


def demo(
    customers: Annotated[
        int, typer.Option(min=1, max=200_000, help="customers to generate")
    ] = 2000,
    days: Annotated[int, typer.Option(min=1, max=365, help="days of history, ending now")] = 42,
    seed: Annotated[int, typer.Option(help="random seed of the history")] = 7,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    open_browser: Annotated[bool, typer.Option("--open/--no-open", help="open the pages")] = True,
    database: Annotated[
        str | None,
        typer.Option(help="a database of its own on the same server [default: the commands' one]"),
    ] = None,
    trickle: Annotated[
        bool, typer.Option("--trickle/--no-trickle", help="keep appending new touchpoints")
    ] = True,
    trickle_seconds: Annotated[
        float, typer.Option(min=0.1, help="seconds between the trickle's steps")
    ] = 15.0,
) -> None:
    """Run the store with generated data and open the web pages: nothing to set up."""
    settings = checked_settings()
    sock = listen_socket(host, port)
    url = resolve_database_url(settings.database_url, settings.data_dir)
    if database is not None:
        url = ConnectionParams.from_url(url).url(database)
    make_demo_database(url)
    console.print(f"demo database: {describe(url)} (made afresh)")
    migrations.upgrade(url)
    now = datetime.now(UTC)
    events = [
        e
        for e in generate(customers, now - timedelta(days=days), days, seed, business_hours=True)
        if _instant(e) <= now
    ]
    cut = now - timedelta(hours=LATE_HOURS)
    showcase = pick_showcase(events, cut)
    with open_runtime(settings, url) as store:
        for label, part in _in_two_recordings(events, cut):
            summary = import_lines(store.ingestor, (orjson.dumps(e) for e in part))
            _report(label, summary)
        key = ApiKeys(store.datastore.pool).create("demo", SCOPES)
        page = f"http://{_browsable(host)}:{port}/journey?customer={showcase}"
        typer.echo(
            f"\nweb pages:            {page}\nAPI key (all scopes): {key}\n"
            f"sign in at once:      {page}#key={key}\n"
        )
        _say_where(url, shared=database is None, embedded=not settings.database_url)
        if open_browser and _has_display():
            threading.Thread(target=_open_later, args=(f"{page}#key={key}",), daemon=True).start()
        stop = threading.Event()
        feed = Trickle(sorted({e["customer_id"] for e in events}), showcase, f"{now:%H%M%S}")
        trickling = threading.Thread(target=_trickle, args=(store, feed, trickle_seconds, stop))
        if trickle:
            trickling.start()
        try:
            run_server(settings, url, sock)  # what `journey serve` runs
        finally:
            stop.set()
            if trickling.is_alive():
                trickling.join()


def _say_where(url: str, shared: bool, embedded: bool) -> None:
    if shared:
        console.print("the other commands (`./dev journey ...`) use this database too")
    else:
        console.print(f"for the other commands: export JOURNEY_DATABASE_URL='{url}'")
    if embedded:
        console.print("the embedded PostgreSQL stops when the demo does (`journey db status`)")


def _trickle(store: Runtime, feed: Trickle, seconds: float, stop: threading.Event) -> None:
    """Append the trickle's steps through the ingestion path until `stop`."""
    while not stop.wait(seconds):
        try:
            store.ingestor.append(feed.next(datetime.now(UTC) - timedelta(seconds=1)))
        except psycopg.Error as error:
            console.print(f"trickle: {error}", markup=False)


def _instant(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


def _in_two_recordings(
    events: list[dict[str, Any]], cut: datetime
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The history up to `cut`, then (recorded a moment later) the hours since."""
    yield "history", [e for e in events if _instant(e) <= cut]
    time.sleep(1.1)  # a second between the two recordings, for as_of to step over
    yield f"last {LATE_HOURS} hours", [e for e in events if _instant(e) > cut]


def _report(label: str, summary: ImportSummary) -> None:
    console.print(
        f"{label}: created {summary.created}, duplicate {summary.duplicate}, "
        f"rejected {summary.rejected}"
    )
    for number, reason in summary.rejects[:5]:
        console.print(f"  event {number}: {reason}", markup=False, highlight=False)


def _browsable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _open_later(url: str) -> None:
    time.sleep(2.0)
    webbrowser.open(url)
