"""`journey demo` is one command: it prints a URL and a key that work."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


def whole_timeline(base: str, customer: str, key: str) -> list[dict[str, Any]]:
    """Every event of the customer's person, page by page: on some clocks the
    generated history is longer than a page, and the trickle's events sort last."""
    events: list[dict[str, Any]] = []
    params: dict[str, str | int] = {"limit": 1000}
    while True:
        answer = httpx.get(
            f"{base}/v1/customers/{customer}/timeline",
            headers={"Authorization": f"Bearer {key}"},
            params=params,
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        events += page["events"]
        if page["next_cursor"] is None:
            return events
        params["cursor"] = page["next_cursor"]


def eventually(check: Callable[[], bool], seconds: float = 20) -> bool:
    """Whether `check` holds within `seconds` (the trickle adds a step every 0.3 s)."""
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.5)
    return check()


def test_the_demo_serves_generated_history_to_the_key_it_prints(demo_output: Path) -> None:
    page = printed(demo_output, "web pages")
    key = printed(demo_output, "API key \\(all scopes\\)")
    base, customer = re.fullmatch(r"(http://[^/]+)/journey\?customer=(\S+)", page).groups()  # type: ignore[union-attr]
    wait_for_health(base, demo_output)

    def shows_a_journey() -> bool:
        """History and a later recording, over three channels or more."""
        events = whole_timeline(base, customer, key)
        channels = {e.get("channel") for e in events} - {None}
        return len({e["recorded_at"] for e in events}) >= 2 and len(channels) >= 3

    # The history is generated from the clock: at some minutes of the week the
    # showcase person has two channels, or nothing in the last hours, until the
    # trickle's first steps add them.
    assert eventually(shows_a_journey)
    html = httpx.get(page)
    auth = {"Authorization": f"Bearer {key}"}
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
        return len({e["recorded_at"] for e in whole_timeline(base, customer, key)})

    first = recordings()
    assert eventually(lambda: recordings() > first + 1)  # the as_of slider has steps to move over
