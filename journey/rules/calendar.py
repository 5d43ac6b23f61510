"""Business calendars: how much business time lies between two instants, and
when a target of business time is reached (SPEC 5).

Pure functions over aware datetimes; no I/O. The same code answers
projections and bitemporal replays. Results are aware UTC datetimes.

A `WeeklyCalendar` is open at exactly those instants at which a wall clock in
its timezone shows a time inside one of that weekday's intervals, on a date
that is not a holiday. So across daylight-saving changes:

- a nonexistent local time (the hour skipped in spring) is simply never
  shown: an interval `02:30-04:00` on that night lasts from the jump to 04:00;
- an ambiguous local time (the hour repeated in autumn) is shown twice: an
  interval covering it counts both passes, `00:00-04:00` lasts five hours.

Internally the timeline is cut into UTC days; each day's open periods are
computed once from the zone's offsets and cached, and so are weekly totals,
so spans of months cost a few dozen steps.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

Period = tuple[datetime, datetime]
"""A half-open span [start, end) of aware UTC instants."""

_NOTHING = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_SECOND = timedelta(seconds=1)
_MIDNIGHT = time()
_WALL_CLOCK = re.compile(r"(\d\d):(\d\d)", re.ASCII)


class Calendar(Protocol):
    name: str

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Business time in [start, end), in seconds; 0 when end <= start."""
        ...

    def deadline(self, start: datetime, seconds: float) -> datetime:
        """The last instant T at which business_seconds(start, T) has not yet
        exceeded `seconds`. When the target is reached exactly as business hours
        end, that is the start of the next business period (SPEC 5.2)."""
        ...


class AlwaysOpen:
    """The built-in `24x7` calendar."""

    name = "24x7"

    def business_seconds(self, start: datetime, end: datetime) -> float:
        return max(0.0, (as_utc(end) - as_utc(start)).total_seconds())

    def deadline(self, start: datetime, seconds: float) -> datetime:
        return as_utc(start) + _target(seconds)


ALWAYS_OPEN = AlwaysOpen()


def as_utc(instant: datetime) -> datetime:
    """`instant` in UTC. Arithmetic on two datetimes sharing a ZoneInfo is
    wall-clock arithmetic, so everything here is done in UTC."""
    if instant.tzinfo is UTC:
        return instant
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, got {instant!r}")
    return instant.astimezone(UTC)


def parse_wall_clock(text: str) -> int:
    """Minutes after local midnight of an "HH:MM" wall-clock time; "24:00" is
    the end of the day."""
    match = _WALL_CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid time {text!r} (expected a quoted 'HH:MM')")
    hours, minutes = int(match[1]), int(match[2])
    value = hours * 60 + minutes
    if minutes > 59 or value > MINUTES_PER_DAY:
        raise ValueError(f"invalid time {text!r} (expected 00:00 to 24:00)")
    return value


def parse_day_hours(intervals: Iterable[Sequence[str]]) -> tuple[tuple[int, int], ...]:
    """One weekday's intervals as sorted (start, end) minutes after midnight.
    Each needs start < end; intervals may touch but not overlap."""
    parsed: list[tuple[int, int, str]] = []
    for interval in intervals:
        if isinstance(interval, str) or len(interval) != 2:
            raise ValueError(f"an interval is a pair [start, end], got {interval!r}")
        start, end = parse_wall_clock(interval[0]), parse_wall_clock(interval[1])
        if start >= end:
            raise ValueError(f"interval {interval[0]}-{interval[1]} does not end after it starts")
        parsed.append((start, end, f"{interval[0]}-{interval[1]}"))
    parsed.sort()
    for earlier, later in itertools.pairwise(parsed):
        if later[0] < earlier[1]:
            raise ValueError(f"intervals {earlier[2]} and {later[2]} overlap")
    return tuple((start, end) for start, end, _ in parsed)


def load_zone(name: str) -> ZoneInfo:
    """The IANA timezone `name`, or a ValueError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown timezone {name!r}") from error


class WeeklyCalendar:
    """Business hours per weekday in local wall-clock time, minus holidays."""

    def __init__(
        self,
        name: str,
        timezone: str,
        hours: Mapping[str, Iterable[Sequence[str]]],
        holidays: Iterable[date] = (),
    ) -> None:
        """`hours` maps "mon".."sun" to intervals like [("09:00", "18:00")];
        missing days are closed. Raises ValueError for invalid input, including
        a calendar that is never open."""
        unknown = sorted(set(hours) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday(s) {', '.join(unknown)} (expected mon..sun)")
        self.name = name
        self.timezone = timezone
        self._zone = load_zone(timezone)
        self._week = tuple(parse_day_hours(hours.get(day, ())) for day in WEEKDAYS)
        if not any(self._week):
            raise ValueError(f"calendar {name!r} has no business hours on any weekday")
        self.holidays = frozenset(holidays)
        if any(isinstance(day, datetime) for day in self.holidays):
            raise ValueError("holidays are dates, not datetimes")
        self._day = lru_cache(maxsize=8192)(self._compute_day)
        self._open_in_week = lru_cache(maxsize=2048)(self._compute_open_in_week)

    def __repr__(self) -> str:
        return f"WeeklyCalendar(name={self.name!r}, timezone={self.timezone!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WeeklyCalendar) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def _identity(self) -> tuple[object, ...]:
        return (self.name, self.timezone, self._week, self.holidays)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Business time in [start, end), in seconds; 0 when end <= start."""
        begin, finish = as_utc(start), as_utc(end)
        total = _NOTHING
        day = begin.date()
        while begin < finish:
            midnight, periods, open_in_day = self._day(day)
            if midnight >= finish:
                break
            whole_day = begin <= midnight and midnight + _DAY <= finish
            if whole_day and day.weekday() == 0 and midnight + _WEEK <= finish:
                total += self._open_in_week(day)
                day += _WEEK
                continue
            if whole_day:
                total += open_in_day
            else:
                for opens, closes in periods:
                    if opens < finish and begin < closes:
                        total += min(closes, finish) - max(opens, begin)
            day += _DAY
        return total.total_seconds()

    def deadline(self, start: datetime, seconds: float) -> datetime:
        """The last instant at which business time since `start` has not yet
        exceeded `seconds` (SPEC 5.2); see `Calendar.deadline`."""
        begin, remaining = as_utc(start), _target(seconds)
        day = begin.date()
        while True:  # ends: every week has hours, holidays are finitely many
            midnight, periods, open_in_day = self._day(day)
            if midnight >= begin:
                if day.weekday() == 0 and self._open_in_week(day) < remaining:
                    remaining -= self._open_in_week(day)
                    day += _WEEK
                    continue
                if open_in_day < remaining:
                    remaining -= open_in_day
                    day += _DAY
                    continue
            for opens, closes in periods:
                if closes <= begin:
                    continue
                available = closes - max(opens, begin)
                if remaining < available:
                    return max(opens, begin) + remaining
                remaining -= available
            day += _DAY

    def open_periods(self, day: date) -> tuple[Period, ...]:
        """The business periods within the UTC day `day`, in order."""
        return self._day(day)[1]

    def _compute_day(self, day: date) -> tuple[datetime, tuple[Period, ...], timedelta]:
        """The UTC day's midnight, its business periods and their total."""
        periods = self._compute_periods_of_day(day)
        return _midnight(day), periods, sum((end - begin for begin, end in periods), _NOTHING)

    def _compute_open_in_week(self, monday: date) -> timedelta:
        return sum((self._day(monday + _DAY * i)[2] for i in range(7)), _NOTHING)

    def _compute_periods_of_day(self, day: date) -> tuple[Period, ...]:
        """Each stretch of constant UTC offset within the day maps wall-clock
        intervals to instants by a plain shift; touching pieces are joined."""
        periods: list[tuple[datetime, datetime]] = []
        for first, last, offset in self._constant_offset_stretches(_midnight(day)):
            wall_first, wall_last = first + offset, last + offset
            local_day = wall_first.date()
            while _midnight(local_day) < wall_last:
                for opens, closes in self._wall_intervals(local_day):
                    lower, upper = max(opens, wall_first), min(closes, wall_last)
                    if lower < upper:
                        _append_joined(periods, lower - offset, upper - offset)
                local_day += _DAY
        return tuple(periods)

    def _wall_intervals(self, local_day: date) -> Iterable[tuple[datetime, datetime]]:
        """The day's intervals as UTC-tagged wall-clock readings (no conversion)."""
        if local_day in self.holidays:
            return ()
        midnight = _midnight(local_day)
        return (
            (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
            for start, end in self._week[local_day.weekday()]
        )

    def _constant_offset_stretches(
        self, day_start: datetime
    ) -> list[tuple[datetime, datetime, timedelta]]:
        """(first, last, offset) stretches of the UTC day. tzdata never changes a
        zone's offset twice within a day (changes are days apart), so comparing
        the offsets at both ends finds any change, located by bisection."""
        day_end = day_start + _DAY
        before, after = self._offset(day_start), self._offset(day_end)
        if before == after:
            return [(day_start, day_end, before)]
        low, high = 0, int(_DAY / _SECOND)  # offset(low) == before != offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            if self._offset(day_start + middle * _SECOND) == before:
                low = middle
            else:
                high = middle
        change = day_start + high * _SECOND
        return [(day_start, change, before), (change, day_end, self._offset(change))]

    def _offset(self, instant: datetime) -> timedelta:
        offset = instant.astimezone(self._zone).utcoffset()
        assert offset is not None  # a ZoneInfo always knows its offset
        return offset


def _midnight(day: date) -> datetime:
    return datetime.combine(day, _MIDNIGHT, tzinfo=UTC)


def _append_joined(periods: list[Period], opens: datetime, closes: datetime) -> None:
    if periods and periods[-1][1] == opens:
        periods[-1] = (periods[-1][0], closes)
    else:
        periods.append((opens, closes))


@lru_cache(maxsize=256)  # a configuration has a few targets
def _target(seconds: float) -> timedelta:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a target is a finite number of seconds >= 0, got {seconds!r}")
    return timedelta(seconds=seconds)
