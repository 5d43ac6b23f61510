"""The read side's view of one stored event: everything a fold needs, no pii.

Projections and bitemporal replays both turn stored events into `Fact`s and
hand lists of them to the pure folds (`journey.cases`, `journey.contacts`,
`journey.sla`), so a replay and a projection can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from journey.events import TYPE_BY_TOPIC

CHANNELS = (
    "phone",
    "email",
    "chat",
    "social",
    "messenger",
    "sms",
    "web",
    "mobile_app",
    "in_person",
)
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending_customer", "on_hold", "resolved", "closed")


@dataclass(frozen=True, slots=True)
class Fact:
    """One event as the folds see it. `occurred_at` is timezone-aware (UTC)."""

    position: int
    type: str
    customer_id: str
    occurred_at: datetime
    channel: str | None = None
    case_id: str | None = None
    agent_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def order_key(self) -> tuple[datetime, int]:
        """SPEC 2.3: every figure folds events in (occurred_at, position) order."""
        return (self.occurred_at, self.position)

    @property
    def is_abandoned_contact(self) -> bool:
        return self.type == "contact.inbound" and bool(self.data.get("abandoned", False))


def in_order(facts: list[Fact]) -> list[Fact]:
    return sorted(facts, key=lambda f: f.order_key)


def fact_from_stored(position: int, customer_id: str, topic: str, state: bytes) -> Fact:
    """Decode a stored event (as the recorder wrote it) into a Fact, without its pii."""
    body = orjson.loads(state)
    return Fact(
        position=position,
        type=TYPE_BY_TOPIC[topic],
        customer_id=customer_id,
        occurred_at=datetime.fromisoformat(body["timestamp"]),
        channel=body.get("channel"),
        case_id=body.get("case_id"),
        agent_id=body.get("agent_id"),
        data=body.get("data") or {},
    )
