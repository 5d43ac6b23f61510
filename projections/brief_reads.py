"""The agent's brief (SPEC 11) read "now" and replayed, through `journey.brief`.

"Now" reads the projection tables (`cases_v1`, `contacts_v2` for the SPEC 4
marks of the person's contacts, `brief_v1` for touches, self-service uses and
surveys) and the log's timeline index (the latest inbound contact, the latest
messages): a handful of indexed reads, whatever the length of the history. The
windows are chosen in SQL and judged again by `journey.brief.fields`. With
`as_of`/`at` the facts of the person's streams are replayed instead. Both hand
their `BriefInputs` to `journey.brief.document.brief_fields`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from journey.brief import fields
from journey.brief.document import BriefInputs, brief_fields, inputs_from_facts
from journey.postgres.reads import EventReads, StoredRow
from journey.reading.bounds import Bounds
from journey.reading.persons import Person
from journey.reading.replay import Replays, judged_at
from journey.rules.contacts import ContactMark
from journey.rules.facts import Fact, fact_from_stored
from journey.rules.sla import PolicyFor
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.brief import BriefProjection
from projections.contacts import ContactsProjection
from projections.queries import ReadModel


class Found(NamedTuple):
    """A person's brief fields, and the bounds its messages are read under (or
    the messages, when they were read already)."""

    person: Person
    fields: dict[str, Any]
    bounds: Bounds
    messages: list[StoredRow] | None = None


CONTACT_TOPIC = TOPIC_BY_TYPE[fields.CONTACT]

QUERIES = {
    "marks": "SELECT * FROM {contacts} WHERE person_id = %(person)s "
    "AND occurred_at >= %(since_short)s AND occurred_at <= %(at)s",
    "touches": "SELECT * FROM {touches} WHERE customer_id = ANY(%(streams)s) "
    "AND occurred_at >= %(since_recent)s AND occurred_at <= %(at)s",
    "uses": "SELECT * FROM {uses} WHERE customer_id = ANY(%(streams)s) "
    "AND occurred_at >= %(since_short)s AND occurred_at <= %(at)s",
    "surveys": "SELECT * FROM {surveys} WHERE customer_id = ANY(%(streams)s) "
    "AND occurred_at <= %(at)s ORDER BY occurred_at DESC, position DESC LIMIT 1",
}


class BriefReads:
    """The brief's inputs for "now" from the projection tables (one transaction)."""

    def __init__(self, datastore: PostgresDatastore, name: str = BriefProjection.name):
        self._datastore = datastore
        self._tables = {
            "contacts": Identifier(ContactsProjection.name),
            "touches": Identifier(name),
            "uses": Identifier(f"{name}_self_service"),
            "surveys": Identifier(f"{name}_surveys"),
        }

    def inputs(
        self,
        person: Person,
        at: datetime,
        cases: Sequence[dict[str, Any]],
        contacts: Sequence[Fact],
    ) -> BriefInputs:
        """The person's inputs judged at `at`, given its cases (`ReadModel`) and its
        latest inbound contact (an indexed read of the log)."""
        params = {
            "person": person.resolved_id,
            "streams": list(person.merged_ids),
            "at": at,
            "since_short": at - fields.SHORT,
            "since_recent": at - fields.RECENT,
        }
        found: dict[str, list[dict[str, Any]]] = {}
        with self._datastore.cursor() as curs:  # read committed: a transaction adds nothing
            for name, query in QUERIES.items():
                curs.execute(SQL(query).format(**self._tables), params)
                found[name] = list(curs.fetchall())
        return BriefInputs(
            cases=cases,
            marks=[_mark(row) for row in found["marks"]],
            contacts=contacts,
            touches=[_touch(row) for row in found["touches"]],
            uses=[_use(row) for row in found["uses"]],
            surveys=[_survey(row) for row in found["surveys"]],
        )


class Briefs:
    """The brief's fields of a customer's person, now or as of/at past instants."""

    def __init__(
        self,
        reads: EventReads,
        model: ReadModel,
        replays: Replays,
        datastore: PostgresDatastore,
        policy_for: PolicyFor,
        window: timedelta,
    ):
        self._reads, self._model, self._replays = reads, model, replays
        self._tables = BriefReads(datastore)
        self._policy_for, self._window = policy_for, window

    def now(self, customer_id: str, now: datetime) -> Found | None:
        """From the projections, judged at `now`; None when no stream of the person
        has events."""
        person = self._model.person(customer_id)
        streams, bounds = list(person.merged_ids), Bounds(at=now)
        messages = self._reads.latest(streams, bounds, fields.MESSAGE_TYPES, fields.MESSAGES)
        # The first inbound contact among the latest messages is the latest one of all.
        told = [row for row in messages if row[2] == CONTACT_TOPIC][:1]
        latest = told or self._reads.latest(streams, bounds, (fields.CONTACT,), 1)
        contacts = [fact_from_stored(*row[:4]) for row in latest]
        cases = self._model.customer_cases(person, now, resolved_since=now - fields.RECENT)
        inputs = self._tables.inputs(person, now, cases, contacts)
        if inputs.empty and not self._reads.has_events(streams, Bounds()):
            return None
        return Found(person, brief_fields(inputs, now), bounds, messages)

    def replayed(
        self, customer_id: str, as_of: datetime | None, at: datetime | None
    ) -> Found | None:
        """From the stored facts known at `as_of` that occurred by `at` (SPEC 6)."""
        when = judged_at(as_of, at, datetime.now(UTC))
        found = self._replays.person(customer_id, as_of, when)
        if found is None:
            return None
        person, facts = found
        inputs = inputs_from_facts(facts, self._policy_for, self._window, when)
        return Found(person, brief_fields(inputs, when), Bounds(as_of=as_of, at=when))

    def messages(self, found: Found) -> list[StoredRow]:
        """The person's latest messages (SPEC 11 `recent_messages`), latest first."""
        if found.messages is not None:
            return found.messages
        streams = list(found.person.merged_ids)
        return self._reads.latest(streams, found.bounds, fields.MESSAGE_TYPES, fields.MESSAGES)


def _mark(row: dict[str, Any]) -> ContactMark:
    return ContactMark(
        row["position"],
        row["occurred_at"],
        row["channel"],
        row["abandoned"],
        row["is_repeat"],
        row["is_switch"],
    )


def _touch(row: dict[str, Any]) -> Fact:
    return Fact(
        row["position"],
        row["type"],
        row["customer_id"],
        row["occurred_at"],
        case_id=row["case_id"],
        agent_id=row["agent_id"],
    )


def _use(row: dict[str, Any]) -> Fact:
    data = {"article_id": row["article_id"], "helpful": row["helpful"]}
    return Fact(
        row["position"],
        fields.SELF_SERVICE,
        row["customer_id"],
        row["occurred_at"],
        row["channel"],
        data=data,
    )


def _survey(row: dict[str, Any]) -> Fact:
    data = {k: row[k] for k in ("csat", "nps", "ces") if row[k] is not None}
    return Fact(
        row["position"],
        fields.SURVEY,
        row["customer_id"],
        row["occurred_at"],
        row["channel"],
        row["case_id"],
        data=data,
    )
