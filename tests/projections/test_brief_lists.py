"""SPEC 11's lists and empty fields, each read both "now" from the projections and
replayed (`brief` checks they agree): the order of `open_cases`, `recent_cases`
and `recent_messages` across merged streams, where a closed case goes (SPEC 3:
its `resolved_at` is when it was resolved, or closed without passing through
resolved), and `last_contact`/`last_survey` null when there is none. Events
arrive out of their occurred order, so position order differs from theirs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from journey.runtime import Runtime
from tests.factories import event
from tests.projections.brief_helpers import brief

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def ago(span: timedelta) -> str:
    return (AT - span).isoformat()


def append(store: Runtime, *events: dict[str, Any]) -> dict[int, str]:
    """Store the events; their ids by position."""
    return {r.position: r.id for r in store.ingestor.append(list(events))}


def merged(source: str, into: str) -> dict[str, Any]:
    return event(
        "customer.merged", customer_id=source, occurred_at=ago(DAY * 60), data={"into": into}
    )


def status(customer: str, case: str, value: str, days: float) -> dict[str, Any]:
    return event(
        "case.status_changed",
        customer_id=customer,
        case_id=case,
        occurred_at=ago(DAY * days),
        data={"status": value},
    )


def opened(customer: str, case: str, days: float) -> dict[str, Any]:
    return event("case.opened", customer_id=customer, case_id=case, occurred_at=ago(DAY * days))


def test_open_cases_latest_opened_first_and_recent_cases_latest_resolved_first(
    store: Runtime,
) -> None:
    """Open cases by `opened_at`, recent ones by `resolved_at`, over both streams."""
    append(
        store,
        merged("b", "a"),
        opened("a", "o-oldest", 5),
        opened("a", "o-newest", 1),
        event(customer_id="b", case_id="o-middle", occurred_at=ago(DAY * 3)),  # opens it implicitly
        status("a", "o-oldest", "pending_customer", 0.5),
        # opened in the reverse order of their resolving
        opened("a", "r-first", 20),
        opened("b", "r-second", 15),
        opened("a", "r-third", 10),
        status("a", "r-first", "resolved", 2),
        status("a", "r-third", "resolved", 8),
        status("b", "r-second", "resolved", 5),
    )
    found = brief(store, "a", AT)
    assert [c["case_id"] for c in found["open_cases"]] == ["o-newest", "o-middle", "o-oldest"]
    assert [(c["case_id"], c["resolved_at"]) for c in found["recent_cases"]] == [
        ("r-first", AT - DAY * 2),
        ("r-second", AT - DAY * 5),
        ("r-third", AT - DAY * 8),
    ]


def test_closed_cases_are_recent_by_their_resolved_at_and_never_open(store: Runtime) -> None:
    """A closed case is recent when its `resolved_at` (not its closing) is in 30 days."""
    append(
        store,
        opened("a", "resolved-then-closed", 10),
        status("a", "resolved-then-closed", "resolved", 6),
        status("a", "resolved-then-closed", "closed", 1),  # resolved_at stays 6 days ago
        opened("a", "closed-from-pending", 10),
        status("a", "closed-from-pending", "pending_customer", 8),
        status("a", "closed-from-pending", "closed", 3),
        opened("a", "closed-then-contacted", 10),
        status("a", "closed-then-contacted", "closed", 4),
        event(customer_id="a", case_id="closed-then-contacted", occurred_at=ago(DAY)),
        status("a", "closed-then-contacted", "open", 0.5),  # closed is final
        opened("a", "resolved-long-ago", 50),
        status("a", "resolved-long-ago", "resolved", 40),
        status("a", "resolved-long-ago", "closed", 2),  # closed lately, resolved 40 days ago
    )
    found = brief(store, "a", AT)
    assert found["open_cases"] == []
    assert [(c["case_id"], c["status"], c["resolved_at"]) for c in found["recent_cases"]] == [
        ("closed-from-pending", "closed", AT - DAY * 3),
        ("closed-then-contacted", "closed", AT - DAY * 4),
        ("resolved-then-closed", "closed", AT - DAY * 6),
    ]


def test_recent_messages_are_the_latest_5_contacts_and_replies_of_the_person(
    store: Runtime,
) -> None:
    """The 5 latest of 9 messages on two streams, in timeline order reversed."""

    def reply(customer: str, key: str, days: float) -> dict[str, Any]:
        return event(
            "reply.outbound",
            id=key,
            customer_id=customer,
            case_id=f"k-{customer}",
            agent_id="ag",
            occurred_at=ago(DAY * days),
        )

    def contact(customer: str, key: str, days: float, **more: Any) -> dict[str, Any]:
        at = ago(DAY * days)
        return event(id=key, customer_id=customer, case_id=f"k-{customer}", occurred_at=at, **more)

    ids = append(
        store,
        merged("b", "a"),
        contact("a", "m1", 6),  # the latest arrives first, the oldest last
        reply("b", "m2", 1),
        contact("b", "m3", 2, data={"abandoned": True}),
        event("survey.answered", customer_id="a", occurred_at=ago(DAY * 0.5)),  # not a message
        event("case.assigned", customer_id="b", case_id="k-b", occurred_at=ago(DAY * 0.5)),
        reply("a", "m4", 3),
        contact("a", "m5", 4),
        reply("b", "m6-before", 5),  # the same instant: the later position is the later message
        contact("b", "m6-after", 5),
        reply("a", "m7", 7),
    )
    ids.update(append(store, contact("a", "m0", 8)))
    for customer in ("a", "b"):
        found = brief(store, customer, AT)
        assert [ids[p] for p in found["messages"]] == ["m2", "m3", "m4", "m5", "m6-after"]


def test_last_contact_and_last_survey_are_null_without_one(store: Runtime) -> None:
    """A person with a case, a reply and a self-service use but no contact or survey."""
    append(
        store,
        opened("a", "k", 3),
        event(
            "reply.outbound",
            customer_id="a",
            case_id="k",
            agent_id="ag",
            occurred_at=ago(DAY * 2),
        ),
        event("self_service.used", customer_id="a", occurred_at=ago(DAY)),
        # another person's contact and survey are not this one's
        event(customer_id="z", occurred_at=ago(DAY)),
        event("survey.answered", customer_id="z", occurred_at=ago(DAY)),
    )
    found = brief(store, "a", AT)
    assert found["last_contact"] is None
    assert found["last_survey"] is None
    assert found["contacts_7d"]["inbound_contacts"] == 0
    assert len(found["messages"]) == 1  # the reply
    assert brief(store, "z", AT)["last_survey"] is not None
