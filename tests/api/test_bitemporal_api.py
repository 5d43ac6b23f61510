"""SPEC 6 through the server: a case read `at` past instants equals the answer
folded from only the events that had occurred by then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from api.render import utc
from journey.ingest.event_rules import EventIn
from journey.reading.documents import case_document, read_case
from journey.rules.facts import Fact
from journey.rules.sla_config import default_sla_config
from tests.factories import event
from tests.plugins.server import Api, unique

INSTANTS = (
    "2026-03-02T09:30:00Z",
    "2026-03-02T12:00:00Z",
    "2026-03-03T08:00:00Z",
    "2026-03-05T16:00:00Z",
    "2026-03-20T12:00:00Z",
)


def as_json(document: dict[str, Any]) -> Any:
    return orjson.loads(orjson.dumps(utc(document), option=orjson.OPT_UTC_Z))


def test_a_case_read_at_past_instants_equals_the_fold_of_what_had_occurred(api: Api) -> None:
    customer, case = unique("c"), unique("case")
    story = [
        event(
            "case.opened", customer_id=customer, case_id=case, occurred_at="2026-03-02T09:00:00Z"
        ),
        event(customer_id=customer, case_id=case, occurred_at="2026-03-02T09:05:00Z"),
        event(
            "case.assigned", customer_id=customer, case_id=case, occurred_at="2026-03-02T10:00:00Z"
        ),
        event(
            "reply.outbound", customer_id=customer, case_id=case, occurred_at="2026-03-03T07:00:00Z"
        ),
        event(
            customer_id=customer, case_id=case, channel="email", occurred_at="2026-03-04T09:00:00Z"
        ),
        event(
            "case.status_changed",
            customer_id=customer,
            case_id=case,
            occurred_at="2026-03-06T10:00:00Z",
        ),
    ]
    with api.client("writer") as client:
        answer = client.post(
            "/v1/events", json=list(reversed(story))
        )  # arrival order must not matter
    positions = {r["id"]: r["position"] for r in answer.json()["results"]}
    facts = [_fact(e, positions[e["id"]]) for e in story]
    policy_for = default_sla_config().policy_for
    with api.client("reader") as client:
        for instant in INSTANTS:
            at = datetime.fromisoformat(instant)
            served = client.get(f"/v1/cases/{case}", params={"at": instant}).json()
            occurred = [f for f in facts if f.occurred_at <= at]
            reading = read_case(occurred, policy_for, at)
            assert reading is not None
            assert served == as_json(case_document(reading, at)), instant
        before = client.get(f"/v1/cases/{case}", params={"at": "2026-03-02T08:00:00Z"})
    assert before.status_code == 404


def _fact(raw: dict[str, Any], position: int) -> Fact:
    valid = EventIn.model_validate(raw)
    return Fact(
        position,
        valid.type,
        valid.customer_id,
        valid.occurred_at,
        valid.channel,
        valid.case_id,
        valid.agent_id,
        valid.data,
    )
