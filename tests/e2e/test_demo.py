"""`journey demo` is one command: it prints a URL and a key that work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port
from tests.plugins.database import TEST_MASTER_KEY, drop_database


@pytest.fixture
def demo_output(server_url: str, tmp_path: Path) -> Iterator[Path]:
    """`journey demo` running in its own database on the test server; its output."""
    database = f"journey_demo_test_{os.getpid()}"
    output = tmp_path / "demo.out"
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": server_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(tmp_path),
    }
    port = str(free_port())
    command = [sys.executable, "-m", "cli", "demo", "--customers", "200", "--days", "14"]
    command += ["--port", port, "--no-open", "--database", database, "--trickle-seconds", "0.3"]
    with output.open("wb") as sink:
        demo = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield output
    finally:
        demo.terminate()
        demo.wait(timeout=15)
        drop_database(server_url, database)


def printed(output: Path, label: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(rf"^{label}:\s+(\S+)$", output.read_text(), re.MULTILINE)
        if found:
            return found.group(1)
        time.sleep(0.2)
    pytest.fail(f"`journey demo` printed no {label!r}: {output.read_text()[-2000:]}")


def wait_for_health(base: str, output: Path | None = None, timeout: float = 60) -> None:
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


def test_the_demo_serves_generated_history_to_the_key_it_prints(demo_output: Path) -> None:
    page = printed(demo_output, "web pages")
    key = printed(demo_output, "API key \\(all scopes\\)")
    base, customer = re.fullmatch(r"(http://[^/]+)/journey\?customer=(\S+)", page).groups()  # type: ignore[union-attr]
    auth = {"Authorization": f"Bearer {key}"}

    wait_for_health(base, demo_output)
    timeline = httpx.get(f"{base}/v1/customers/{customer}/timeline", headers=auth)
    html = httpx.get(page)

    assert timeline.status_code == 200
    events = timeline.json()["events"]
    assert len({e["recorded_at"] for e in events}) >= 2  # history, then the last hours
    assert len({e.get("channel") for e in events} - {None}) >= 3
    assert html.status_code == 200 and 'id="timeline"' in html.text
    assert httpx.get(f"{base}/v1/audit/customers/{customer}/verify", headers=auth).json()["ok"]


def test_the_demo_keeps_recording_new_touchpoints_for_its_showcase_customer(
    demo_output: Path,
) -> None:
    page = printed(demo_output, "web pages")
    key = printed(demo_output, "API key \\(all scopes\\)")
    base, customer = re.fullmatch(r"(http://[^/]+)/journey\?customer=(\S+)", page).groups()  # type: ignore[union-attr]
    wait_for_health(base, demo_output)

    def recordings() -> int:
        answer = httpx.get(
            f"{base}/v1/customers/{customer}/timeline", headers={"Authorization": f"Bearer {key}"}
        )
        return len({e["recorded_at"] for e in answer.json()["events"]})

    first = recordings()
    deadline = time.monotonic() + 20
    while recordings() <= first + 1 and time.monotonic() < deadline:
        time.sleep(0.5)

    assert recordings() > first + 1  # the as_of slider has steps to move over
