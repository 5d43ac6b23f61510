"""Reads through a real server: timeline order, cursors, filters, pii by scope,
`as_of`, 404s, projection-backed answers and read-your-writes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import event
from tests.plugins.server import Api, unique


def append(api: Api, events: list[dict[str, Any]]) -> list[int]:
    with api.client("writer") as client:
        answer = client.post("/v1/events", json=events)
    assert answer.status_code == 201, answer.text
    return [r["position"] for r in answer.json()["results"]]


def get(api: Api, path: str, key: str = "reader", **params: Any) -> httpx.Response:
    with api.client(key) as client:
        return client.get(path, params=params)


def test_the_timeline_is_in_occurrence_order_and_pages_by_cursor(api: Api) -> None:
    customer = unique("c")
    late, early, middle = (
        event(customer_id=customer, occurred_at=t)
        for t in ("2026-03-02T12:00:00Z", "2026-03-02T08:00:00+01:00", "2026-03-02T10:00:00Z")
    )
    append(api, [late, early, middle])
    first = get(api, f"/v1/customers/{customer}/timeline", limit=2).json()
    append(api, [event(customer_id=customer, occurred_at="2026-03-02T09:00:00Z")])  # meanwhile
    second = get(api, f"/v1/customers/{customer}/timeline", cursor=first["next_cursor"]).json()
    ids = [e["id"] for e in first["events"] + second["events"]]
    assert ids == [early["id"], middle["id"], late["id"]]
    assert second["next_cursor"] is None
    assert first["events"][0]["occurred_at"] == "2026-03-02T07:00:00Z"


def test_the_timeline_filters_by_channel_and_type(api: Api) -> None:
    customer = unique("c")
    chat, mail = event(customer_id=customer), event(customer_id=customer, channel="email")
    survey = event("survey.answered", customer_id=customer, channel="email")
    append(api, [chat, mail, survey])
    by_channel = get(api, f"/v1/customers/{customer}/timeline", channel="email").json()
    by_type = get(api, f"/v1/customers/{customer}/timeline", type="survey.answered").json()
    assert [e["id"] for e in by_channel["events"]] == [mail["id"], survey["id"]]
    assert [e["id"] for e in by_type["events"]] == [survey["id"]]


def test_pii_is_shown_only_with_the_pii_scope(api: Api) -> None:
    customer = unique("c")
    append(api, [event(customer_id=customer, pii={"body": "my card is blocked"})])
    plain = get(api, f"/v1/customers/{customer}/timeline", "reader").json()["events"][0]
    clear = get(api, f"/v1/customers/{customer}/timeline", "pii").json()["events"][0]
    assert "pii" not in plain
    assert clear["pii"] == {"body": "my card is blocked"}


def test_erasure_leaves_the_timeline_and_reads_pii_as_erased(api: Api) -> None:
    customer = unique("c")
    append(api, [event(customer_id=customer, pii={"body": "secret"})])
    with api.client("admin") as client:
        erased = client.delete(f"/v1/customers/{customer}/personal-data").json()
        again = client.delete(f"/v1/customers/{customer}/personal-data").json()
    events = get(api, f"/v1/customers/{customer}/timeline", "pii").json()["events"]
    assert erased["erased"] is True and again["erased"] is False
    assert events[0]["pii"] == {"body": "[erased]"}
    assert events[-1]["type"] == "personal_data.erased"
    verified = get(api, f"/v1/audit/customers/{customer}/verify", "auditor").json()
    assert verified == {"ok": True, "events": 2, "first_bad_position": None}


def test_as_of_hides_what_was_recorded_later(api: Api) -> None:
    customer = unique("c")
    append(api, [event(customer_id=customer, occurred_at="2026-03-02T08:00:00Z")])
    between = datetime.now(UTC).isoformat()
    append(api, [event(customer_id=customer, occurred_at="2026-03-01T08:00:00Z")])
    then = get(api, f"/v1/customers/{customer}/timeline", as_of=between).json()["events"]
    now = get(api, f"/v1/customers/{customer}/timeline").json()["events"]
    assert len(then) == 1 and len(now) == 2
    before_any = get(api, f"/v1/customers/{customer}/contacts", as_of="2020-01-01T00:00:00Z")
    assert before_any.status_code == 404


def test_unknown_customers_and_cases_are_404_problems(api: Api) -> None:
    for path in (
        "/v1/customers/nobody/timeline",
        "/v1/customers/nobody/cases",
        "/v1/customers/nobody/contacts",
        "/v1/cases/no-case",
    ):
        answer = get(api, path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "application/problem+json"


def test_bad_parameters_are_422_naming_the_parameter(api: Api) -> None:
    cases = {
        "limit": {"limit": 1001},
        "as_of": {"as_of": "2026-03-02T10:00:00"},  # no offset
        "cursor": {"cursor": "bm90LWEtY3Vyc29y"},
        "window": {"window": "7y"},
        "window ": {"window": "99999999h"},  # over the 10-year bound
    }
    for name, params in cases.items():
        path = "/v1/metrics/repeat-contacts" if "window" in name else "/v1/customers/c-x/timeline"
        answer = get(api, path, **params)
        assert answer.status_code == 422, name
        assert name.strip() in {e["field"] for e in answer.json()["errors"]}, answer.json()


def test_case_and_contacts_now_come_from_projections_after_the_write(api: Api) -> None:
    customer, case = unique("c"), unique("case")
    positions = append(
        api,
        [
            event(
                "case.opened",
                customer_id=customer,
                case_id=case,
                occurred_at="2026-03-02T09:00:00Z",
            ),
            event(customer_id=customer, case_id=case, occurred_at="2026-03-02T09:01:00Z"),
            event(customer_id=customer, channel="phone", occurred_at="2026-03-02T10:00:00Z"),
            event(
                "case.status_changed",
                customer_id=customer,
                case_id=case,
                occurred_at="2026-03-02T11:00:00Z",
            ),
        ],
    )
    after = positions[-1]
    now = get(api, f"/v1/cases/{case}", after=after).json()
    replayed = get(api, f"/v1/cases/{case}", as_of=datetime.now(UTC).isoformat()).json()
    listed = get(api, f"/v1/customers/{customer}/cases", after=after).json()["cases"]
    counts = get(api, f"/v1/customers/{customer}/contacts", after=after).json()
    assert now["status"] == "resolved" and now["first_contact_resolution"] is True
    assert {k: v for k, v in now.items() if k != "sla"} == {
        k: v for k, v in replayed.items() if k != "sla"
    }
    assert listed == [now]
    assert counts == {
        "customer_id": customer,
        "resolved_id": customer,
        "window_seconds": 604800,
        "inbound_contacts": 2,
        "repeat_contacts": 1,
        "channel_switches": 1,
        "abandoned": 0,
    }


def test_figures_and_projection_status_answer_in_their_shapes(api: Api) -> None:
    customer = unique("c")
    position = append(
        api,
        [
            event(
                "survey.answered",
                customer_id=customer,
                occurred_at="2026-03-03T09:00:00Z",
                data={"csat": 4, "nps": 10},
            )
        ],
    )[0]
    satisfaction = get(
        api,
        "/v1/metrics/satisfaction",
        after=position,
        **{"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"},
    ).json()
    repeat = get(api, "/v1/metrics/repeat-contacts", window="24h").json()
    fcr = get(api, "/v1/metrics/first-contact-resolution").json()
    breaches = get(api, "/v1/sla/breaches", limit=1).json()
    projections = get(api, "/v1/projections", "admin").json()["projections"]
    (chat,) = satisfaction["channels"]
    assert (chat["csat_responses"], chat["csat"], chat["nps"]) == (1, 1.0, 100.0)
    assert isinstance(repeat["days"], list) and isinstance(fcr["channels"], list)
    assert set(breaches) == {"breaches", "next_cursor"}
    assert {p["name"] for p in projections} >= {"cases_v1", "contacts_v2", "surveys_v1"}
    assert all(p["position"] >= position for p in projections)
