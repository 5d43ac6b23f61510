"""SPEC 11 field by field at its boundaries, each read both "now" from the
projections and replayed (`brief` checks they agree). "In the N days up to
`at`" includes an event exactly N days before `at` and excludes one a second
older (docs/decisions.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journey.runtime import Runtime
from tests.factories import event
from tests.plugins.projections import catch_up_all
from tests.projections.brief_helpers import brief, briefs_of

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def ago(span: timedelta) -> str:
    return (AT - span).isoformat()


def append(store: Runtime, *events: dict[str, Any]) -> None:
    store.ingestor.append(list(events))


def test_contacts_exactly_7_days_before_at_count_and_a_second_older_do_not(store: Runtime) -> None:
    append(
        store,
        event(customer_id="a", channel="phone", occurred_at=ago(timedelta(days=7) + SECOND)),
        event(customer_id="a", channel="email", occurred_at=ago(timedelta(days=7))),
        event(
            customer_id="a",
            channel="email",
            occurred_at=ago(timedelta(days=1)),
            data={"abandoned": True},
        ),
    )
    found = brief(store, "a", AT)
    # the older contact lies outside the 7 days, yet makes the next one a repeat and a switch
    assert found["contacts_7d"] == {
        "inbound_contacts": 2,
        "repeat_contacts": 2,
        "channel_switches": 1,
        "abandoned": 1,
        "channels": ["email"],
    }
    assert found["last_contact"] == {
        "occurred_at": AT - timedelta(days=1),
        "channel": "email",
        "case_id": None,
        "abandoned": True,
    }


def test_an_abandoned_contact_is_the_last_contact_and_counts_on_a_case(store: Runtime) -> None:
    append(
        store,
        event(customer_id="a", case_id="k1", occurred_at=ago(timedelta(hours=3))),
        event(
            customer_id="a",
            case_id="k1",
            channel="phone",
            occurred_at=ago(timedelta(hours=1)),
            data={"abandoned": True},
        ),
    )
    found = brief(store, "a", AT)
    assert found["last_contact"]["abandoned"] is True
    assert found["last_contact"]["case_id"] == "k1"
    assert found["contacts_7d"]["abandoned"] == 1
    assert found["contacts_7d"]["inbound_contacts"] == 2
    assert found["contacts_7d"]["channel_switches"] == 1


def test_agents_and_recent_cases_take_exactly_30_days(store: Runtime) -> None:
    month = timedelta(days=30)
    append(
        store,
        event("case.opened", customer_id="a", case_id="old", occurred_at=ago(month * 2)),
        event(
            "case.assigned",
            customer_id="a",
            case_id="old",
            agent_id="ag-out",
            occurred_at=ago(month + SECOND),
        ),
        event(
            "case.status_changed", customer_id="a", case_id="old", occurred_at=ago(month + SECOND)
        ),
        event("case.opened", customer_id="a", case_id="edge", occurred_at=ago(month * 2)),
        event(
            "case.assigned",
            customer_id="a",
            case_id="edge",
            agent_id="ag-in",
            occurred_at=ago(month),
        ),
        event("case.status_changed", customer_id="a", case_id="edge", occurred_at=ago(month)),
        event(
            "reply.outbound",
            customer_id="a",
            case_id="new",
            agent_id="ag-reply",
            occurred_at=ago(timedelta(days=2)),
        ),
    )
    found = brief(store, "a", AT)
    assert found["agents"] == ["ag-in", "ag-reply"]
    assert [c["case_id"] for c in found["recent_cases"]] == ["edge"]
    assert [c["case_id"] for c in found["open_cases"]] == ["new"]


def test_self_service_of_7_days_latest_first_and_the_last_survey(store: Runtime) -> None:
    week = timedelta(days=7)
    append(
        store,
        event(
            "self_service.used",
            customer_id="a",
            occurred_at=ago(week + SECOND),
            data={"article_id": "kb-0"},
        ),
        event(
            "self_service.used", customer_id="a", occurred_at=ago(week), data={"article_id": "kb-1"}
        ),
        event(
            "self_service.used",
            customer_id="a",
            occurred_at=ago(timedelta(days=1)),
            data={"article_id": "kb-2", "helpful": False},
        ),
        event("survey.answered", customer_id="a", occurred_at=ago(week * 9), data={"csat": 5}),
        event(
            "survey.answered",
            customer_id="a",
            case_id="k1",
            channel="email",
            occurred_at=ago(week * 8),
            data={"nps": 3, "ces": 6},
        ),
    )
    found = brief(store, "a", AT)
    assert [(u["article_id"], u["helpful"]) for u in found["self_service"]] == [
        ("kb-2", False),
        ("kb-1", None),
    ]
    assert found["last_survey"] == {
        "occurred_at": AT - week * 8,
        "channel": "email",
        "case_id": "k1",
        "csat": None,
        "nps": 3,
        "ces": 6,
    }


def test_a_person_reads_every_merged_stream_and_messages_latest_first(store: Runtime) -> None:
    append(
        store,
        event(
            "customer.merged",
            customer_id="b",
            occurred_at=ago(timedelta(days=20)),
            data={"into": "a"},
        ),
        event(customer_id="a", channel="phone", occurred_at=ago(timedelta(days=3))),
        event(customer_id="b", channel="chat", case_id="kb", occurred_at=ago(timedelta(days=2))),
        event(
            "reply.outbound",
            customer_id="b",
            case_id="kb",
            agent_id="ag",
            occurred_at=ago(timedelta(days=1)),
        ),
    )
    for customer in ("a", "b"):
        found = brief(store, customer, AT)
        assert found["merged_ids"] == ("a", "b")
        assert found["contacts_7d"]["channels"] == ["chat", "phone"]
        assert found["contacts_7d"]["channel_switches"] == 1
        assert found["agents"] == ["ag"]
        assert [c["case_id"] for c in found["open_cases"]] == ["kb"]
        assert len(found["messages"]) == 3
        assert found["messages"] == sorted(
            found["messages"], reverse=True
        )  # positions, latest first


def test_a_resolved_case_reopened_moves_from_recent_to_open_cases(store: Runtime) -> None:
    append(
        store,
        event("case.opened", customer_id="a", case_id="k", occurred_at=ago(timedelta(days=4))),
        event(
            "case.status_changed", customer_id="a", case_id="k", occurred_at=ago(timedelta(days=3))
        ),
    )
    resolved = brief(store, "a", AT)
    assert [c["case_id"] for c in resolved["recent_cases"]] == ["k"]
    assert resolved["open_cases"] == []
    append(store, event(customer_id="a", case_id="k", occurred_at=ago(timedelta(days=1))))
    reopened = brief(store, "a", AT)
    assert [(c["case_id"], c["reopens"]) for c in reopened["open_cases"]] == [("k", 1)]
    assert reopened["recent_cases"] == []


def test_an_unmerge_between_two_readings_splits_the_brief_and_as_of_shows_it_merged(
    store: Runtime,
) -> None:
    append(
        store,
        event(
            "customer.merged",
            customer_id="b",
            occurred_at=ago(timedelta(days=5)),
            data={"into": "a"},
        ),
        event(customer_id="a", channel="phone", occurred_at=ago(timedelta(days=3))),
        event(customer_id="b", channel="chat", occurred_at=ago(timedelta(days=2))),
    )
    merged = brief(store, "b", AT)
    assert merged["merged_ids"] == ("a", "b")
    assert merged["contacts_7d"]["repeat_contacts"] == 1
    known_merged = datetime.now(UTC)
    append(store, event("customer.unmerged", customer_id="b", occurred_at=ago(timedelta(days=1))))
    split = brief(store, "b", AT)
    assert split["merged_ids"] == ("b",)
    assert split["contacts_7d"]["inbound_contacts"] == 1
    assert split["contacts_7d"]["repeat_contacts"] == 0
    assert brief(store, "a", AT)["contacts_7d"]["inbound_contacts"] == 1
    catch_up_all(store)
    as_known = briefs_of(store).replayed("b", known_merged, AT)
    assert as_known is not None and as_known.fields == merged_fields(merged)


def merged_fields(found: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in found.items() if k not in ("merged_ids", "messages")}


def test_a_customer_without_events_has_no_brief(store: Runtime) -> None:
    append(store, event(customer_id="a"))
    catch_up_all(store)
    briefs = briefs_of(store)
    assert briefs.now("nobody", AT) is None
    assert briefs.replayed("nobody", None, AT) is None
