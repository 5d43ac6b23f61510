"""Event factories for tests: valid SPEC 2 events with overridable fields."""

from __future__ import annotations

import itertools
from typing import Any

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
    }
    return {**base, **defaults[kind], **fields}
