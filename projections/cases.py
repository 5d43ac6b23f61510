"""Cases and their SLA clocks (SPEC 3 and 5).

Question: what is each case's state now (status, priority, assignee, handoffs,
agents, contacts, first response, reopens, resolution, first-contact
resolution), and each SLA metric instance's start, target, deadline and
fulfilment?
Reads: every event that names a `case_id`.
How: each batch re-folds every case it touches from all its events up to the
batch's last position (the batch's own, and the earlier ones read back from the
log by `case_id`, as a replay reads them), in (occurred_at, position) order
with `journey.reading.documents.read_case`, so late events land where they
occurred and the answer equals a replay. A rebuild folds each customer's cases
once, through the same `fold`. Breaches are judged at query time.
The case table's columns are the case state's leading fields (`CASE_FIELDS`),
typed from `CaseState`'s annotations: written once.
Rebuild: `journey projections rebuild cases_v1`, or bump the suffix of `name`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, ClassVar, get_args, get_type_hints

from journey.postgres.reads import case_facts_upto
from journey.reading.documents import CASE_FIELDS, read_case
from journey.rules.cases import CaseState
from journey.rules.facts import Fact
from journey.rules.sla import PolicyFor, SlaInstance
from journey.vocabulary.events import TOPIC_BY_TYPE
from projections.base import BatchProjection, Fold, Rows, Step, View

SQL_TYPES: dict[object, str] = {
    str: "text",
    datetime: "timestamptz",
    int: "int4",
    bool: "bool",
    tuple[str, ...]: "text[]",
}


def _case_column(name: str) -> tuple[str, bool]:
    """A case state field's column type (as COPY names it) and whether it may be null."""
    hint = get_type_hints(CaseState)[name]
    nullable = type(None) in get_args(hint)
    kind = next(a for a in get_args(hint) if a is not type(None)) if nullable else hint
    return SQL_TYPES[kind], nullable


if CaseState._fields[: len(CASE_FIELDS)] != CASE_FIELDS:
    raise ImportError("CASE_FIELDS must be the leading fields of CaseState, in order")
CASE_COLUMN_TYPES = {name: _case_column(name) for name in CASE_FIELDS}
CASE_COLUMNS = len(CASE_FIELDS)  # a case state's first fields are the case table's columns
CASE_TABLE = ", ".join(
    f"{name} {kind}{'' if nullable else ' NOT NULL'}"
    for name, (kind, nullable) in CASE_COLUMN_TYPES.items()
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
        "main": f"CREATE TABLE IF NOT EXISTS {{table}} ({CASE_TABLE}, PRIMARY KEY (case_id))",
        "sla": "CREATE TABLE IF NOT EXISTS {table} (case_id text NOT NULL, "
        "customer_id text NOT NULL, metric text NOT NULL, seq int NOT NULL, policy text NOT NULL, "
        "start timestamptz NOT NULL, target_seconds double precision NOT NULL, "
        "due_at timestamptz, fulfilled_at timestamptz, PRIMARY KEY (case_id, metric, seq))",
    }
    COLUMNS: ClassVar[dict[str, tuple[str, ...]]] = {
        "main": tuple(kind for kind, _ in CASE_COLUMN_TYPES.values()),
        "sla": SLA_TYPES,
    }
    INDEXES: ClassVar[dict[str, tuple[str, str]]] = {
        "customer": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (customer_id)"),
        "resolved": ("main", "CREATE INDEX IF NOT EXISTS {index} ON {table} (resolved_at)"),
        "due": (
            "sla",
            "CREATE INDEX IF NOT EXISTS {index} ON {table} (due_at) WHERE due_at IS NOT NULL",
        ),
    }

    def refold(self, facts: Sequence[Fact], topics: Sequence[str], fold: Fold, step: Step) -> None:
        """Re-fold the cases the batch's facts name, from their earlier facts in the
        log and the batch's own, replace their rows, record the position."""
        with self.transaction(step) as curs:
            cases = sorted({f.case_id for f in facts if f.case_id is not None})
            if not cases:
                return
            earlier = case_facts_upto(curs, cases, topics, step.after)
            curs.execute(self.sql("DELETE FROM {c} WHERE case_id = ANY(%s)", c="main"), (cases,))
            curs.execute(self.sql("DELETE FROM {s} WHERE case_id = ANY(%s)", s="sla"), (cases,))
            self.copy(curs, fold([*earlier, *facts]))


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
    """The state's leading fields, which are the table's columns in order (checked
    at import): one slice instead of fifteen attribute reads."""
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

    def process_batch(self, facts: Sequence[Fact], step: Step) -> None:
        assert isinstance(self.view, CasesView)
        self.view.refold(facts, self.topics, self.fold, step)

    def fold(self, facts: Sequence[Fact]) -> Rows:
        return case_rows(_by_case(facts), self.context.policy_for)
