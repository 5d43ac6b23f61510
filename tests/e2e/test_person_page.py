"""The journey page's person (SPEC 10) in Chromium against a real server: its
streams marked on the timeline, its identities (values only with pii), a
confirmed merge of a duplicate candidate, an unmerge, as_of before a merge,
and no merge offered to a key without events:write."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Journey, screenshot, sign_in
from tests.e2e.persons import PAT, PAT_CRM, PAT_EMAIL, PAT_SHOP, QUINN, QUINN_2


def open_person(page: Page, server: Journey, key: str, customer: str) -> None:
    page.goto(f"{server.url}/journey?customer={customer}")
    sign_in(page, key)
    expect(page.locator("#status")).to_contain_text(f"{customer}: ")


def streams(page: Page) -> list[str]:
    return page.locator("#person-streams label").all_inner_texts()


def test_the_person_shows_its_streams_marked_on_the_timeline_and_its_identities(
    sized_page: Page, journey_server: Journey
) -> None:
    page = sized_page
    open_person(page, journey_server, journey_server.full_key, PAT_CRM)

    expect(page.locator("#person-line")).to_contain_text(f"part of person {PAT}")
    expect(page.locator("#person-streams li")).to_have_count(2)
    assert [s.split()[:2] for s in streams(page)] == [["A", PAT], ["B", PAT_CRM]]
    marks = page.locator("#timeline button.mark")
    expect(marks.filter(has_text="B")).to_have_count(3)  # the CRM's link, contact and merge
    expect(page.locator(f'#timeline button.mark[aria-label*="stream A ({PAT})"]')).to_have_count(3)
    identities = page.locator("#identities tbody tr")
    expect(identities).to_have_count(3)
    expect(page.locator("#identities")).to_contain_text(PAT_EMAIL)
    expect(page.locator("#identities")).to_contain_text("+79120001122")
    expect(page.locator("#duplicates li").first).to_contain_text(PAT_SHOP)
    expect(page.locator("#duplicates button.merge")).to_have_count(1)
    expect(page.locator("#person-streams button.unmerge")).to_have_count(1)
    screenshot(page, f"journey-person{'' if page.viewport_size['width'] > 800 else '-narrow'}.png")  # type: ignore[index]


def test_unticking_a_stream_hides_its_events(page: Page, journey_server: Journey) -> None:
    open_person(page, journey_server, journey_server.full_key, PAT)
    all_marks = page.locator("#timeline button.mark").count()

    page.get_by_role("checkbox", name=f"B {PAT_CRM}").uncheck()

    expect(page.locator("#timeline button.mark")).to_have_count(all_marks - 3)
    expect(page.locator(f'#timeline [aria-label*="({PAT_CRM})"]')).to_have_count(0)


def test_a_key_without_pii_sees_no_values_and_without_events_write_no_merge(
    page: Page, journey_server: Journey
) -> None:
    open_person(page, journey_server, journey_server.read_key, PAT)

    expect(page.locator("#identities tbody tr")).to_have_count(3)
    expect(page.locator("#identities")).to_contain_text("hidden (needs pii)")
    expect(page.locator("#identities")).not_to_contain_text(PAT_EMAIL)
    expect(page.locator("#duplicates")).to_contain_text(PAT_SHOP)
    expect(page.locator("#duplicates")).to_contain_text("needs a key with the events:write scope")
    expect(page.locator("#duplicates button")).to_have_count(0)
    expect(page.locator("#person-streams button")).to_have_count(0)


def test_merge_from_a_candidate_with_confirmation_then_unmerge_and_as_of_before_it(
    page: Page, journey_server: Journey
) -> None:
    open_person(page, journey_server, journey_server.full_key, QUINN)
    expect(page.locator("#person-streams li")).to_have_count(1)
    merge = page.locator("#duplicates button.merge")
    expect(merge).to_have_accessible_name(f"Merge {QUINN_2} into this person")

    merge.click()  # cancelled: nothing changes
    expect(page.locator("#person-dialog")).to_be_visible()
    page.locator("#person-dialog button[value=cancel]").click()
    expect(page.locator("#person-dialog")).to_be_hidden()
    expect(page.locator("#person-streams li")).to_have_count(1)

    merge.click()
    expect(page.locator("#person-dialog-title")).to_have_text(f"Merge {QUINN_2} into {QUINN}?")
    page.locator("#person-dialog-confirm").click()

    expect(page.locator("#person-result")).to_contain_text(f"{QUINN_2} merged into {QUINN}")
    expect(page.locator("#person-streams li")).to_have_count(2)
    expect(page.locator(f'#timeline [aria-label*="stream B ({QUINN_2})"]')).to_have_count(4)
    expect(page.locator("#timeline .lane[data-channel=sms]")).to_have_count(1)
    expect(page.locator("#duplicates")).to_contain_text("None")

    slider = page.locator("#as-of-slider")
    before = int(slider.get_attribute("max") or "0") - 1
    slider.fill(str(before))  # the moment before the merge was recorded
    expect(page.locator("#as-of-label")).to_contain_text("As of")
    expect(page.locator("#person-streams li")).to_have_count(1)
    expect(page.locator("#timeline .lane[data-channel=sms]")).to_have_count(0)
    expect(page.locator("#duplicates")).to_contain_text(QUINN_2)
    page.click("#as-of-now")
    expect(page.locator("#person-streams li")).to_have_count(2)

    page.locator("#person-streams button.unmerge").click()
    expect(page.locator("#person-dialog-title")).to_have_text(f"Unmerge {QUINN_2}?")
    page.locator("#person-dialog-confirm").click()

    expect(page.locator("#person-result")).to_contain_text(f"{QUINN_2} unmerged")
    expect(page.locator("#person-streams li")).to_have_count(1)
    expect(page.locator("#timeline .lane[data-channel=sms]")).to_have_count(0)
    expect(page.locator("#duplicates button.merge")).to_have_count(1)
