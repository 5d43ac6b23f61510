"""Path and query parameters shared by the routes, with the SPEC's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Query
from pydantic import AwareDatetime

from api.errors import field_problem
from journey.ingest.event_rules import IDENTIFIER_CHARS
from journey.rules.contacts import parse_window
from projections.identity_reads import Reading

ID_PATTERN = f"^{IDENTIFIER_CHARS}$"
MAX_PAGE = 1000
WAIT_SECONDS = 5.0
MAX_WINDOW = timedelta(days=3660)

CustomerId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]
CaseId = Annotated[str, Path(min_length=1, max_length=128, pattern=ID_PATTERN)]
AsOf = Annotated[
    AwareDatetime | None,
    Query(description="knowledge time: only events recorded at or before it (default now)"),
]
At = Annotated[
    AwareDatetime | None,
    Query(
        description="valid time: only events that occurred at or before it; SLA judged "
        "at it (default `as_of`)"
    ),
]
From = Annotated[AwareDatetime | None, Query(alias="from", description="inclusive lower bound")]
To = Annotated[AwareDatetime | None, Query(alias="to", description="exclusive upper bound")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page size")]
Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern=r"^[A-Za-z0-9_=-]+$",
        description="`next_cursor` of the previous page",
    ),
]
After = Annotated[
    int | None,
    Query(
        ge=0,
        le=2**62,
        description=f"read-your-writes: first wait (at most {WAIT_SECONDS:g} s) "
        "until the projections have applied this position",
    ),
]


@dataclass(frozen=True)
class Moment(Reading):
    """What a read route is asked to read as of: `as_of` and `at` (SPEC 6; `now`
    when neither is given, a replay otherwise), and `after`, a write's position
    the projections must have applied first (a replay finds persons and
    identities in them too)."""

    after: int | None = None


def _moment(as_of: AsOf = None, at: At = None, after: After = None) -> Moment:
    return Moment(as_of, at, after)


MomentQuery = Annotated[Moment, Depends(_moment)]
"""The three query parameters of every read that can be answered "now" or replayed."""


@dataclass(frozen=True)
class Paging:
    """A page asked for: its size, and the `next_cursor` of the page before."""

    limit: int
    cursor: str | None


def _paging(limit: Limit = 100, cursor: Cursor = None) -> Paging:
    return Paging(limit, cursor)


PagingQuery = Annotated[Paging, Depends(_paging)]
"""The two query parameters of every paged read."""

Window = Annotated[
    str | None,
    Query(
        max_length=16,
        pattern=r"^[0-9]{1,9}[dhms]$",
        description="e.g. `7d`, `24h`, at most "
        f"{MAX_WINDOW.days}d (default: the configured repeat window)",
    ),
]


def window_or(value: str | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    try:
        window = parse_window(value)
    except ValueError as error:
        raise field_problem("window", str(error)) from None
    if window > MAX_WINDOW:
        raise field_problem("window", f"at most {MAX_WINDOW.days} days")
    return window
