"""SPEC 11 through a real server: `GET /v1/customers/{id}/context` now (from the
projections) equals the replayed answer, over every stream of the person; pii
in the messages only with the `pii` scope; ids with `/`; 404 and 403."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.factories import event
from tests.plugins.server import Api, unique

BRIEF_FIELDS = [
    "customer_id",
    "resolved_id",
    "merged_ids",
    "identities",
    "open_cases",
    "recent_cases",
    "last_contact",
    "contacts_7d",
    "agents",
    "self_service",
    "last_survey",
    "recent_messages",
]


def append(api: Api, events: list[dict[str, Any]]) -> int:
    with api.client("writer") as client:
        answer = client.post("/v1/events", json=events)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["results"][-1]["position"])


def get(api: Api, path: str, key: str = "reader", **params: Any) -> httpx.Response:
    with api.client(key) as client:
        return client.get(path, params=params)


def hours_ago(hours: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).isoformat()


def test_the_brief_now_equals_the_replayed_one_over_the_person(api: Api) -> None:
    crm, chat, case = f"crm/{unique('c')}", unique("chat"), unique("case")
    after = append(
        api,
        [
            event(
                "customer.merged", customer_id=chat, occurred_at=hours_ago(50), data={"into": crm}
            ),
            event(
                "case.opened",
                customer_id=crm,
                case_id=case,
                channel="phone",
                occurred_at=hours_ago(40),
            ),
            event(
                customer_id=crm,
                case_id=case,
                channel="phone",
                occurred_at=hours_ago(40),
                pii={"body": "my router drops"},
            ),
            event(
                "case.assigned",
                customer_id=crm,
                case_id=case,
                agent_id="ag-7",
                occurred_at=hours_ago(39),
            ),
            event(
                "reply.outbound",
                customer_id=crm,
                case_id=case,
                agent_id="ag-7",
                channel="phone",
                occurred_at=hours_ago(38),
                pii={"body": "restart it"},
            ),
            event(
                "self_service.used",
                customer_id=chat,
                occurred_at=hours_ago(3),
                data={"article_id": "kb-router", "helpful": False},
            ),
            event(
                customer_id=chat,
                case_id=case,
                channel="chat",
                occurred_at=hours_ago(2),
                data={"abandoned": True},
                pii={"body": "still dropping"},
            ),
        ],
    )
    now = get(api, f"/v1/customers/{chat}/context", after=after)
    assert now.status_code == 200, now.text
    brief = now.json()
    assert list(brief) == BRIEF_FIELDS
    assert brief["resolved_id"] == crm and brief["merged_ids"] == sorted([crm, chat])
    assert [c["case_id"] for c in brief["open_cases"]] == [case]
    assert brief["agents"] == ["ag-7"]
    assert brief["last_contact"]["abandoned"] is True and brief["last_contact"]["channel"] == "chat"
    assert brief["contacts_7d"]["channels"] == ["chat", "phone"]
    assert brief["self_service"][0]["article_id"] == "kb-router"
    assert [m["type"] for m in brief["recent_messages"]] == [
        "contact.inbound",
        "reply.outbound",
        "contact.inbound",
    ]
    assert all("pii" not in m for m in brief["recent_messages"])
    replayed = get(api, f"/v1/customers/{chat}/context", as_of=datetime.now(UTC).isoformat()).json()
    assert {k: v for k, v in replayed.items() if k != "open_cases"} == {
        k: v for k, v in brief.items() if k != "open_cases"
    }
    # the SLA is judged at each reading's own instant; the rest of the case is the same
    assert [{k: v for k, v in c.items() if k != "sla"} for c in replayed["open_cases"]] == [
        {k: v for k, v in c.items() if k != "sla"} for c in brief["open_cases"]
    ]
    with_pii = get(api, f"/v1/customers/{chat}/context", key="pii").json()
    assert with_pii["recent_messages"][0]["pii"] == {"body": "still dropping"}


def test_a_brief_before_the_person_had_events_is_404_and_needs_read(api: Api) -> None:
    customer = unique("c")
    append(api, [event(customer_id=customer, occurred_at=hours_ago(1))])
    assert get(api, f"/v1/customers/{unique('none')}/context").status_code == 404
    early = get(api, f"/v1/customers/{customer}/context", at=hours_ago(5))
    assert early.status_code == 404
    assert early.headers["content-type"] == "application/problem+json"
    assert get(api, f"/v1/customers/{customer}/context", key="writer").status_code == 403
    assert get(api, f"/v1/customers/{customer}/context", at="yesterday").status_code == 422


def test_a_brief_as_of_before_the_first_event_was_recorded_is_404(api: Api) -> None:
    """The event occurred before both readings; only the first knew nothing of it."""
    customer = unique("c")
    before = datetime.now(UTC).isoformat()
    append(api, [event(customer_id=customer, channel="sms", occurred_at=hours_ago(5))])
    early = get(api, f"/v1/customers/{customer}/context", as_of=before)
    assert early.status_code == 404, early.text
    assert early.headers["content-type"] == "application/problem+json"
    known = get(api, f"/v1/customers/{customer}/context", as_of=datetime.now(UTC).isoformat())
    assert known.status_code == 200, known.text
    assert known.json()["last_contact"]["channel"] == "sms"


def test_the_openapi_document_describes_the_brief_with_an_example(api: Api) -> None:
    document = get(api, "/openapi.json").json()
    operation = document["paths"]["/v1/customers/{customer_id}/context"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert list(example) == BRIEF_FIELDS
