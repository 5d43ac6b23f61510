"""SPEC 7 erasure by crypto-shredding, and the access export: pii reads as erased,
everything else (timeline, chain, figures) stays identical."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from journey.ingest.ports import EventConflict
from journey.integrity.audit import AuditService, UnknownCustomer
from journey.runtime import Runtime
from journey.stored.crypto import ERASED
from tests.factories import event

JOURNEY = [
    event("contact.inbound", id="j-1", case_id="case-1", pii={"body": "my router is broken"}),
    event("case.opened", id="j-2", occurred_at="2026-03-02T10:01:00Z"),
    event(
        "reply.outbound",
        id="j-3",
        occurred_at="2026-03-02T10:05:00Z",
        pii={"body": "Hello Anna, try a restart"},
    ),
    event(
        "contact.inbound",
        id="j-4",
        channel="phone",
        case_id="case-1",
        occurred_at="2026-03-03T09:00:00Z",
        pii={"phone": "+7 900 000 00 00"},
    ),
    event("case.status_changed", id="j-5", occurred_at="2026-03-03T09:30:00Z"),
    event("survey.answered", id="j-6", occurred_at="2026-03-03T10:00:00Z"),
    event(customer_id="someone-else", id="j-7", pii={"body": "not erased"}),
]


@pytest.fixture
def audit(store: Runtime) -> AuditService:
    store.ingestor.append(JOURNEY)
    return store.audit_service()


def without_pii(document: dict[str, Any]) -> dict[str, Any]:
    """The export minus what erasure may change: pii values, the erasure's own records."""
    kept = {
        k: v
        for k, v in document.items()
        if k not in ("exported_at", "personal_data_key", "erasures", "chain")
    }
    kept["events"] = [
        {**e, "pii": sorted(e["pii"]) if e["pii"] else None}
        for e in document["events"]
        if e["type"] != "personal_data.erased"
    ]
    return kept


def test_the_export_holds_events_with_pii_cases_figures_and_key(audit: AuditService) -> None:
    document = audit.export("cust-1")
    assert [e["id"] for e in document["events"]] == ["j-1", "j-2", "j-3", "j-4", "j-5", "j-6"]
    assert document["events"][2]["pii"] == {"body": "Hello Anna, try a restart"}
    (case,) = document["cases"]
    assert (case["case_id"], case["status"], case["inbound_contacts"]) == ("case-1", "resolved", 2)
    assert document["contacts"]["inbound_contacts"] == 2
    assert document["personal_data_key"]["state"] == "active"
    assert document["chain"] == {"ok": True, "events": 6, "first_bad_position": None}
    assert document["erasures"] == []


def test_erasure_leaves_everything_but_pii_identical(audit: AuditService) -> None:
    before = audit.export("cust-1")
    result = audit.erase("cust-1", by="dpo@example.org", reason="ticket DSR-12")
    after = audit.export("cust-1")
    assert result.erased_now and result.event_id == "erasure:cust-1:1" and result.position == 8
    assert without_pii(after) == without_pii(before)
    assert after["events"][0]["pii"] == {"body": ERASED}
    assert after["events"][3]["pii"] == {"phone": ERASED}
    assert after["personal_data_key"]["state"] == "erased"
    assert after["chain"] == {"ok": True, "events": 7, "first_bad_position": None}
    assert audit.verify_store().ok
    assert audit.export("someone-else")["events"][0]["pii"] == {"body": "not erased"}


def test_the_erasure_event_records_who_when_and_why_without_pii(audit: AuditService) -> None:
    audit.erase("cust-1", by="dpo@example.org", reason="ticket DSR-12")
    (erasure,) = audit.export("cust-1")["erasures"]
    assert erasure["erased_by"] == "dpo@example.org"
    assert erasure["reason"] == "ticket DSR-12"
    assert erasure["position"] == 8
    assert erasure["erased_at"] and erasure["key_erased_at"]
    (stored,) = [e for e in audit.export("cust-1")["events"] if e["type"] == "personal_data.erased"]
    assert (stored["id"], stored["pii"]) == ("erasure:cust-1:1", None)


def test_a_second_erasure_changes_nothing_and_says_so(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    first = audit.erase("cust-1", by="dpo", reason="request")
    again = audit.erase("cust-1", by="someone", reason="again")
    assert not again.erased_now
    assert (again.event_id, again.position) == (first.event_id, first.position)
    assert admin.execute("SELECT count(*) FROM journey_events").fetchone() == (8,)


def test_an_erasure_interrupted_before_its_event_is_completed_by_the_next(
    audit: AuditService, store: Runtime
) -> None:
    store.keys.destroy("cust-1")  # as if the process died right after destroying the key
    result = audit.erase("cust-1", by="dpo", reason="retry")
    assert result.erased_now and result.event_id == "erasure:cust-1:1"


def test_pii_sent_after_an_erasure_uses_a_new_key_and_can_be_erased_again(
    audit: AuditService, store: Runtime
) -> None:
    audit.erase("cust-1", by="dpo", reason="first")
    store.ingestor.append([event(id="later-1", pii={"body": "new text"})])
    assert pii_of(audit, "later-1") == {"body": "new text"}
    second = audit.erase("cust-1", by="dpo", reason="second")
    assert (second.erased_now, second.event_id) == (True, "erasure:cust-1:2")
    assert pii_of(audit, "later-1") == {"body": ERASED}


def pii_of(audit: AuditService, event_id: str) -> Any:
    (found,) = [e for e in audit.export("cust-1")["events"] if e["id"] == event_id]
    return found["pii"]


def test_re_sending_an_old_event_after_erasure_is_a_conflict(
    audit: AuditService, store: Runtime
) -> None:
    audit.erase("cust-1", by="dpo", reason="request")
    with pytest.raises(EventConflict):
        store.ingestor.append([JOURNEY[0]])


def test_unknown_customers_cannot_be_erased_or_exported(audit: AuditService) -> None:
    with pytest.raises(UnknownCustomer):
        audit.erase("nobody", by="dpo", reason="request")
    with pytest.raises(UnknownCustomer):
        audit.export("nobody")


def test_erasure_needs_to_know_who(audit: AuditService) -> None:
    with pytest.raises(ValueError, match="by"):
        audit.erase("cust-1", by=" ", reason="request")
