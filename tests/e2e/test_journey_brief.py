"""The journey page opens with the agent's brief (SPEC 11) above the timeline:
open cases with their SLA due, what the person told us, agents involved,
articles tried, the last survey; over a merged person; readable at 390 px."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import NARROW, Journey, screenshot, sign_in

CARA, CARA_CHAT = "e2e-cara", "e2e-cara-chat"
TOLD = "The modem blinks red since the storm."


def cara(now: datetime) -> list[dict[str, Any]]:
    """Cara called, then wrote on chat from a second stream merged into hers."""
    t = now - timedelta(hours=30)
    h = timedelta(hours=1)

    def at(offset: timedelta) -> str:
        return (t + offset).strftime("%Y-%m-%dT%H:%M:%SZ")

    def ev(
        n: int, kind: str, offset: timedelta, customer: str = CARA, **fields: Any
    ) -> dict[str, Any]:
        return {
            "id": f"{CARA}-{n}",
            "type": kind,
            "customer_id": customer,
            "occurred_at": at(offset),
            **fields,
        }

    return [
        ev(1, "customer.merged", 0 * h, CARA_CHAT, data={"into": CARA}),
        ev(2, "contact.inbound", h, channel="phone", case_id="c-modem", pii={"body": TOLD}),
        ev(3, "case.opened", h, channel="phone", case_id="c-modem", data={"priority": "high"}),
        ev(4, "case.assigned", 2 * h, case_id="c-modem", agent_id="agent-dee"),
        ev(
            5,
            "reply.outbound",
            3 * h,
            channel="phone",
            case_id="c-modem",
            agent_id="agent-dee",
            pii={"body": "We are sending a technician."},
        ),
        ev(
            6,
            "self_service.used",
            20 * h,
            CARA_CHAT,
            channel="web",
            data={"article_id": "kb-modem-lights", "helpful": False},
        ),
        ev(
            7,
            "contact.inbound",
            21 * h,
            CARA_CHAT,
            channel="chat",
            case_id="c-modem",
            pii={"body": "Nobody came. Still red."},
        ),
        ev(
            8,
            "survey.answered",
            22 * h,
            CARA_CHAT,
            channel="chat",
            case_id="c-modem",
            data={"csat": 1},
        ),
    ]


@pytest.fixture(scope="module")
def with_cara(journey_server: Journey) -> Journey:
    """The server with Cara's events, once per module (their instants follow now)."""
    load_cara(journey_server)
    return journey_server


def load_cara(server: Journey) -> None:
    headers = {"Authorization": f"Bearer {server.full_key}"}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        answer = client.post("/v1/events", json=cara(datetime.now(UTC)))
        assert answer.status_code in (201, 200), answer.text
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            brief = client.get(f"/v1/customers/{CARA}/context")
            if brief.status_code == 200 and brief.json()["last_survey"]:
                return
            time.sleep(0.2)
    raise AssertionError("the brief never showed Cara's survey")


def test_the_journey_opens_with_the_brief_of_the_whole_person_at_390_px(
    narrow_page: Page, with_cara: Journey
) -> None:
    page, journey_server = narrow_page, with_cara
    page.goto(f"{journey_server.url}/journey")
    sign_in(page, journey_server.full_key)
    page.fill("#customer", CARA_CHAT)
    page.press("#customer", "Enter")

    brief = page.locator("#brief")
    expect(brief.locator(".card", has_text="Open cases")).to_contain_text("c-modem")
    expect(brief.locator(".card", has_text="Open cases")).to_contain_text("due")
    told = brief.locator(".card", has_text="What they already told us")
    expect(told).to_contain_text("Nobody came. Still red.")
    expect(told).to_contain_text(TOLD)
    expect(brief.locator(".card", has_text="Agents already involved")).to_contain_text("agent-dee")
    expect(brief.locator(".card", has_text="Articles they tried")).to_contain_text(
        "kb-modem-lights"
    )
    expect(brief.locator(".card", has_text="Last survey")).to_contain_text("CSAT 1")
    assert brief.bounding_box()["y"] < page.locator("#timeline").bounding_box()["y"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(page, "journey-brief.png")

    told.get_by_role("button").first.click()
    expect(page.locator("#details")).to_contain_text("contact.inbound")


def test_without_the_pii_scope_the_brief_says_the_text_is_hidden(
    page: Page, with_cara: Journey
) -> None:
    page.goto(f"{with_cara.url}/journey")
    sign_in(page, with_cara.read_key)
    page.fill("#customer", CARA)
    page.press("#customer", "Enter")
    told = page.locator("#brief .card", has_text="What they already told us")
    expect(told).to_contain_text("needs the pii scope")
    expect(told).not_to_contain_text(TOLD)
