"""The brief's document (SPEC 11), assembled alike for "now" and for a replay.

Both paths gather `BriefInputs` (a replay from the person's facts through
`inputs_from_facts`, "now" from the projection tables and indexed reads) and
hand them to `brief_fields`; `brief_document` then puts the person's customer
document and the recent messages around them, in the SPEC's field order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from journey.brief import fields
from journey.identities.persons import classify_person_contacts
from journey.reading.documents import case_document, read_case
from journey.rules.contacts import ContactMark
from journey.rules.facts import Fact
from journey.rules.sla import PolicyFor

HEAD_FIELDS = ("customer_id", "resolved_id", "merged_ids", "identities")
"""The fields the brief takes from the customer document (`GET /v1/customers/{id}`)."""


class BriefInputs(NamedTuple):
    """What a reading gathers for the brief of one person, judged at `at`."""

    cases: Sequence[Mapping[str, Any]]  # every case of the person, as GET /v1/cases answers
    marks: Sequence[ContactMark]  # its inbound contacts marked by SPEC 4 (at least the 7 days')
    contacts: Sequence[Fact]  # its inbound contacts (at least the latest)
    touches: Sequence[Fact]  # case.assigned and reply.outbound (at least the 30 days')
    uses: Sequence[Fact]  # self_service.used (at least the 7 days')
    surveys: Sequence[Fact]  # survey.answered (at least the latest)

    @property
    def empty(self) -> bool:
        return not any(self)


def brief_fields(inputs: BriefInputs, at: datetime) -> dict[str, Any]:
    """The SPEC 11 fields between the customer's and the messages."""
    return {
        "open_cases": fields.open_cases(inputs.cases),
        "recent_cases": fields.recent_cases(inputs.cases, at),
        "last_contact": fields.last_contact(inputs.contacts),
        "contacts_7d": fields.contacts_7d(inputs.marks, at),
        "agents": fields.agents(inputs.touches, at),
        "self_service": fields.self_service(inputs.uses, at),
        "last_survey": fields.last_survey(inputs.surveys),
    }


def brief_document(
    customer: Mapping[str, Any], found: Mapping[str, Any], messages: Sequence[Any]
) -> dict[str, Any]:
    """The whole answer: the customer document's `HEAD_FIELDS`, the fields, and
    the person's latest messages (latest first) as the timeline shows them."""
    return {
        **{name: customer[name] for name in HEAD_FIELDS},
        **found,
        "recent_messages": list(messages),
    }


def person_cases(
    facts: Sequence[Fact], policy_for: PolicyFor, at: datetime
) -> list[dict[str, Any]]:
    """Each case the person's facts name, as `GET /v1/cases/{case_id}` answers it at `at`."""
    named = sorted((f for f in facts if f.case_id is not None), key=attrgetter("case_id"))
    documents = []
    for _, own in groupby(named, key=attrgetter("case_id")):
        reading = read_case(list(own), policy_for, at)
        if reading is not None:
            documents.append(case_document(reading, at))
    return documents


def inputs_from_facts(
    facts: Sequence[Fact], policy_for: PolicyFor, window: timedelta, at: datetime
) -> BriefInputs:
    """A replay's inputs: the facts of every stream of the person that the
    reading may see (occurred by `at`, recorded by `as_of`)."""
    return BriefInputs(
        cases=person_cases(facts, policy_for, at),
        marks=[c.mark for c in classify_person_contacts(facts, window)],
        contacts=[f for f in facts if f.type == fields.CONTACT],
        touches=[f for f in facts if f.type in fields.TOUCH_TYPES],
        uses=[f for f in facts if f.type == fields.SELF_SERVICE],
        surveys=[f for f in facts if f.type == fields.SURVEY],
    )
