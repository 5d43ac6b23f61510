"""Which stored events a read may see (SPEC 6): knowledge time `as_of`
(recorded at or before), valid time `at` (occurred at or before), and a
ceiling position that holds a paged read to one fixed set of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Bounds:
    as_of: datetime | None = None
    at: datetime | None = None
    ceiling: int | None = None  # highest position (a paging snapshot)
