"""The read side's view of one stored event: everything a fold needs, no pii.

Projections and bitemporal replays both turn stored events into `Fact`s and
hand lists of them to the pure folds (`journey.cases`, `journey.contacts`,
`journey.sla`), so a replay and a projection can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

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
NO_DATA: Mapping[str, Any] = MappingProxyType({})


class Fact(NamedTuple):
    """One event as the folds see it. `occurred_at` is timezone-aware (UTC).
    Immutable; a named tuple because a rebuild makes one per stored event."""

    position: int
    type: str
    customer_id: str
    occurred_at: datetime
    channel: str | None = None
    case_id: str | None = None
    agent_id: str | None = None
    data: Mapping[str, Any] = NO_DATA

    @property
    def order_key(self) -> tuple[datetime, int]:
        """SPEC 2.3: every figure folds events in (occurred_at, position) order."""
        return (self.occurred_at, self.position)

    @property
    def is_abandoned_contact(self) -> bool:
        return self.type == "contact.inbound" and bool(self.data.get("abandoned", False))


_ORDER_KEY = attrgetter("occurred_at", "position")


def in_order(facts: list[Fact]) -> list[Fact]:
    return sorted(facts, key=_ORDER_KEY)


def fact_from_stored(position: int, customer_id: str, topic: str, state: bytes) -> Fact:
    """Decode a stored event (as the recorder wrote it) into a Fact, without its pii."""
    body = orjson.loads(state)
    get = body.get
    return Fact(
        position,
        TYPE_BY_TOPIC[topic],
        customer_id,
        datetime.fromisoformat(body["timestamp"]),
        get("channel"),
        get("case_id"),
        get("agent_id"),
        get("data") or NO_DATA,
    )
