"""SPEC 10.3: repeat contacts and channel switches (SPEC 4) per person.

A contact is a repeat when the same person had another inbound contact in the
window, on any of its streams, and a channel switch compares with that
person's preceding contact. The person's contacts go through SPEC 4's own
fold (`journey.rules.contacts.classify_contacts`) unchanged, as if they were one
customer's; each mark is then given back to the stream it came from, so the
per-customer and per-channel-and-day counts (`summarise`, `summarise_by_day`)
add up marks decided across the person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import NamedTuple

from journey.identities.resolution import Persons
from journey.rules.contacts import (
    DEFAULT_WINDOW,
    ContactCounts,
    ContactMark,
    classify_contacts,
    summarise,
)
from journey.rules.facts import Fact

CONTACT = "contact.inbound"


class PersonContact(NamedTuple):
    """An inbound contact of stream `customer_id`, classified across its person."""

    customer_id: str
    mark: ContactMark


def classify_person_contacts(
    facts: Iterable[Fact], window: timedelta = DEFAULT_WINDOW
) -> list[PersonContact]:
    """The inbound contacts among the facts of one person's streams, in
    (`occurred_at`, `position`) order, each classified by SPEC 4 across them all."""
    contacts = [fact for fact in facts if fact.type == CONTACT]
    stream_of = {fact.position: fact.customer_id for fact in contacts}
    if len(stream_of) != len(contacts):
        raise ValueError("two inbound contacts share a position")
    as_one = [fact._replace(customer_id="") for fact in contacts]
    return [PersonContact(stream_of[m.position], m) for m in classify_contacts(as_one, window)]


def classify_by_person(
    facts: Iterable[Fact], persons: Persons, window: timedelta = DEFAULT_WINDOW
) -> dict[str, list[PersonContact]]:
    """`classify_person_contacts` of every person among the facts, by resolved id."""
    by_person: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.type == CONTACT:
            by_person.setdefault(persons.resolve(fact.customer_id), []).append(fact)
    return {person: classify_person_contacts(own, window) for person, own in by_person.items()}


def counts_by_customer(contacts: Iterable[PersonContact]) -> dict[str, ContactCounts]:
    """SPEC 4 counts per stream, of marks decided across the person (sorted by id)."""
    marks: dict[str, list[ContactMark]] = {}
    for contact in contacts:
        marks.setdefault(contact.customer_id, []).append(contact.mark)
    return {customer_id: summarise(marks[customer_id]) for customer_id in sorted(marks)}
