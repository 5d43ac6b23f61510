"""`journey demo`: a realistic multi-week history in a database of its own,
an API key with every scope, and the server with the web pages.

The demo database (`journey_demo` unless `--database` names another) lives on
the configured server, or on the embedded PostgreSQL when
`JOURNEY_DATABASE_URL` is unset, and is made afresh on every run, so the
history always ends near now and no other data is touched."""

from __future__ import annotations

import os
import sys
import threading
import time
import webbrowser
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
import psycopg
import typer
from rich.console import Console

from api.keys import SCOPES, ApiKeys
from cli.serve import serve
from journey.demo.generator import generate
from journey.ingest.importer import ImportSummary, import_lines
from journey.postgres import migrate as migrations
from journey.postgres.database import ConnectionParams, resolve_database_url
from journey.runtime import open_store
from journey.settings import Settings

DEMO_DATABASE = "journey_demo"
LATE_HOURS = 6  # events of the last hours are recorded a moment later: something to replay
console = Console(stderr=True)


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
        str, typer.Option(help="database made afresh for the demo")
    ] = DEMO_DATABASE,
) -> None:
    """Run the store with generated data and open the web pages: nothing to set up."""
    settings = Settings.from_env()
    server = resolve_database_url(settings.database_url, settings.data_dir)
    url = recreate_database(server, database)
    console.print(f"demo database: {ConnectionParams.from_url(url).dbname} (made afresh)")
    migrations.upgrade(url)
    now = datetime.now(UTC)
    events = [
        e
        for e in generate(customers, now - timedelta(days=days), days, seed, business_hours=True)
        if _instant(e) <= now
    ]
    cut = now - timedelta(hours=LATE_HOURS)
    with open_store(settings, url) as store:
        for label, part in _in_two_recordings(events, cut):
            summary = import_lines(store.ingestor, (orjson.dumps(e) for e in part))
            _report(label, summary)
        key = ApiKeys(store.datastore.pool).create("demo", SCOPES)
    page = f"http://{_browsable(host)}:{port}/journey?customer={_showcase(events, cut)}"
    typer.echo(
        f"\nweb pages:            {page}\nAPI key (all scopes): {key}\n"
        f"sign in at once:      {page}#key={key}\n"
    )
    if open_browser and _has_display():
        threading.Thread(target=_open_later, args=(f"{page}#key={key}",), daemon=True).start()
    os.environ["JOURNEY_DATABASE_URL"] = url
    serve(host=host, port=port)  # the very function `journey serve` runs


def recreate_database(server_url: str, database: str = DEMO_DATABASE) -> str:
    """Drop and create the demo database on the server; its URL."""
    params = ConnectionParams.from_url(server_url)
    name = psycopg.sql.Identifier(database)
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(name))
    return params.url(database)


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


def _showcase(events: Iterable[dict[str, Any]], cut: datetime) -> str:
    """A customer worth a first look: with events after `cut` (so as_of shows a
    difference), over three channels or more, with a history of readable length."""
    channels: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    late: set[str] = set()
    for event in events:
        customer = event["customer_id"]
        channels.setdefault(customer, set()).add(event.get("channel", ""))
        counts[customer] += 1
        if _instant(event) > cut:
            late.add(customer)
    return max(counts, key=lambda c: (c in late, min(len(channels[c]), 4), -abs(counts[c] - 30), c))


def _browsable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def _open_later(url: str) -> None:
    time.sleep(2.0)
    webbrowser.open(url)
