"""`journey demo` is one command: it prints a URL and a key that work."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import printed, running_demo, wait_for_health


@pytest.fixture
def demo_output(server_url: str, tmp_path: Path) -> Iterator[Path]:
    """`journey demo` running in its own database on the test server, with a fast
    trickle of new touchpoints; its output."""
    options = ("--customers", "200", "--days", "14", "--trickle-seconds", "0.3")
    with running_demo(server_url, tmp_path, *options) as output:
        yield output


def test_the_demo_serves_generated_history_to_the_key_it_prints(demo_output: Path) -> None:
    page = printed(demo_output, "web pages")
    key = printed(demo_output, "API key \\(all scopes\\)")
    base, customer = re.fullmatch(r"(http://[^/]+)/journey\?customer=(\S+)", page).groups()  # type: ignore[union-attr]
    auth = {"Authorization": f"Bearer {key}"}

    wait_for_health(base, demo_output)
    timeline = httpx.get(
        f"{base}/v1/customers/{customer}/timeline", headers=auth, params={"limit": 1000}
    )
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
        """Distinct recording instants over the person's whole timeline: the
        trickle's events sort last, past the first page of a long history."""
        instants: set[str] = set()
        params: dict[str, str | int] = {"limit": 1000}
        while True:
            answer = httpx.get(
                f"{base}/v1/customers/{customer}/timeline",
                headers={"Authorization": f"Bearer {key}"},
                params=params,
            ).json()
            instants |= {e["recorded_at"] for e in answer["events"]}
            if answer["next_cursor"] is None:
                return len(instants)
            params["cursor"] = answer["next_cursor"]

    first = recordings()
    deadline = time.monotonic() + 20
    while recordings() <= first + 1 and time.monotonic() < deadline:
        time.sleep(0.5)

    assert recordings() > first + 1  # the as_of slider has steps to move over
