"""The customer journey page in Chromium against a real server: search,
lanes, marks, details with and without the pii scope, as_of replay, verify,
keyboard use, a narrow window."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import Journey, screenshot, sign_in
from tests.e2e.scenario import ALICE, PHONE_BODY


def open_journey(page: Page, server: Journey, key: str) -> None:
    page.goto(f"{server.url}/journey")
    sign_in(page, key)
    page.fill("#customer", ALICE)
    page.press("#customer", "Enter")
    expect(page.locator("#status")).to_contain_text("19 events, 3 cases")


def mark(page: Page, label: str) -> Locator:
    return page.locator(f'#timeline button.mark[aria-label*="{label}"]')


def test_a_customers_journey_shows_one_lane_per_channel_with_cases_and_marks(
    page: Page, journey_server: Journey
) -> None:
    open_journey(page, journey_server, journey_server.full_key)

    lanes = page.locator("#timeline .lane[data-channel]")
    expect(lanes).to_have_count(4)
    assert lanes.evaluate_all("ls => ls.map(l => l.dataset.channel)") == [
        "phone",
        "email",
        "chat",
        "web",
    ]
    expect(page.locator("#timeline button.span")).to_have_count(3)
    expect(page.locator('#timeline .span[data-case="c-chat"]')).to_have_class(
        re.compile("breached")
    )
    expect(page.locator('#timeline .span[data-case="c-chat"]')).to_contain_text("2 agents")
    expect(mark(page, "abandoned")).to_have_count(1)
    expect(mark(page, "SLA first_response breached on case c-chat")).to_have_count(1)
    repeat = mark(page, "repeat contact")
    expect(repeat).to_have_count(3)  # the abandoned chat, the chat after it, the e-mail
    expect(page.locator('#timeline [aria-label*="channel switch"]')).to_have_count(2)

    summary = page.locator("#summary")
    expect(summary.locator("div", has_text="Repeat contacts")).to_contain_text("3")
    expect(summary.locator("div", has_text="Abandoned")).to_contain_text("1")
    expect(summary.locator("div", has_text="Agents talked to")).to_contain_text("3")
    expect(summary.locator("div", has_text="Handoffs")).to_contain_text("1")
    expect(summary.locator("div", has_text="SLA breaches")).to_contain_text("1")


def test_clicking_an_event_shows_its_details_and_pii_with_the_pii_scope(
    page: Page, journey_server: Journey
) -> None:
    open_journey(page, journey_server, journey_server.full_key)

    page.locator('#timeline [data-channel="phone"] button.mark.inbound').click()

    details = page.locator("#details")
    expect(details).to_contain_text("e2e-alice-01")
    expect(details).to_contain_text("contact.inbound")
    expect(details).to_contain_text(PHONE_BODY)
    expect(page.locator('#timeline [data-channel="phone"] button.mark.inbound')).to_have_class(
        re.compile("selected")
    )
    screenshot(page, "journey.png")


def test_without_the_pii_scope_details_say_personal_data_is_hidden(
    page: Page, journey_server: Journey
) -> None:
    open_journey(page, journey_server, journey_server.read_key)

    page.locator('#timeline [data-channel="phone"] button.mark.inbound').click()

    expect(page.locator("#details")).to_contain_text("e2e-alice-01")
    expect(page.locator("#details .pii-hidden")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(PHONE_BODY)


def test_a_case_shows_its_agents_handoffs_and_sla(page: Page, journey_server: Journey) -> None:
    open_journey(page, journey_server, journey_server.full_key)

    page.locator('#timeline .span[data-case="c-chat"]').click()

    details = page.locator("#details")
    expect(details).to_contain_text("agent-ann, agent-bob")
    expect(details.locator("dt", has_text="Handoffs").locator("+ dd")).to_have_text("1")
    expect(details.locator("tr", has_text="first_response")).to_contain_text("chat-urgent")
    expect(details.locator("tr", has_text="first_response")).to_contain_text("breached")


def test_moving_as_of_replays_the_timeline_as_known_then(
    page: Page, journey_server: Journey
) -> None:
    open_journey(page, journey_server, journey_server.full_key)
    slider = page.locator("#as-of-slider")

    slider.focus()
    page.keyboard.press("Home")
    expect(page.locator("#status")).to_contain_text("13 events, 2 cases, as known at")
    expect(page.locator("#as-of-label")).to_contain_text("1 of 3 recording moments")
    expect(page.locator('#timeline .lane[data-channel="email"]')).to_have_count(0)
    assert "as_of=" in page.url
    screenshot(page, "journey-as-of.png")

    page.keyboard.press("ArrowRight")
    expect(page.locator("#status")).to_contain_text("16 events, 3 cases")
    expect(page.locator("#cases tr", has_text="c-email")).to_contain_text("open")

    page.keyboard.press("End")
    expect(page.locator("#status")).to_contain_text("19 events, 3 cases, as known now")
    expect(page.locator("#cases tr", has_text="c-email")).to_contain_text("resolved")

    before = journey_server.recorded[0][:19].replace("T", "-").split("-")
    page.fill("#as-of", f"{before[0]}-{before[1]}-{before[2]}T00:00:00")
    page.dispatch_event("#as-of", "change")
    expect(page.locator("#status")).to_contain_text("Nothing was known about e2e-alice")


def test_a_replay_link_opens_at_its_as_of(page: Page, journey_server: Journey) -> None:
    page.goto(f"{journey_server.url}/journey")
    sign_in(page, journey_server.full_key)

    as_of = quote(journey_server.recorded[1])
    page.goto(f"{journey_server.url}/journey?customer={ALICE}&as_of={as_of}")

    expect(page.locator("#status")).to_contain_text("16 events, 3 cases, as known at")
    expect(page.locator("#as-of-slider")).to_have_value("1")


def test_verify_shows_the_chain_state_or_the_missing_scope(
    page: Page, journey_server: Journey
) -> None:
    open_journey(page, journey_server, journey_server.full_key)
    page.click("#verify")
    expect(page.locator("#verify-result")).to_have_text("✔ Chain intact: 19 events verified.")

    page.click("#signout")
    sign_in(page, journey_server.read_key)
    page.click("#verify")
    expect(page.locator("#verify-result")).to_have_text("Your key lacks the audit scope.")


def test_the_timeline_works_from_the_keyboard(page: Page, journey_server: Journey) -> None:
    open_journey(page, journey_server, journey_server.full_key)
    first = page.locator("#timeline button.mark").first
    first.focus()

    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")

    expect(page.locator("#details")).to_contain_text("case.opened")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert "case opened" in focused


def test_a_wrong_key_or_unknown_customer_is_said_in_words(
    page: Page, journey_server: Journey
) -> None:
    page.goto(f"{journey_server.url}/journey")
    sign_in(page, "jk_nothing_wrong")
    page.fill("#customer", ALICE)
    page.press("#customer", "Enter")
    expect(page.locator("#status")).to_have_text(
        "The API key was refused: sign in with a valid key."
    )

    page.click("#signout")
    sign_in(page, journey_server.read_key)
    page.fill("#customer", "nobody-here")
    page.press("#customer", "Enter")
    expect(page.locator("#status")).to_have_text("No events recorded for customer nobody-here.")


def test_a_narrow_window_keeps_the_page_within_its_width(
    narrow_page: Page, journey_server: Journey
) -> None:
    open_journey(narrow_page, journey_server, journey_server.full_key)

    overflow = narrow_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    timeline = narrow_page.locator("#timeline")
    assert timeline.evaluate("t => t.scrollWidth > t.clientWidth")  # scrolls inside itself
    screenshot(narrow_page, "journey-narrow.png")


NEWEST = '[data-channel="email"] button.mark:last-child'  # c-email resolved: Alice's last event
OLDEST = '[data-channel="phone"] button.mark.inbound'  # her first call


def in_sight(page: Page, selector: str) -> bool:
    """Whether the timeline's element is within the part of the timeline scrolled into
    view, right of the sticky lane names."""
    return bool(
        page.locator(f"#timeline {selector}").evaluate(
            """(node) => {
              const box = document.getElementById("timeline").getBoundingClientRect();
              const names = document.querySelector("#timeline .lane-name").getBoundingClientRect();
              const own = node.getBoundingClientRect();
              return own.right > names.right && own.left < box.right;
            }"""
        )
    )


def test_the_timeline_opens_at_its_newest_end_and_shows_earlier_events_are_to_the_left(
    sized_page: Page, journey_server: Journey
) -> None:
    open_journey(sized_page, journey_server, journey_server.full_key)
    timeline = sized_page.locator("#timeline")
    hint = sized_page.locator("#timeline-earlier")
    fade = sized_page.locator("#timeline + .fade-left")

    left, visible, total = timeline.evaluate("t => [t.scrollLeft, t.clientWidth, t.scrollWidth]")

    assert total > visible, "Alice's journey is wider than the window: there is a left"
    assert left + visible >= total - 1  # scrolled to the right end
    assert in_sight(sized_page, NEWEST) and in_sight(sized_page, '.span[data-case="c-email"]')
    expect(hint).to_be_visible()
    expect(fade).to_have_css("opacity", "1")

    timeline.evaluate("t => { t.scrollLeft = 0; }")
    expect(hint).to_be_hidden()
    expect(fade).to_have_css("opacity", "0")
    assert in_sight(sized_page, OLDEST)


def test_the_cases_table_fits_or_scrolls_within_its_own_box(
    sized_page: Page, journey_server: Journey
) -> None:
    open_journey(sized_page, journey_server, journey_server.full_key)
    box = sized_page.locator("#cases").locator("..")
    last_column = sized_page.locator("#cases th", has_text="SLA")

    page_overflow = sized_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    box_width, table_width = box.evaluate("b => [b.clientWidth, b.scrollWidth]")
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")

    assert page_overflow <= 0
    assert last_column.evaluate(
        """(th) => {
          const box = th.closest(".scroll").getBoundingClientRect();
          const own = th.getBoundingClientRect();
          return own.left >= box.left && own.right <= box.right + 1;
        }"""
    ), "the last column is in its box's view"
    if sized_page.viewport_size and sized_page.viewport_size["width"] >= 1366:
        assert table_width <= box_width  # every column in view, no scrolling
    else:
        assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"


def test_a_sign_in_link_signs_in_a_tab_already_open_and_leaves_the_address_bar(
    page: Page, journey_server: Journey
) -> None:
    url = f"{journey_server.url}/journey?customer={ALICE}"
    page.goto(url)
    expect(page.locator("#signin")).to_be_visible()

    page.goto(f"{url}#key={quote(journey_server.full_key)}")  # the same page: only the hash

    expect(page.locator("#status")).to_contain_text("19 events, 3 cases")
    expect(page.locator("#signed-in")).to_be_visible()
    assert "#key" not in page.url and journey_server.full_key not in page.url
    assert page.evaluate("sessionStorage.getItem('journey.apiKey')") == journey_server.full_key


def test_a_sign_in_link_opened_in_a_new_tab_signs_in_and_leaves_the_address_bar(
    page: Page, journey_server: Journey
) -> None:
    page.goto(f"{journey_server.url}/journey?customer={ALICE}#key={journey_server.full_key}")

    expect(page.locator("#status")).to_contain_text("19 events, 3 cases")
    assert page.url.endswith(f"/journey?customer={ALICE}")
    assert journey_server.full_key not in page.evaluate("location.href")
