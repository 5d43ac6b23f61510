"""Event factories for tests: valid SPEC 2 events with overridable fields."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from journey.vocabulary.terms import IDENTITY_KINDS, PRIORITIES, STATUSES

_ids = itertools.count(1)


def event(kind: str = "contact.inbound", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"ev-{next(_ids)}",
        "type": kind,
        "customer_id": "cust-1",
        "occurred_at": "2026-03-02T10:00:00Z",
    }
    defaults: dict[str, dict[str, Any]] = {
        "contact.inbound": {"channel": "chat"},
        "reply.outbound": {"channel": "chat", "case_id": "case-1", "agent_id": "agent-1"},
        "case.opened": {"channel": "chat", "case_id": "case-1"},
        "case.assigned": {"case_id": "case-1", "agent_id": "agent-1"},
        "case.status_changed": {"case_id": "case-1", "data": {"status": "resolved"}},
        "case.priority_changed": {"case_id": "case-1", "data": {"priority": "high"}},
        "survey.answered": {"channel": "chat", "data": {"csat": 5}},
        "self_service.used": {"channel": "web", "data": {"article_id": "kb-1"}},
        "identity.linked": {"data": {"kind": "email"}, "pii": {"value": "anna@example.com"}},
        "identity.unlinked": {"data": {"kind": "email"}, "pii": {"value": "anna@example.com"}},
        "customer.merged": {"data": {"into": "cust-2"}},
        "customer.unmerged": {},
    }
    return {**base, **defaults[kind], **fields}


def linked(customer: str, value: str, kind: str = "phone", **fields: Any) -> dict[str, Any]:
    """`customer` links identity `value` of `kind` (SPEC 10.1)."""
    return _identity("identity.linked", customer, value, kind, fields)


def unlinked(customer: str, value: str, kind: str = "phone", **fields: Any) -> dict[str, Any]:
    """`customer` unlinks identity `value` of `kind`."""
    return _identity("identity.unlinked", customer, value, kind, fields)


def _identity(
    type_: str, customer: str, value: str, kind: str, fields: dict[str, Any]
) -> dict[str, Any]:
    return event(type_, customer_id=customer, data={"kind": kind}, pii={"value": value}, **fields)


IDENTIFIERS = st.from_regex(r"\A[A-Za-z0-9._:@/-]{1,24}\Z")
_DATA: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "contact.inbound": st.fixed_dictionaries({}, optional={"abandoned": st.booleans()}),
    "reply.outbound": st.just({}),
    "case.opened": st.fixed_dictionaries({}, optional={"priority": st.sampled_from(PRIORITIES)}),
    "case.assigned": st.just({}),
    "case.status_changed": st.fixed_dictionaries({"status": st.sampled_from(STATUSES)}),
    "case.priority_changed": st.fixed_dictionaries({"priority": st.sampled_from(PRIORITIES)}),
    "survey.answered": st.fixed_dictionaries(
        {},
        optional={
            "csat": st.integers(1, 5),
            "nps": st.integers(0, 10),
            "ces": st.integers(1, 7),
        },
    ).filter(bool),
    "self_service.used": st.fixed_dictionaries(
        {"article_id": st.text(min_size=1, max_size=12)}, optional={"helpful": st.booleans()}
    ),
    "identity.linked": st.fixed_dictionaries({"kind": st.sampled_from(IDENTITY_KINDS)}),
    "identity.unlinked": st.fixed_dictionaries({"kind": st.sampled_from(IDENTITY_KINDS)}),
    "customer.merged": st.fixed_dictionaries({"into": IDENTIFIERS}),
    "customer.unmerged": st.just({}),
}
_IDENTITY_VALUES = {
    "phone": ["+7 912 345-67-89", "+12025550143"],
    "email": ["anna@example.com", " Anna.K@Example.COM"],
    "handle": ["Telegram:@Anna_K", "x:y"],
    "device": ["dev-1", "Ä b"],
}


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    """Any valid SPEC 2 event: every type, any Unicode text where text is free,
    instants in any zone with or without a fraction."""
    kind = draw(st.sampled_from(sorted(_DATA)))
    instant = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2026, 3, 1),
            timezones=st.sampled_from(
                [UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=9, minutes=30))]
            ),
        )
    )
    fields: dict[str, Any] = {
        "id": draw(IDENTIFIERS),
        "customer_id": draw(IDENTIFIERS),
        "occurred_at": instant.isoformat(),
        "data": draw(_DATA[kind]),
    }
    for name in ("case_id", "agent_id"):  # else as `event` has them: absent where optional
        if draw(st.booleans()):
            fields[name] = draw(IDENTIFIERS)
    if draw(st.booleans()):
        fields["pii"] = draw(
            st.dictionaries(
                st.from_regex(r"\A[A-Za-z0-9_.-]{1,10}\Z"), st.text(max_size=20), max_size=4
            )
        )
    if kind.startswith("identity."):
        value = draw(st.sampled_from(_IDENTITY_VALUES[fields["data"]["kind"]]))
        fields["pii"] = {**fields.get("pii", {}), "value": value}
    if kind == "customer.merged" and fields["data"]["into"] == fields["customer_id"]:
        fields["data"] = {"into": fields["customer_id"] + "-other"}  # never its own
    return event(kind, **fields)
