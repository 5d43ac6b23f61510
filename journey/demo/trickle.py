"""The demo's live trickle: a few new touchpoints at a time, so the live feed,
the projections' lag and the as_of replays visibly move while the demo runs.

Each call to `Trickle.next` gives one step: a new contact opening a case (now
and then an e-mail synced late, which occurred minutes before it is recorded),
or the next step of a case the trickle opened earlier (assigned, answered,
resolved). Every third new contact is the showcase customer's, so the page the
demo opens changes too. Deterministic for a given seed and clock."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from journey.demo.generator import AGENTS, demo_event

LIVE_CHANNELS = ("chat", "phone", "messenger", "sms", "social")
LATE_EMAIL = 0.3  # share of new contacts that are e-mails synced late
LATE_MINUTES = (5, 90)  # how much earlier than now a late e-mail occurred


@dataclass
class _OpenCase:
    customer: str
    case: str
    channel: str
    agent: str | None = None
    replies: int = 0


class Trickle:
    def __init__(self, customers: Sequence[str], showcase: str, tag: str, seed: int = 7) -> None:
        if not customers:
            raise ValueError("the trickle needs at least one customer")
        self._customers = customers
        self._showcase = showcase
        self._tag = tag  # makes event ids unique across demo runs
        self._rng = random.Random(seed)
        self._open: list[_OpenCase] = []
        self._contacts = 0
        self._steps = 0

    def next(self, now: datetime) -> list[dict[str, Any]]:
        """The events of one step, none later than `now`."""
        self._steps += 1
        if self._open and self._rng.random() < 0.5:
            return self._progress(self._rng.choice(self._open), now)
        return self._contact(now)

    def _contact(self, now: datetime) -> list[dict[str, Any]]:
        self._contacts += 1
        rng = self._rng
        showcase = self._contacts % 3 == 1
        customer = self._showcase if showcase else rng.choice(self._customers)
        case = f"{customer}-live-{self._tag}-{self._contacts}"
        if rng.random() < LATE_EMAIL:
            channel, at = "email", now - timedelta(minutes=rng.uniform(*LATE_MINUTES))
        else:
            channel, at = rng.choice(LIVE_CHANNELS), now
        self._open.append(_OpenCase(customer, case, channel))
        body = {"body": "Hello, I am writing about my order again."}
        priority = rng.choices(("low", "normal", "high", "urgent"), (2, 6, 2, 1))[0]
        return [
            demo_event(
                customer,
                f"{case}-in",
                "contact.inbound",
                at,
                channel=channel,
                case_id=case,
                pii=body,
            ),
            demo_event(
                customer,
                f"{case}-open",
                "case.opened",
                at,
                channel=channel,
                case_id=case,
                data={"priority": priority},
            ),
        ]

    def _progress(self, open_case: _OpenCase, now: datetime) -> list[dict[str, Any]]:
        c = open_case
        step = f"{c.case}-{self._steps}"
        if c.agent is None:
            c.agent = self._rng.choice(AGENTS)
            return [
                demo_event(c.customer, step, "case.assigned", now, case_id=c.case, agent_id=c.agent)
            ]
        if c.replies == 0 or self._rng.random() < 0.3:
            c.replies += 1
            return [
                demo_event(
                    c.customer,
                    step,
                    "reply.outbound",
                    now,
                    channel=c.channel,
                    case_id=c.case,
                    agent_id=c.agent,
                    pii={"body": "Thanks, we are on it."},
                )
            ]
        self._open.remove(c)
        return [
            demo_event(
                c.customer,
                step,
                "case.status_changed",
                now,
                case_id=c.case,
                data={"status": "resolved"},
            )
        ]
