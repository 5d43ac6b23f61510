"""The state of one case, folded from the facts that name it (SPEC 3).

`fold_case` is a pure function of the *set* of facts: it sorts them by
(`occurred_at`, `position`) itself (SPEC 2.3), so arrival order never matters.
Besides the SPEC 3 fields, the state keeps the status timeline that the SLA
resolution clock needs (SPEC 5.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from journey.rules.facts import Fact, in_order

DONE_STATUSES = frozenset({"resolved", "closed"})
REOPEN_STATUSES = frozenset({"open", "pending_customer", "on_hold"})
IGNORED_TYPES = frozenset({"personal_data.erased"})


class StatusChange(NamedTuple):
    """From instant `since` on, the case had `status` (until the next change)."""

    since: datetime
    status: str


class CaseState(NamedTuple):
    """SPEC 3 fields under their contract names, plus `status_periods`. Immutable;
    a named tuple because a rebuild makes one per case."""

    case_id: str
    customer_id: str
    status: str
    opened_at: datetime
    channel: str | None
    priority: str
    assignee: str | None
    handoffs: int
    agents: tuple[str, ...]
    inbound_contacts: int
    repeat_contacts: int
    first_response_at: datetime | None
    reopens: int
    resolved_at: datetime | None
    first_contact_resolution: bool
    status_periods: tuple[StatusChange, ...]


@dataclass(slots=True)
class _Fold:
    """Mutable accumulator; only ever lives inside `fold_case`."""

    opened_at: datetime
    status: str = "open"
    priority: str = "normal"
    case_opened_seen: bool = False
    assignee: str | None = None
    handoffs: int = 0
    agents: set[str] = field(default_factory=set)
    inbound_contacts: int = 0
    first_response_at: datetime | None = None
    reopens: int = 0
    resolved_at: datetime | None = None
    periods: list[StatusChange] = field(default_factory=list)

    def move_to(self, status: str, at: datetime) -> None:
        """Apply a status change; `closed` is final (SPEC 3 `status`)."""
        if self.status == "closed" or status == self.status:
            return
        if self.status == "resolved" and status in REOPEN_STATUSES:
            self.reopens += 1
        if status == "resolved" or (status == "closed" and self.status != "resolved"):
            self.resolved_at = at
        self.status = status
        self.periods.append(StatusChange(at, status))

    def apply(self, fact: Fact) -> None:
        kind = fact.type
        if kind == "case.opened" and not self.case_opened_seen:
            self.case_opened_seen = True
            self.priority = str(fact.data.get("priority", "normal"))
        elif kind == "case.priority_changed" and "priority" in fact.data:
            self.priority = str(fact.data["priority"])
        elif kind == "case.assigned" and fact.agent_id is not None:
            if self.assignee is not None and self.assignee != fact.agent_id:
                self.handoffs += 1
            self.assignee = fact.agent_id
            self.agents.add(fact.agent_id)
        elif kind == "reply.outbound":
            if fact.agent_id is not None:
                self.agents.add(fact.agent_id)
            if self.first_response_at is None:
                self.first_response_at = fact.occurred_at
        elif kind == "case.status_changed" and "status" in fact.data:
            self.move_to(str(fact.data["status"]), fact.occurred_at)
        elif kind == "contact.inbound" and not fact.is_abandoned_contact:
            self.inbound_contacts += 1
            if self.status == "resolved":
                self.move_to("open", fact.occurred_at)


def fold_case(facts: Sequence[Fact]) -> CaseState | None:
    """Fold the facts naming one case into its SPEC 3 state.

    Facts without a `case_id` and erasure markers are ignored. Returns None when
    no fact names a case; raises ValueError when the facts name several cases.
    A case named only by abandoned contacts exists and starts at the earliest
    of them (SPEC 3 is silent there; see docs/decisions).
    """
    return fold_ordered(case_facts(facts))


def case_facts(facts: Iterable[Fact]) -> list[Fact]:
    """The facts a case folds: those naming a case, erasure markers excepted, in
    (occurred_at, position) order."""
    return in_order([f for f in facts if f.case_id is not None and f.type not in IGNORED_TYPES])


def fold_ordered(named: list[Fact]) -> CaseState | None:
    """`fold_case` of facts that `case_facts` returned."""
    if not named:
        return None
    case_ids = {f.case_id for f in named}
    if len(case_ids) > 1:
        raise ValueError(f"fold_case got facts of several cases: {sorted(map(str, case_ids))}")
    starting = [f for f in named if not f.is_abandoned_contact] or named
    first = starting[0]
    state = _Fold(opened_at=first.occurred_at)
    state.periods.append(StatusChange(first.occurred_at, "open"))
    for fact in starting:
        state.apply(fact)
    done = state.status in DONE_STATUSES
    fcr = done and state.inbound_contacts == 1 and state.reopens == 0
    return CaseState(
        case_id=str(first.case_id),
        customer_id=first.customer_id,
        status=state.status,
        opened_at=state.opened_at,
        channel=_channel(named, starting),
        priority=state.priority,
        assignee=state.assignee,
        handoffs=state.handoffs,
        agents=tuple(sorted(state.agents)),
        inbound_contacts=state.inbound_contacts,
        repeat_contacts=max(0, state.inbound_contacts - 1),
        first_response_at=state.first_response_at,
        reopens=state.reopens,
        resolved_at=state.resolved_at if done else None,
        first_contact_resolution=fcr,
        status_periods=tuple(state.periods),
    )


def _channel(named: list[Fact], starting: list[Fact]) -> str | None:
    """SPEC 3: the first `case.opened`'s channel, else the earliest event's that has one."""
    for fact in named:
        if fact.type == "case.opened" and fact.channel is not None:
            return fact.channel
    for fact in starting:
        if fact.channel is not None:
            return fact.channel
    return None
