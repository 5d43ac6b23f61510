"""The service dashboard in Chromium against a real server: each card shows
the API's figures, reference figures beside FCR, the missing scope in words."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Journey, screenshot, sign_in


def open_dashboard(page: Page, server: Journey, key: str) -> None:
    page.goto(f"{server.url}/dashboard")
    sign_in(page, key)
    for card in ("fcr", "repeat", "breaches", "risk", "satisfaction", "projections"):
        expect(page.locator(f"#{card}")).not_to_have_attribute("aria-busy", "true")


def api(server: Journey, path: str, **params: str) -> dict:  # type: ignore[type-arg]
    answer = httpx.get(
        f"{server.url}{path}", params=params, headers={"Authorization": f"Bearer {server.full_key}"}
    )
    answer.raise_for_status()
    return answer.json()  # type: ignore[no-any-return]


def test_fcr_by_channel_stands_beside_the_reference_figures(
    page: Page, journey_server: Journey
) -> None:
    open_dashboard(page, journey_server, journey_server.full_key)
    period = {"from": page.input_value("#from") + "T00:00:00Z"}
    expected = {
        c["channel"]: c
        for c in api(journey_server, "/v1/metrics/first-contact-resolution", **period)["channels"]
    }

    phone = page.locator("#fcr tr", has_text="phone")
    expect(phone).to_contain_text(f"{expected['phone']['rate'] * 100:.1f}%")
    expect(phone).to_contain_text(str(expected["phone"]["resolved_cases"]))
    expect(phone).to_contain_text("82.0%")
    expect(phone).to_contain_text("56.0%")
    expect(page.locator("#fcr tr", has_text="e-mail")).to_contain_text("68.0%")
    expect(page.locator("#fcr tr", has_text="chat")).to_contain_text("45.0%")
    expect(page.locator("#fcr tbody tr")).to_have_count(len(expected))
    screenshot(page, "dashboard.png")


def test_repeat_contacts_breaches_satisfaction_and_lag_are_shown(
    page: Page, journey_server: Journey
) -> None:
    open_dashboard(page, journey_server, journey_server.full_key)

    expect(page.locator("#repeat tr", has_text="all channels")).to_be_visible()
    chart = page.locator("#breaches svg[role=img]")
    expect(chart).to_be_visible()
    assert (chart.get_attribute("aria-label") or "").startswith("SLA breaches per day")
    expect(page.locator("#breaches .legend")).to_contain_text("first_response · chat-urgent")
    expect(page.locator("#satisfaction tr", has_text="chat")).to_be_visible()
    lags = page.locator("#projections tbody tr td:nth-child(3)").all_inner_texts()
    assert lags and set(lags) == {"0"}


def test_a_case_due_soon_is_listed_at_risk(page: Page, journey_server: Journey) -> None:
    open_dashboard(page, journey_server, journey_server.full_key)

    bea = page.locator("#risk tr", has_text="c-bea")
    expect(bea.first).to_contain_text("e2e-bea")
    expect(page.locator("#risk tr", has_text="resolution").filter(has_text="c-bea")).to_have_count(
        1
    )

    bea.first.get_by_role("link", name="e2e-bea").click()
    expect(page.locator("#status")).to_contain_text("e2e-bea: 2 events, 1 case,")


def test_without_the_admin_scope_projection_lag_says_why(
    page: Page, journey_server: Journey
) -> None:
    open_dashboard(page, journey_server, journey_server.read_key)

    expect(page.locator("#projections")).to_have_text("Your key lacks the admin scope.")
    expect(page.locator("#fcr tbody tr").first).to_be_visible()


def test_a_narrow_window_stacks_the_cards(narrow_page: Page, journey_server: Journey) -> None:
    open_dashboard(narrow_page, journey_server, journey_server.full_key)

    overflow = narrow_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    boxes = [narrow_page.locator(f"#{c}").bounding_box() for c in ("fcr", "repeat")]
    assert boxes[0] and boxes[1] and boxes[1]["y"] > boxes[0]["y"]  # one column
    screenshot(narrow_page, "dashboard-narrow.png")
