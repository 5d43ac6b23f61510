"""A real `journey serve` process over a database holding the scenario, and
Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.keys import ApiKeys
from journey.runtime import open_runtime
from journey.settings import Settings
from tests.e2e import persons, scenario
from tests.plugins.database import TEST_MASTER_KEY, drop_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# The docs' screenshots are refreshed on request (JOURNEY_SCREENSHOTS=docs); other
# runs still take every screenshot (the step must work) but keep them out of the tree.
SCREENSHOTS = (
    Path(__file__).parents[2] / "docs" / "screenshots"
    if os.environ.get("JOURNEY_SCREENSHOTS") == "docs"
    else Path(tempfile.gettempdir()) / "journey-e2e-screenshots"
)
WIDE = {"width": 1280, "height": 900}
LAPTOP = {"width": 1366, "height": 768}
NARROW = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Journey:
    """The running server, its keys and when each recording of Alice's was made."""

    url: str
    full_key: str
    read_key: str
    recorded: list[str]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _empty_tables(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            ).fetchall()
        ]
        conn.execute("SET session_replication_role = replica")  # past the append-only trigger
        for table in tables:
            conn.execute(
                psycopg.sql.SQL("TRUNCATE {} CASCADE").format(psycopg.sql.Identifier(table))
            )


def _load(settings: Settings, database_url: str) -> tuple[str, str, list[str]]:
    """The scenario in the store (Alice in three recordings); two API keys."""
    now = datetime.now(UTC)
    with open_runtime(settings, database_url) as store:
        history = scenario.background(now)
        for start in range(0, len(history), 1000):
            store.ingestor.append(history[start : start + 1000])
        store.ingestor.append(persons.persons(now))
        recorded = []
        for number, recording in enumerate(scenario.alice_recordings(now)):
            if number > 0:
                time.sleep(1.1)  # recordings a second apart: as_of can tell them apart
            if number == 2:
                recording = recording + scenario.due_soon(now)
            store.ingestor.append(recording)
            recorded.append(_last_recorded(store.datastore.pool))
        keys = ApiKeys(store.datastore.pool)
        full = keys.create("e2e-full", ["events:write", "read", "pii", "audit", "admin"])
        read = keys.create("e2e-read", ["read"])
    return full, read, recorded


def _last_recorded(pool: object) -> str:
    with pool.connection() as conn:  # type: ignore[attr-defined]
        row = conn.execute("SELECT max(recorded_at) AS at FROM journey_events").fetchone()
    return str(row["at"].astimezone(UTC).isoformat())


def _wait_until_ready(url: str, key: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Healthy, and every projection caught up with the log."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"journey serve exited: {log.read_text()[-3000:]}")
        try:
            answer = httpx.get(f"{url}/v1/projections", headers={"Authorization": f"Bearer {key}"})
            if answer.status_code == 200 and all(
                p["lag"] == 0 for p in answer.json()["projections"]
            ):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"journey serve not ready in 60 s: {log.read_text()[-3000:]}")


@pytest.fixture(scope="package")
def journey_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Journey]:
    folder = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(folder),
    }
    _empty_tables(database_url)
    full, read, recorded = _load(Settings.from_env(env), database_url)
    port = free_port()
    log = folder / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, full, server, log)
        yield Journey(url, full, read, recorded)
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: ./dev installs Debian's chromium"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)  # assertions wait as long as actions: CI machines are shared
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert errors == [], f"the page's scripts failed: {errors}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A wide (1280 px) window; a script error fails the test."""
    yield from _page(browser, WIDE)


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, NARROW)


@pytest.fixture(params=[LAPTOP, NARROW], ids=["1366px", "390px"])
def sized_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A laptop's window, then a phone's."""
    yield from _page(browser, request.param)


def sign_in(page: Page, key: str) -> None:
    page.fill("#api-key", key)
    page.click("#signin button[type=submit]")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / name, full_page=True)


@contextmanager
def running_demo(server_url: str, folder: Path, *options: str) -> Iterator[Path]:
    """`journey demo OPTIONS` running in its own database on the test server, on a
    free port; its output (read it with `printed`)."""
    database = f"journey_demo_test_{os.getpid()}"
    output = folder / "demo.out"
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": server_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(folder),
    }
    command = [sys.executable, "-m", "cli", "demo", *options]
    command += ["--port", str(free_port()), "--no-open", "--database", database]
    with output.open("wb") as sink:
        demo = subprocess.Popen(command, env=env, cwd=folder, stdout=sink, stderr=subprocess.STDOUT)
    try:
        yield output
    finally:
        demo.terminate()
        demo.wait(timeout=15)
        drop_database(server_url, database)


def printed(output: Path, label: str, timeout: float = 60) -> str:
    """What the demo printed after `label:` (waiting for it to be printed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(rf"^{label}:\s+(\S+)$", output.read_text(), re.MULTILINE)
        if found:
            return found.group(1)
        time.sleep(0.2)
    pytest.fail(f"`journey demo` printed no {label!r}: {output.read_text()[-2000:]}")


def wait_for_health(base: str, output: Path | None = None, timeout: float = 60) -> None:
    """Wait until the server answers; on failure show what the demo printed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    said = output.read_text()[-2000:] if output is not None else ""
    pytest.fail(f"{base}/health never answered 200: {said}")
