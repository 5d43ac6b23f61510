"""The e2e tests' data: one customer's journey told in three recordings, a case
due soon, and a generated background for the dashboard.

Alice calls (phone case resolved first time), gives up on a chat, writes on
chat again (a repeat contact and channel switch; an urgent case handed from
one agent to another and answered late: a first-response breach), answers a
survey, then e-mails. The e-mail's reply, its resolution and a self-service
visit from the day before are synced late, in a third recording."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from journey.demo.generator import generate

ALICE = "e2e-alice"
BEA = "e2e-bea"
PHONE_BODY = "My router keeps dropping the line."


def _event(
    number: int, kind: str, at: datetime, customer: str = ALICE, **fields: Any
) -> dict[str, Any]:
    return {
        "id": f"{customer}-{number:02d}",
        "type": kind,
        "customer_id": customer,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
    }


def alice_recordings(now: datetime) -> list[list[dict[str, Any]]]:
    t = (now - timedelta(days=10)).replace(minute=0, second=0, microsecond=0)
    m, d = timedelta(minutes=1), timedelta(days=1)
    history = [
        _event(
            1,
            "contact.inbound",
            t,
            channel="phone",
            case_id="c-phone",
            pii={"body": PHONE_BODY, "phone": "+7 900 000-00-01"},
        ),
        _event(2, "case.opened", t + m, channel="phone", case_id="c-phone"),
        _event(3, "case.assigned", t + 2 * m, case_id="c-phone", agent_id="agent-ann"),
        _event(
            4,
            "reply.outbound",
            t + 10 * m,
            channel="phone",
            case_id="c-phone",
            agent_id="agent-ann",
        ),
        _event(
            5, "case.status_changed", t + 20 * m, case_id="c-phone", data={"status": "resolved"}
        ),
        _event(6, "contact.inbound", t + d, channel="chat", data={"abandoned": True}),
        _event(
            7,
            "contact.inbound",
            t + d + 5 * m,
            channel="chat",
            case_id="c-chat",
            pii={"body": "Still dropping, the second time I write."},
        ),
        _event(
            8,
            "case.opened",
            t + d + 6 * m,
            channel="chat",
            case_id="c-chat",
            data={"priority": "urgent"},
        ),
        _event(9, "case.assigned", t + d + 7 * m, case_id="c-chat", agent_id="agent-ann"),
        _event(10, "case.assigned", t + d + 40 * m, case_id="c-chat", agent_id="agent-bob"),
        _event(
            11,
            "reply.outbound",
            t + d + 45 * m,
            channel="chat",
            case_id="c-chat",
            agent_id="agent-bob",
        ),
        _event(
            12, "case.status_changed", t + d + 50 * m, case_id="c-chat", data={"status": "resolved"}
        ),
        _event(
            13,
            "survey.answered",
            t + d + 120 * m,
            channel="chat",
            case_id="c-chat",
            data={"csat": 2, "nps": 3, "ces": 6},
        ),
    ]
    later = [
        _event(
            14,
            "contact.inbound",
            t + 3 * d,
            channel="email",
            case_id="c-email",
            pii={"subject": "Refund", "body": "Please refund the modem."},
        ),
        _event(15, "case.opened", t + 3 * d + m, channel="email", case_id="c-email"),
        _event(16, "case.assigned", t + 3 * d + 2 * m, case_id="c-email", agent_id="agent-cy"),
    ]
    synced_late = [
        _event(
            17,
            "reply.outbound",
            t + 3 * d + 30 * m,
            channel="email",
            case_id="c-email",
            agent_id="agent-cy",
        ),
        _event(
            18,
            "case.status_changed",
            t + 3 * d + 60 * m,
            case_id="c-email",
            data={"status": "resolved"},
        ),
        _event(
            19,
            "self_service.used",
            t + 2 * d,
            channel="web",
            data={"article_id": "kb-7", "helpful": False},
        ),
    ]
    return [history, later, synced_late]


def due_soon(now: datetime) -> list[dict[str, Any]]:
    """Bea's urgent chat, opened a minute ago and not answered: due within hours."""
    at = now - timedelta(minutes=1)
    return [
        _event(1, "contact.inbound", at, BEA, channel="chat", case_id="c-bea"),
        _event(
            2, "case.opened", at, BEA, channel="chat", case_id="c-bea", data={"priority": "urgent"}
        ),
    ]


def background(now: datetime) -> list[dict[str, Any]]:
    """A few weeks of generated history for the dashboard, ending an hour ago."""
    cut = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = now - timedelta(days=27)
    return [
        e for e in generate(150, start, 26, seed=3, business_hours=True) if e["occurred_at"] <= cut
    ]
