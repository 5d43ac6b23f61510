"""What the agent's brief (SPEC 11) reads "now" that the other projections lack.

Question: which agents touched a person's cases lately, which help articles did
the person try, and what did its latest survey say about which case?
Reads: `case.assigned`, `reply.outbound` (a touch: the agent and the instant),
`self_service.used` (with its `article_id`), `survey.answered` (with its
`case_id`).
How: one row per event in three tables (`brief_v1` the touches,
`brief_v1_self_service`, `brief_v1_surveys`), each indexed by
(customer_id, occurred_at): rows depend on their own event alone, so arrival
order does not matter and a rebuild is the same fold. `BriefReads` answers the
brief's inputs for a person from these tables, `contacts_v2` (the SPEC 4 marks
of the person's contacts) and `cases_v1`; the windows are chosen in SQL and
judged again by `journey.brief.fields`, as a replay judges its facts.
Rebuild: `journey projections rebuild brief_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from journey.brief import fields
from journey.brief.document import BriefInputs
from journey.reading.persons import Person
from journey.rules.contacts import ContactMark
from journey.rules.facts import Fact
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, View
from projections.contacts import ContactsProjection


def _by_time(role: str) -> tuple[str, str]:
    return (role, "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id, occurred_at)")


class BriefView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "main": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, type text NOT NULL, "
        "case_id text NOT NULL, agent_id text NOT NULL, PRIMARY KEY (customer_id, position))",
        "self_service": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "article_id text NOT NULL, helpful boolean, PRIMARY KEY (customer_id, position))",
        "surveys": "CREATE TABLE IF NOT EXISTS {table} (customer_id text NOT NULL, "
        "position bigint NOT NULL, occurred_at timestamptz NOT NULL, channel text NOT NULL, "
        "case_id text, csat smallint, nps smallint, ces smallint, "
        "PRIMARY KEY (customer_id, position))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": ("text", "int8", "timestamptz", "text", "text", "text"),
        "self_service": ("text", "int8", "timestamptz", "text", "text", "bool"),
        "surveys": ("text", "int8", "timestamptz", "text", "text", "int2", "int2", "int2"),
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "touched": _by_time("main"),
        "used": _by_time("self_service"),
        "answered": _by_time("surveys"),
    }


class BriefProjection(BatchProjection):
    name = "brief_v1"
    view_class = BriefView
    topics = tuple(
        TOPIC_BY_TYPE[t]
        for t in (fields.ASSIGNED, fields.REPLY, fields.SELF_SERVICE, fields.SURVEY)
    )

    def fold(self, facts: Sequence[Fact]) -> Rows:
        touches = [f for f in facts if f.type in fields.TOUCH_TYPES and f.case_id and f.agent_id]
        return {
            "main": [
                (f.customer_id, f.position, f.occurred_at, f.type, f.case_id, f.agent_id)
                for f in touches
            ],
            "self_service": [
                (
                    f.customer_id,
                    f.position,
                    f.occurred_at,
                    f.channel,
                    f.data["article_id"],
                    f.data.get("helpful"),
                )
                for f in facts
                if f.type == fields.SELF_SERVICE
            ],
            "surveys": [
                (
                    f.customer_id,
                    f.position,
                    f.occurred_at,
                    f.channel,
                    f.case_id,
                    f.data.get("csat"),
                    f.data.get("nps"),
                    f.data.get("ces"),
                )
                for f in facts
                if f.type == fields.SURVEY
            ],
        }


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
        with self._datastore.transaction(commit=False) as curs:
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
