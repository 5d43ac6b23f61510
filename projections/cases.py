"""Cases and their SLA clocks (SPEC 3 and 5).

Question: what is each case's state now (status, priority, assignee, handoffs,
agents, contacts, first response, reopens, resolution, first-contact
resolution), and each SLA metric instance's start, target, deadline and
fulfilment?
Reads: every event that names a `case_id`.
How: each batch re-folds every case it touches from all its events up to the
batch's last position, read back from the log by `case_id` (as a replay reads
them), in (occurred_at, position) order with `journey.reading.documents.read_case`, so
late events land where they occurred and the answer equals a replay. A rebuild
folds each customer's cases once (`fold_customer`). Breaches are judged at
query time.
Rebuild: `journey projections rebuild cases_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from psycopg import Cursor
from psycopg.rows import DictRow

from journey.reading.documents import CASE_FIELDS, read_case
from journey.rules.cases import CaseState
from journey.rules.facts import Fact, fact_from_stored
from journey.rules.sla import PolicyFor, SlaInstance
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Rows, View

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
CASE_COLUMNS = len(CASE_FIELDS)  # a case state's first fields are the case table's columns


class CasesView(View):
    TABLES: ClassVar[dict[str, str]] = {
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
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {"main": CASE_TYPES, "sla": SLA_TYPES}
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "customer": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)"),
        "resolved": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (resolved_at)"),
        "due": (
            "sla",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (due_at) WHERE due_at IS NOT NULL",
        ),
    }

    def record(
        self, cases: list[str], topics: Sequence[str], policy_for: PolicyFor, tracking: Tracking
    ) -> None:
        """Re-fold `cases` from their events up to the batch's last position,
        replace their rows, record the position."""
        with self.transaction(tracking) as curs:
            if not cases:
                return
            facts = _events_of(curs, cases, topics, tracking.notification_id)
            curs.execute(self.sql("DELETE FROM {c} WHERE case_id = ANY(%s)", c="main"), (cases,))
            curs.execute(self.sql("DELETE FROM {s} WHERE case_id = ANY(%s)", s="sla"), (cases,))
            self.copy(curs, case_rows(_by_case(facts), policy_for))


def _events_of(
    curs: Cursor[DictRow], cases: list[str], topics: Sequence[str], upto: int
) -> list[Fact]:
    """The facts of every event naming one of `cases`, up to position `upto`."""
    curs.execute(
        "SELECT notification_id, originator_id, topic, state FROM journey_events "
        "WHERE case_id = ANY(%s) AND notification_id <= %s AND topic = ANY(%s)",
        (cases, upto, list(topics)),
        binary=True,
    )
    return [
        fact_from_stored(r["notification_id"], r["originator_id"], r["topic"], r["state"])
        for r in curs
    ]


def _by_case(facts: Iterable[Fact]) -> list[list[Fact]]:
    found: dict[str | None, list[Fact]] = defaultdict(list)
    for fact in facts:
        found[fact.case_id].append(fact)
    return [named for case_id, named in found.items() if case_id is not None]


def case_rows(facts_by_case: Iterable[Sequence[Fact]], policy_for: PolicyFor) -> Rows:
    """The case and SLA rows of each case, folded from all its facts."""
    main: list[tuple[Any, ...]] = []
    sla: list[tuple[Any, ...]] = []
    for facts in facts_by_case:
        reading = read_case(facts, policy_for)
        if reading is not None:
            main.append(_case_row(reading.state))
            sla += _sla_rows(reading.state, reading.sla)
    return {"main": main, "sla": sla}


def _case_row(s: CaseState) -> tuple[Any, ...]:
    """The state's leading fields, which are the table's columns in order: one
    slice instead of fifteen attribute reads."""
    return s[:CASE_COLUMNS]


def _sla_rows(state: CaseState, instances: list[SlaInstance]) -> list[tuple[Any, ...]]:
    """A row per instance; `seq` numbers each metric's instances from 1, in order."""
    case_id, customer_id = state.case_id, state.customer_id
    rows = []
    seq: dict[str, int] = {}
    for i in instances:
        n = seq[i.metric] = seq.get(i.metric, 0) + 1
        rows.append(
            (
                case_id,
                customer_id,
                i.metric,
                n,
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
        assert isinstance(self.view, CasesView)
        cases = sorted({f.case_id for f in facts if f.case_id is not None})
        self.view.record(cases, self.topics, self.context.policy_for, tracking)

    def fold_customer(self, facts: Sequence[Fact]) -> Rows:
        return case_rows(_by_case(facts), self.context.policy_for)
