"""The e2e tests' persons (SPEC 10): Pat's CRM record merged into Pat, a shop
account sharing Pat's e-mail (a duplicate candidate); Quinn and a second
record of Quinn sharing a phone number, for the page to merge and unmerge."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PAT, PAT_CRM, PAT_SHOP = "e2e-pat", "e2e-pat-crm", "e2e-pat-shop"
QUINN, QUINN_2 = "e2e-quinn", "e2e-quinn-2"
PAT_EMAIL = "pat@example.org"


def _event(event_id: str, kind: str, customer: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": kind,
        "customer_id": customer,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
    }


def _link(event_id: str, customer: str, at: datetime, kind: str, value: str) -> dict[str, Any]:
    return _event(
        event_id, "identity.linked", customer, at, data={"kind": kind}, pii={"value": value}
    )


def _contact(event_id: str, customer: str, at: datetime, channel: str) -> dict[str, Any]:
    return _event(event_id, "contact.inbound", customer, at, channel=channel)


def persons(now: datetime) -> list[dict[str, Any]]:
    t = (now - timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    h = timedelta(hours=1)
    return [
        _link("pat-1", PAT, t, "email", PAT_EMAIL),
        _link("pat-2", PAT, t, "phone", "+7 912 000-11-22"),
        _contact("pat-3", PAT, t + h, "phone"),
        _link("pat-crm-1", PAT_CRM, t + 2 * h, "phone", "+79120001122"),
        _contact("pat-crm-2", PAT_CRM, t + 3 * h, "email"),
        _event("pat-crm-3", "customer.merged", PAT_CRM, t + 4 * h, data={"into": PAT}),
        _link("pat-shop-1", PAT_SHOP, t + 5 * h, "email", "PAT@example.org"),
        _contact("pat-shop-2", PAT_SHOP, t + 6 * h, "chat"),
        _link("quinn-1", QUINN, t, "phone", "+7 913 555-00-00"),
        _contact("quinn-2", QUINN, t + h, "phone"),
        _link("quinn-2-1", QUINN_2, t + 2 * h, "phone", "+79135550000"),
        _contact("quinn-2-2", QUINN_2, t + 3 * h, "sms"),
        _contact("quinn-2-3", QUINN_2, t + 4 * h, "chat"),
    ]
