"""SPEC 10.3: repeat contacts and channel switches counted per person, across
the person's streams, with SPEC 4's own fold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from journey.identities.persons import (
    classify_by_person,
    classify_person_contacts,
    counts_by_customer,
)
from journey.identities.resolution import Persons
from journey.rules.contacts import ContactCounts, classify_contacts, summarise, summarise_by_day
from journey.rules.facts import Fact

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def contact(position: int, customer: str, hours: float, channel: str = "email") -> Fact:
    return Fact(position, "contact.inbound", customer, T0 + timedelta(hours=hours), channel)


def test_a_contact_on_another_stream_of_the_person_makes_a_repeat_and_a_switch() -> None:
    facts = [contact(1, "crm-1", 0, "phone"), contact(2, "chat-7", 2, "chat")]

    marked = classify_person_contacts(facts)

    assert [(c.customer_id, c.mark.is_repeat, c.mark.is_channel_switch) for c in marked] == [
        ("crm-1", False, False),
        ("chat-7", True, True),
    ]
    assert counts_by_customer(marked) == {
        "chat-7": ContactCounts(1, 1, 1, 0),
        "crm-1": ContactCounts(1, 0, 0, 0),
    }
    assert summarise_by_day(c.mark for c in marked) == {
        (date(2026, 3, 2), "chat"): ContactCounts(1, 1, 1, 0),
        (date(2026, 3, 2), "phone"): ContactCounts(1, 0, 0, 0),
    }


def test_without_a_merge_each_stream_counts_alone_and_a_merge_changes_earlier_figures() -> None:
    facts = [
        contact(1, "a", 0, "phone"),
        contact(2, "b", 1, "chat"),
        Fact(3, "customer.merged", "b", T0 + timedelta(days=30), data={"into": "a"}),
    ]

    apart = classify_by_person(facts, Persons.from_facts(facts[:2]))
    together = classify_by_person(facts, Persons.from_facts(facts))

    assert sorted(apart) == ["a", "b"]
    assert not any(c.mark.is_repeat for marks in apart.values() for c in marks)
    assert list(together) == ["a"]
    assert [c.mark.is_channel_switch for c in together["a"]] == [False, True]


@st.composite
def person_contacts(draw: st.DrawFn) -> list[Fact]:
    count = draw(st.integers(0, 10))
    return [
        contact(
            position,
            draw(st.sampled_from(["s1", "s2", "s3"])),
            draw(st.integers(0, 400)),
            draw(st.sampled_from(["email", "chat", "phone"])),
        )
        for position in range(1, count + 1)
    ]


@given(person_contacts(), st.randoms())
def test_a_person_s_contacts_are_classified_as_one_customer_s_would_be(
    facts: list[Fact], random: Any
) -> None:
    shuffled = list(facts)
    random.shuffle(shuffled)

    marked = classify_person_contacts(shuffled, timedelta(days=7))
    as_one_stream = classify_contacts(
        [f._replace(customer_id="x") for f in facts], timedelta(days=7)
    )

    assert [c.mark for c in marked] == as_one_stream
    assert {c.mark.position: c.customer_id for c in marked} == {
        f.position: f.customer_id for f in facts
    }
    total = summarise(c.mark for c in marked)
    per_stream = counts_by_customer(marked).values()
    assert total.inbound_contacts == sum(c.inbound_contacts for c in per_stream)
    assert total.repeat_contacts == sum(c.repeat_contacts for c in per_stream)
