"""SPEC 2.1-2.3: one passing and one failing example for every rule."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from journey.validation import EventIn, Violation, validate_event
from tests.factories import event

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def check(raw: Any) -> EventIn | list[Violation]:
    return validate_event(raw, 0, NOW)


def fields_of(result: EventIn | list[Violation]) -> list[str]:
    assert isinstance(result, list), f"expected violations, got {result}"
    return [v.field for v in result]


PASSING: list[dict[str, Any]] = [
    event("contact.inbound"),
    event("contact.inbound", data={"abandoned": True}),
    event("reply.outbound"),
    event("case.opened", data={"priority": "urgent"}),
    event("case.assigned"),
    event("case.status_changed", data={"status": "pending_customer"}),
    event("case.priority_changed", data={"priority": "low"}),
    event("survey.answered", data={"csat": 1, "nps": 10, "ces": 7}),
    event("survey.answered", data={"nps": 0}),
    event("self_service.used", data={"article_id": "kb-9", "helpful": False}),
    event(id="A.z:0@x/y-_", customer_id="x" * 128),
    event(occurred_at="2026-03-02T13:04:59+01:00"),
    event(occurred_at="2026-03-02T12:04:59.999Z"),
    event(pii={"body": "hello", "email": "a@b.c"}),
    event(channel="in_person"),
]

FAILING: list[tuple[dict[str, Any], str]] = [
    (event(id=""), "id"),
    (event(id="x" * 129), "id"),
    (event(id="has space"), "id"),
    (event(type="contact.outbound"), "type"),
    (event(customer_id="a#b"), "customer_id"),
    (event(occurred_at="2026-03-02T10:00:00"), "occurred_at"),
    (event(occurred_at="yesterday"), "occurred_at"),
    (event(occurred_at="2026-03-02T12:05:01Z"), "occurred_at"),
    (event(channel="fax"), "channel"),
    (event(case_id="bad id"), "case_id"),
    (event(agent_id="bad!id"), "agent_id"),
    (event(data={"abandoned": "yes"}), "data.abandoned"),
    (event(data={"colour": "red"}), "data.colour"),
    (event(extra_field=1), "extra_field"),
    (event(pii={"body": 42}), "pii.body"),
    (event(pii="plain text"), "pii"),
    (event(pii={"body": "x" * 16_385}), "pii.body"),
    (event("reply.outbound", agent_id=None), "agent_id"),
    (event("reply.outbound", case_id=None), "case_id"),
    (event("reply.outbound", data={"x": 1}), "data.x"),
    (event("case.opened", channel=None), "channel"),
    (event("case.opened", data={"priority": "asap"}), "data.priority"),
    (event("case.assigned", agent_id=None), "agent_id"),
    (event("case.status_changed", data={}), "data.status"),
    (event("case.status_changed", data={"status": "done"}), "data.status"),
    (event("case.priority_changed", data={}), "data.priority"),
    (event("survey.answered", data={}), "data"),
    (event("survey.answered", data={"csat": 6}), "data.csat"),
    (event("survey.answered", data={"nps": 11}), "data.nps"),
    (event("survey.answered", data={"ces": 0}), "data.ces"),
    (event("survey.answered", data={"csat": 4.5}), "data.csat"),
    (event("survey.answered", channel=None), "channel"),
    (event("self_service.used", data={}), "data.article_id"),
    (event("self_service.used", data={"article_id": "a", "helpful": 1}), "data.helpful"),
    (event("contact.inbound", channel=None), "channel"),
]


@pytest.mark.parametrize("raw", PASSING, ids=lambda raw: f"{raw['type']}")
def test_a_valid_event_is_accepted(raw: dict[str, Any]) -> None:
    assert isinstance(check(raw), EventIn)


@pytest.mark.parametrize(("raw", "field"), FAILING, ids=[f for _, f in FAILING])
def test_each_rule_violation_names_the_event_and_the_field(raw: dict[str, Any], field: str) -> None:
    violations = check(raw)
    assert field in fields_of(violations)
    readable = raw["id"] if 0 < len(raw["id"]) <= 128 else None
    assert all(v.event_id == readable for v in violations)  # type: ignore[union-attr]


def test_a_violation_message_reads_with_event_id_index_and_field() -> None:
    (violation,) = validate_event(event(id="e-17", data={"abandoned": "no"}), 3, NOW)  # type: ignore[misc]
    assert str(violation) == "event 'e-17' (#3): data.abandoned: Input should be a valid boolean"


def test_a_non_object_is_rejected() -> None:
    assert fields_of(check([1, 2])) == ["(event)"]


def test_timestamps_are_normalised_to_utc_and_defaults_applied() -> None:
    valid = check(event(occurred_at="2026-03-02T13:00:00+03:00"))
    assert isinstance(valid, EventIn)
    assert valid.occurred_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert orjson.loads(valid.canonical())["data"] == {"abandoned": False}
    opened = check(event("case.opened"))
    assert isinstance(opened, EventIn) and opened.data == {"priority": "normal"}
