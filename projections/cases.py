"""Cases and their SLA clocks (SPEC 3 and 5).

Question: what is each case's state now (status, priority, assignee, handoffs,
agents, contacts, first response, reopens, resolution, first-contact
resolution), and each SLA metric instance's start, target, deadline and
fulfilment?
Reads: every event that names a `case_id`.
How: the case's facts are kept (without pii) in `cases_v1_facts`; each batch
re-folds every case it touches from all its facts in (occurred_at, position)
order with `journey.readings.read_case`, so late events land where they occurred
and the answer equals a replay. Breaches are judged at query time.
Rebuild: `journey projections rebuild cases_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from journey.cases import CaseState
from journey.events import TOPIC_BY_TYPE
from journey.facts import Fact
from journey.readings import CaseReading, read_case
from journey.sla import SlaInstance
from projections.base import BatchProjection, View, copy_rows

Refold = Callable[[dict[str, list[Fact]]], list[CaseReading | None]]
FACT_TYPES = ("text", "text", "int8", "timestamptz", "text", "text", "text", "jsonb")
CASE_TYPES = (
    "text",
    "text",
    "text",
    "timestamptz",
    "text",
    "text",
    "text",
    "int4",
    "text[]",
    "int4",
    "int4",
    "timestamptz",
    "int4",
    "timestamptz",
    "bool",
)
SLA_TYPES = (
    "text",
    "text",
    "text",
    "int4",
    "text",
    "timestamptz",
    "float8",
    "timestamptz",
    "timestamptz",
)


class CasesView(View):
    TABLES: ClassVar[dict[str, str]] = {
        "facts": "CREATE TABLE IF NOT EXISTS {table} (case_id text NOT NULL, "
        "customer_id text NOT NULL, position bigint NOT NULL, occurred_at timestamptz NOT NULL, "
        "type text NOT NULL, channel text, agent_id text, data jsonb NOT NULL, "
        "PRIMARY KEY (case_id, position))",
        "main": "CREATE TABLE IF NOT EXISTS {table} (case_id text PRIMARY KEY, "
        "customer_id text NOT NULL, status text NOT NULL, opened_at timestamptz NOT NULL, "
        "channel text, priority text NOT NULL, assignee text, handoffs int NOT NULL, "
        "agents text[] NOT NULL, inbound_contacts int NOT NULL, repeat_contacts int NOT NULL, "
        "first_response_at timestamptz, reopens int NOT NULL, resolved_at timestamptz, "
        "first_contact_resolution boolean NOT NULL)",
        "sla": "CREATE TABLE IF NOT EXISTS {table} (case_id text NOT NULL, "
        "customer_id text NOT NULL, metric text NOT NULL, seq int NOT NULL, policy text NOT NULL, "
        "start timestamptz NOT NULL, target_seconds double precision NOT NULL, "
        "due_at timestamptz, fulfilled_at timestamptz, PRIMARY KEY (case_id, metric, seq))",
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "customer": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)"),
        "resolved": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (resolved_at)"),
        "due": (
            "sla",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (due_at) WHERE due_at IS NOT NULL",
        ),
    }

    def record(self, facts: Sequence[Fact], refold: Refold, tracking: Tracking) -> None:
        """Keep the batch's case facts, re-fold every touched case, record the position."""
        with self.transaction(tracking) as curs:
            copy_rows(
                curs,
                self.table("facts"),
                FACT_TYPES,
                [
                    (
                        f.case_id,
                        f.customer_id,
                        f.position,
                        f.occurred_at,
                        f.type,
                        f.channel,
                        f.agent_id,
                        Jsonb(dict(f.data)),
                    )
                    for f in facts
                ],
            )
            cases = sorted({f.case_id for f in facts if f.case_id})
            known = self._facts_before(curs, cases, min((f.position for f in facts), default=0))
            for fact in facts:
                known[fact.case_id or ""].append(fact)
            readings = [r for r in refold(known) if r is not None]
            curs.execute(self.sql("DELETE FROM {c} WHERE case_id = ANY(%s)", c="main"), (cases,))
            curs.execute(self.sql("DELETE FROM {s} WHERE case_id = ANY(%s)", s="sla"), (cases,))
            copy_rows(curs, self.table("main"), CASE_TYPES, [_case_row(r.state) for r in readings])
            copy_rows(
                curs,
                self.table("sla"),
                SLA_TYPES,
                [row for r in readings for row in _sla_rows(r.state, r.sla)],
            )

    def _facts_before(
        self, curs: Cursor[DictRow], cases: list[str], position: int
    ) -> dict[str, list[Fact]]:
        """The facts stored for `cases` by earlier batches (positions before `position`)."""
        curs.execute(
            self.sql("SELECT * FROM {f} WHERE case_id = ANY(%s) AND position < %s", f="facts"),
            (cases, position),
        )
        found: dict[str, list[Fact]] = {case: [] for case in cases}
        for row in curs:
            found[row["case_id"]].append(
                Fact(
                    position=row["position"],
                    type=row["type"],
                    customer_id=row["customer_id"],
                    occurred_at=row["occurred_at"],
                    channel=row["channel"],
                    case_id=row["case_id"],
                    agent_id=row["agent_id"],
                    data=row["data"],
                )
            )
        return found


def _case_row(s: CaseState) -> tuple[Any, ...]:
    return (
        s.case_id,
        s.customer_id,
        s.status,
        s.opened_at,
        s.channel,
        s.priority,
        s.assignee,
        s.handoffs,
        list(s.agents),
        s.inbound_contacts,
        s.repeat_contacts,
        s.first_response_at,
        s.reopens,
        s.resolved_at,
        s.first_contact_resolution,
    )


def _sla_rows(state: CaseState, instances: list[SlaInstance]) -> list[tuple[Any, ...]]:
    rows = []
    seq: dict[str, int] = {}
    for i in instances:
        seq[i.metric] = seq.get(i.metric, 0) + 1
        rows.append(
            (
                state.case_id,
                state.customer_id,
                i.metric,
                seq[i.metric],
                i.policy,
                i.start,
                i.target_seconds,
                i.due_at,
                i.fulfilled_at,
            )
        )
    return rows


class CasesProjection(BatchProjection):
    name = "cases_v1"
    view_class = CasesView
    topics = tuple(
        TOPIC_BY_TYPE[t]
        for t in (
            "contact.inbound",
            "reply.outbound",
            "case.opened",
            "case.assigned",
            "case.status_changed",
            "case.priority_changed",
            "survey.answered",
            "self_service.used",
        )
    )

    def process_batch(self, facts: Sequence[Fact], tracking: Tracking) -> None:
        named = [f for f in facts if f.case_id]
        assert isinstance(self.view, CasesView)
        self.view.record(named, self._refold, tracking)

    def _refold(self, facts_by_case: dict[str, list[Fact]]) -> list[CaseReading | None]:
        return [read_case(facts, self.context.policy_for) for facts in facts_by_case.values()]
