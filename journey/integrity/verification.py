"""Hash-chain verification (SPEC 7): streams checked link by link into a report
that names the first bad position, and the heads an auditor publishes to detect
rewrites. Pure: the links come from `AuditReader` (`journey.integrity.audit`)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from journey.stored.chain import GENESIS, ChainedRow, chain_hash

Link = tuple[ChainedRow, bytes]  # a stored event and its stored chain hash
LocateMissing = Callable[[int, int], int | None]  # first absent position in (after, before)
MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class Problem:
    position: int
    customer_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of a stream as verified: publish these to detect rewrites."""

    customer_id: str
    version: int
    position: int
    chain_hash: bytes


@dataclass
class VerifyReport:
    events: int = 0
    streams: int = 0
    damaged: int = 0
    first_bad_position: int | None = None
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS found

    @property
    def ok(self) -> bool:
        return self.damaged == 0

    def add(self, problem: Problem) -> None:
        self.damaged += 1
        if self.first_bad_position is None or problem.position < self.first_bad_position:
            self.first_bad_position = problem.position
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def include(self, other: VerifyReport) -> None:
        """Add another check's problems (not its counts) to this report."""
        self.damaged += other.damaged
        self.problems += other.problems[: MAX_PROBLEMS - len(self.problems)]
        if other.first_bad_position is not None:
            self.first_bad_position = min(
                other.first_bad_position, self.first_bad_position or other.first_bad_position
            )

    def as_dict(self) -> dict[str, Any]:
        """The SPEC 8 answer of `GET /v1/audit/customers/{id}/verify`."""
        return {"ok": self.ok, "events": self.events, "first_bad_position": self.first_bad_position}


def check_links(
    links: Iterable[Link], report: VerifyReport, locate_missing: LocateMissing | None = None
) -> Iterator[Head]:
    """Check streams given in (customer, version) order into `report`, link by
    link (an edit breaks only its own link, as the next hash covers the *stored*
    hash before it); yield each stream's head. A version gap is located at the
    absent position when `locate_missing` finds one."""
    for _, stream in itertools.groupby(links, key=lambda link: link[0].customer_id):
        report.streams += 1
        previous, previous_position, expected = GENESIS, 0, 1
        for row, stored in stream:
            report.events += 1
            reasons = []
            if row.version != expected:
                reasons.append(f"version {row.version} where {expected} was expected")
            if row.position <= previous_position:
                reasons.append("position not after the previous event of its stream")
            if chain_hash(previous, row) != stored:
                reasons.append("content or chain hash does not match")
            if reasons:
                report.add(Problem(row.position, row.customer_id, "; ".join(reasons)))
            if row.version > expected and locate_missing is not None:
                absent = locate_missing(previous_position, row.position)
                if absent is not None:
                    report.add(Problem(absent, row.customer_id, "event missing (deleted)"))
            previous, previous_position, expected = stored, row.position, row.version + 1
        yield Head(row.customer_id, row.version, row.position, stored)


class StoreWatcher(Protocol):
    def started(self, last_position: int) -> None: ...
    def verified(self, head: Head, events_done: int) -> None: ...


class StoreScan(Protocol):
    """One consistent snapshot of the whole store."""

    def last_position(self) -> int: ...
    def links(self) -> Iterator[Link]: ...
    def sequence_break(self) -> int | None: ...
