"""Realistic generated histories for the demo, the benchmarks and the tests.

Customers contact the centre over several channels; most contacts open a case
that is assigned, answered (sometimes late, sometimes by a second agent),
resolved, now and then reopened by the customer, and followed by a survey.
Deterministic for a given seed. With `business_hours`, most contacts arrive on
weekdays in the default office calendar's hours (09:00-18:00 Moscow, 06:00-15:00
UTC), so business-time SLA clocks stop overnight and the demo looks like a
working contact centre. Customers link identities; some are a CRM's second
record of one person, a few of them merged (journey.demo.people)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from journey.demo.people import People

CONTACT_CHANNELS = ("phone", "email", "chat", "social", "messenger", "sms")
AGENTS = tuple(f"agent-{n:02d}" for n in range(1, 25))
FIRST_NAMES = ("Anna", "Boris", "Chen", "Dana", "Elif", "Femi", "Goran", "Hana", "Ivan", "Jana")


def generate(
    customers: int,
    start: datetime = datetime(2026, 9, 1, tzinfo=UTC),
    days: int = 42,
    seed: int = 7,
    cases_per_customer: float = 2.0,
    business_hours: bool = False,
    identities: bool = True,
) -> Iterator[dict[str, Any]]:
    """Events of `customers` customers over `days`, customer by customer; with
    `identities`, their identities, duplicate records and merges (`people`)."""
    rng = random.Random(seed)
    moment = _business_moment if business_hours else _any_moment
    people = People(seed, start + timedelta(days=days))
    for number in range(customers):
        customer = f"cust-{seed}-{number:07d}"
        events = list(_customer(rng, customer, start, days, cases_per_customer, moment))
        yield from events
        if identities:
            yield from people.identities(customer, events)


def _any_moment(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(minutes=rng.randrange(days * 24 * 60))


def _business_moment(rng: random.Random, start: datetime, days: int) -> datetime:
    """Mostly weekdays 06:00-15:00 UTC; one contact in seven at any hour."""
    while True:
        at = _any_moment(rng, start, days)
        if (at.weekday() < 5 and 6 <= at.hour < 15) or rng.random() < 0.15:
            return at


def _customer(
    rng: random.Random,
    customer: str,
    start: datetime,
    days: int,
    cases: float,
    moment: Callable[[random.Random, datetime, int], datetime],
) -> Iterator[dict[str, Any]]:
    name = rng.choice(FIRST_NAMES)
    pii = {
        "name": f"{name} {customer[-4:]}",
        "email": f"{name.lower()}.{customer[-4:]}@example.org",
    }
    count = max(1, round(rng.expovariate(1 / cases)))
    for case_number in range(count):
        at = moment(rng, start, days)
        yield from _case(rng, customer, f"{customer}-case-{case_number}", at, pii)
    if rng.random() < 0.3:
        at = moment(rng, start, days)
        yield demo_event(
            customer,
            f"{customer}-ss",
            "self_service.used",
            at,
            channel="web",
            data={"article_id": f"kb-{rng.randrange(200)}", "helpful": rng.random() < 0.6},
        )


def _case(
    rng: random.Random, customer: str, case: str, at: datetime, pii: dict[str, str]
) -> Iterator[dict[str, Any]]:
    channel = rng.choice(CONTACT_CHANNELS)
    if channel in ("chat", "phone") and rng.random() < 0.08:
        yield demo_event(
            customer,
            f"{case}-abandoned",
            "contact.inbound",
            at - timedelta(minutes=3),
            channel=channel,
            case_id=case,
            data={"abandoned": True},
        )
    body = {**pii, "body": f"Hello, my order {rng.randrange(10**6)} has not arrived."}
    yield demo_event(
        customer, f"{case}-in-0", "contact.inbound", at, channel=channel, case_id=case, pii=body
    )
    priority = rng.choices(("low", "normal", "high", "urgent"), (2, 6, 2, 1))[0]
    yield demo_event(
        customer,
        f"{case}-open",
        "case.opened",
        at + timedelta(seconds=30),
        channel=channel,
        case_id=case,
        data={"priority": priority},
    )
    agent = rng.choice(AGENTS)
    at += timedelta(minutes=rng.randrange(1, 30))
    yield demo_event(customer, f"{case}-assign", "case.assigned", at, case_id=case, agent_id=agent)
    contacts = 1
    for reply in range(rng.choice((1, 1, 1, 2, 3))):
        at += timedelta(minutes=rng.expovariate(1 / (20 if channel == "chat" else 300)))
        if reply and rng.random() < 0.3:
            new_agent = rng.choice(AGENTS)
            yield demo_event(
                customer,
                f"{case}-handoff-{reply}",
                "case.assigned",
                at,
                case_id=case,
                agent_id=new_agent,
            )
            agent = new_agent
        yield demo_event(
            customer,
            f"{case}-reply-{reply}",
            "reply.outbound",
            at,
            channel=channel,
            case_id=case,
            agent_id=agent,
            pii={"body": "Thanks, we are on it."},
        )
        if rng.random() < 0.35:
            at += timedelta(hours=rng.expovariate(1 / 6))
            follow = rng.choice((channel, channel, rng.choice(CONTACT_CHANNELS)))
            yield demo_event(
                customer,
                f"{case}-in-{contacts}",
                "contact.inbound",
                at,
                channel=follow,
                case_id=case,
                pii={"body": "Any news? This is my second message."},
            )
            contacts += 1
    if rng.random() < 0.85:
        at += timedelta(hours=rng.expovariate(1 / 10))
        yield demo_event(
            customer,
            f"{case}-resolved",
            "case.status_changed",
            at,
            case_id=case,
            data={"status": "resolved"},
        )
        if rng.random() < 0.1:
            at += timedelta(days=1)
            yield demo_event(
                customer,
                f"{case}-reopen",
                "contact.inbound",
                at,
                channel=channel,
                case_id=case,
                pii={"body": "It is broken again."},
            )
            at += timedelta(hours=3)
            yield demo_event(
                customer,
                f"{case}-resolved-2",
                "case.status_changed",
                at,
                case_id=case,
                data={"status": "resolved"},
            )
        if rng.random() < 0.4:
            yield demo_event(
                customer,
                f"{case}-survey",
                "survey.answered",
                at + timedelta(hours=1),
                channel=channel,
                case_id=case,
                data=_survey(rng),
            )


def _survey(rng: random.Random) -> dict[str, int]:
    answer = {"csat": rng.choices((1, 2, 3, 4, 5), (1, 1, 2, 4, 5))[0]}
    if rng.random() < 0.6:
        answer["nps"] = rng.choices(range(11), (1, 1, 1, 1, 1, 2, 2, 3, 4, 5, 5))[0]
    if rng.random() < 0.4:
        answer["ces"] = rng.randint(1, 7)
    return answer


def demo_event(
    customer: str, event_id: str, kind: str, at: datetime, **fields: Any
) -> dict[str, Any]:
    event = {
        "id": event_id,
        "type": kind,
        "customer_id": customer,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    event.update({k: v for k, v in fields.items() if v is not None})
    return event
