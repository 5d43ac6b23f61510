"""SPEC 5: business calendars, by fixed examples and by properties against a
slow minute-by-minute reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journey.rules.calendar import ALWAYS_OPEN, WEEKDAYS, Calendar, WeeklyCalendar

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600.0
MICROSECOND = timedelta(microseconds=1)
WORKWEEK = {day: [("09:00", "17:00")] for day in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=BERLIN)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def office(**changes: Sequence[tuple[str, str]]) -> WeeklyCalendar:
    return WeeklyCalendar("office", "Europe/Berlin", {**WORKWEEK, **changes})


# fixed examples -------------------------------------------------------------


def test_a_target_reached_exactly_at_friday_closing_is_due_at_monday_opening() -> None:
    calendar = office()
    friday_afternoon = berlin(2026, 6, 5, 15, 0)

    due = calendar.deadline(friday_afternoon, 2 * HOUR)

    assert due == berlin(2026, 6, 8, 9, 0)
    assert due.tzinfo is UTC
    assert calendar.business_seconds(friday_afternoon, due) == 2 * HOUR
    assert calendar.business_seconds(friday_afternoon, due + MICROSECOND) > 2 * HOUR


def test_a_target_reached_inside_hours_is_due_at_that_instant() -> None:
    due = office().deadline(berlin(2026, 6, 5, 10, 0), 90 * 60)

    assert due == berlin(2026, 6, 5, 11, 30)


def test_the_lunch_break_does_not_count() -> None:
    calendar = office(wed=[("09:00", "13:00"), ("14:00", "18:00")])
    before_lunch = berlin(2026, 6, 3, 12, 0)

    assert calendar.deadline(before_lunch, 2 * HOUR) == berlin(2026, 6, 3, 15, 0)
    assert calendar.deadline(before_lunch, 1 * HOUR) == berlin(2026, 6, 3, 14, 0)
    assert calendar.business_seconds(before_lunch, berlin(2026, 6, 3, 15, 0)) == 2 * HOUR


def test_a_holiday_is_skipped() -> None:
    calendar = WeeklyCalendar("office", "Europe/Berlin", WORKWEEK, holidays=[date(2026, 6, 4)])
    wednesday_closing = berlin(2026, 6, 3, 16, 0)

    assert calendar.deadline(wednesday_closing, 2 * HOUR) == berlin(2026, 6, 5, 10, 0)
    assert calendar.business_seconds(wednesday_closing, berlin(2026, 6, 6)) == 9 * HOUR


def test_opening_hours_keep_their_wall_clock_time_across_the_spring_dst_weekend() -> None:
    calendar = office()
    friday = berlin(2026, 3, 27, 16, 0)  # CET, UTC+1

    due = calendar.deadline(friday, 2 * HOUR)

    assert due == utc(2026, 3, 30, 8, 0)  # Monday 10:00 CEST, UTC+2
    assert calendar.business_seconds(friday, due) == 2 * HOUR


def test_opening_hours_keep_their_wall_clock_time_across_the_autumn_dst_weekend() -> None:
    calendar = office()

    due = calendar.deadline(berlin(2026, 10, 23, 16, 0), 2 * HOUR)

    assert due == utc(2026, 10, 26, 9, 0)  # Monday 10:00 CET, UTC+1


def test_a_day_open_around_the_clock_lasts_23_hours_in_spring_and_25_in_autumn() -> None:
    calendar = WeeklyCalendar("all-sunday", "Europe/Berlin", {"sun": [("00:00", "24:00")]})

    spring = calendar.business_seconds(utc(2026, 3, 28), utc(2026, 3, 30))
    autumn = calendar.business_seconds(utc(2026, 10, 24), utc(2026, 10, 26))

    assert (spring, autumn) == (23 * HOUR, 25 * HOUR)
    assert calendar.open_periods(date(2026, 10, 25)) == (
        (utc(2026, 10, 25), utc(2026, 10, 25, 23)),  # local 02:00 to 03:00 comes twice
    )


def test_a_skipped_local_hour_is_never_open_and_a_repeated_one_counts_twice() -> None:
    early = WeeklyCalendar("early", "Europe/Berlin", {"sun": [("02:30", "04:00")]})

    skipped = early.business_seconds(utc(2026, 3, 28), utc(2026, 3, 30))
    repeated = early.business_seconds(utc(2026, 10, 24), utc(2026, 10, 26))

    assert skipped == 1 * HOUR  # from the jump at 03:00 CEST (01:00 UTC) to 04:00
    assert early.deadline(utc(2026, 3, 29), 0) == utc(2026, 3, 29, 1, 0)
    assert repeated == 2 * HOUR  # 02:30-03:00 CEST (0.5h), then 02:30-04:00 CET (1.5h)


def test_moscow_hours_follow_the_2014_change_of_its_utc_offset() -> None:
    calendar = WeeklyCalendar("office", "Europe/Moscow", WORKWEEK)

    due = calendar.deadline(utc(2014, 10, 24, 13, 0), 1 * HOUR)  # Friday 17:00, UTC+4

    assert due == utc(2014, 10, 27, 7, 0)  # Monday 10:00, UTC+3


def test_a_start_outside_hours_starts_the_clock_at_the_next_opening() -> None:
    calendar = office()
    saturday = berlin(2026, 6, 6, 11, 0)

    assert calendar.deadline(saturday, 1 * HOUR) == berlin(2026, 6, 8, 10, 0)
    assert calendar.business_seconds(saturday, berlin(2026, 6, 8, 10, 0)) == 1 * HOUR


def test_a_zero_target_is_due_at_the_start_inside_hours_else_at_the_next_opening() -> None:
    calendar = office()

    assert calendar.deadline(berlin(2026, 6, 5, 12, 0), 0) == berlin(2026, 6, 5, 12, 0)
    assert calendar.deadline(berlin(2026, 6, 5, 17, 0), 0) == berlin(2026, 6, 8, 9, 0)


def test_a_target_of_weeks_spans_whole_weeks_and_holidays() -> None:
    calendar = WeeklyCalendar("office", "UTC", WORKWEEK, holidays=[date(2026, 12, 31)])
    start = utc(2026, 1, 5, 9)  # a Monday opening

    # 15 days of 8h end on Friday 23 at closing: due at the next opening
    assert calendar.deadline(start, 5 * 24 * HOUR) == utc(2026, 1, 26, 9)
    assert calendar.business_seconds(start, utc(2031, 1, 6, 9)) == (261 * 40 - 8) * HOUR


def test_the_24x7_calendar_counts_elapsed_time_also_across_dst() -> None:
    start, end = berlin(2026, 3, 28, 12, 0), berlin(2026, 3, 29, 12, 0)

    assert ALWAYS_OPEN.name == "24x7"
    assert ALWAYS_OPEN.business_seconds(start, end) == 23 * HOUR
    assert ALWAYS_OPEN.business_seconds(end, start) == 0.0
    assert ALWAYS_OPEN.deadline(start, 24 * HOUR) == berlin(2026, 3, 29, 13, 0)
    assert ALWAYS_OPEN.deadline(start, 0).tzinfo is UTC


@pytest.mark.parametrize("calendar", [ALWAYS_OPEN, office()], ids=["24x7", "office"])
def test_naive_datetimes_and_negative_targets_are_refused(calendar: Calendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_seconds(datetime(2026, 1, 1), utc(2026, 1, 2))
    with pytest.raises(ValueError, match="target"):
        calendar.deadline(utc(2026, 1, 1), -1)


@pytest.mark.parametrize(
    ("hours", "timezone", "message"),
    [
        ({}, "UTC", "no business hours"),
        ({"mon": []}, "UTC", "no business hours"),
        ({"mon": [("09:00", "17:00")]}, "Mars/Olympus", "unknown timezone"),
        ({"monday": [("09:00", "17:00")]}, "UTC", "unknown weekday"),
        ({"mon": [("17:00", "09:00")]}, "UTC", "does not end after it starts"),
        ({"mon": [("09:00", "12:00"), ("11:00", "13:00")]}, "UTC", "overlap"),
        ({"mon": [("9:00", "12:00")]}, "UTC", "invalid time"),
        ({"mon": [("09:00", "24:01")]}, "UTC", "invalid time"),
    ],
)
def test_an_invalid_calendar_is_refused_at_construction(
    hours: Mapping[str, Sequence[tuple[str, str]]], timezone: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        WeeklyCalendar("bad", timezone, hours)


def test_intervals_may_touch_and_be_given_in_any_order() -> None:
    calendar = WeeklyCalendar("split", "UTC", {"mon": [("12:00", "24:00"), ("00:00", "12:00")]})

    assert calendar.business_seconds(utc(2026, 6, 1), utc(2026, 6, 2)) == 24 * HOUR
    assert calendar.deadline(utc(2026, 6, 1), 12 * HOUR) == utc(2026, 6, 1, 12)


# properties -----------------------------------------------------------------

# each zone with dates on which its UTC offset changes (Moscow: to +4 in 2011, to +3 in 2014;
# Santiago: at local midnight, so some days start at 01:00 or repeat 23:00)
ZONE_ANCHORS = {
    "Europe/Berlin": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Europe/Moscow": [date(2011, 3, 27), date(2014, 10, 26)],
    "America/Santiago": [date(2026, 4, 5), date(2026, 9, 6)],
    "UTC": [date(2026, 6, 1)],
}
ZONES = list(ZONE_ANCHORS)


@dataclass(frozen=True)
class CalendarCase:
    timezone: str
    minutes: dict[str, list[tuple[int, int]]]
    holidays: frozenset[date]
    anchor: datetime

    def build(self) -> WeeklyCalendar:
        hours = {
            day: [(_clock(a), _clock(b)) for a, b in spans] for day, spans in self.minutes.items()
        }
        return WeeklyCalendar("random", self.timezone, hours, self.holidays)

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(ZoneInfo(self.timezone))
        minute = local.hour * 60 + local.minute
        spans = self.minutes.get(WEEKDAYS[local.weekday()], [])
        return local.date() not in self.holidays and any(a <= minute < b for a, b in spans)

    def weekly_minutes(self) -> int:
        return sum(b - a for spans in self.minutes.values() for a, b in spans)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def reference_business_seconds(case: CalendarCase, start: datetime, end: datetime) -> float:
    """Minute by minute: the zones used change offsets only at whole minutes."""
    total, minute = 0.0, start
    while minute < end:
        total += 60.0 if case.is_open(minute) else 0.0
        minute += timedelta(minutes=1)
    return total


boundary = st.one_of(st.integers(0, 1440), st.sampled_from([0, 60, 120, 150, 180, 1380, 1440]))
day_spans = (
    st.sets(boundary, max_size=6)
    .map(sorted)
    .map(lambda points: [(a, b) for a, b in zip(points[0::2], points[1::2], strict=False)])
)


@st.composite
def calendar_cases(draw: st.DrawFn) -> CalendarCase:
    minutes = draw(st.fixed_dictionaries({day: day_spans for day in WEEKDAYS}))
    minutes = {day: spans for day, spans in minutes.items() if spans}
    if not minutes:
        minutes = {draw(st.sampled_from(WEEKDAYS)): [(540, 1020)]}
    timezone = draw(st.sampled_from(ZONES))
    anchor = draw(st.sampled_from(ZONE_ANCHORS[timezone]))
    holidays = draw(st.frozensets(st.integers(-12, 12).map(lambda d: anchor + timedelta(d))))
    return CalendarCase(
        timezone=timezone,
        minutes=minutes,
        holidays=holidays,
        anchor=datetime.combine(anchor, datetime.min.time(), tzinfo=UTC),
    )


def instants_near(case: CalendarCase, unit: timedelta) -> st.SearchStrategy[datetime]:
    return st.integers(-7 * 24 * 60, 7 * 24 * 60).map(lambda n: case.anchor + n * unit)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_business_seconds_agree_with_a_minute_by_minute_count(data: st.DataObject) -> None:
    case = data.draw(calendar_cases())
    start = data.draw(instants_near(case, timedelta(minutes=1)))
    end = start + timedelta(minutes=data.draw(st.integers(-60, 10 * 24 * 60)))

    assert case.build().business_seconds(start, end) == reference_business_seconds(case, start, end)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_deadline_is_the_last_instant_before_the_target_is_exceeded(
    data: st.DataObject,
) -> None:
    case = data.draw(calendar_cases())
    calendar = case.build()
    start = data.draw(instants_near(case, timedelta(seconds=1)))
    closings = [
        closes
        for day in range(-1, 15)
        for _, closes in calendar.open_periods((start + timedelta(days=day)).date())
        if closes > start
    ]
    reached_at_closing = st.sampled_from(closings or [start]).map(
        lambda closes: int(calendar.business_seconds(start, closes))
    )
    targets = st.one_of(st.integers(0, 2 * 60 * case.weekly_minutes()), reached_at_closing)
    smaller, target = sorted(data.draw(st.lists(targets, min_size=2, max_size=2)))

    due = calendar.deadline(start, target)

    assert due >= start and due.tzinfo is UTC
    assert calendar.business_seconds(start, due) == target
    assert calendar.business_seconds(start, due + MICROSECOND) > target
    assert calendar.deadline(start, smaller) <= due


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_business_seconds_add_up_over_consecutive_spans_whatever_the_input_zone(
    data: st.DataObject,
) -> None:
    case = data.draw(calendar_cases())
    calendar = case.build()
    instants = st.lists(instants_near(case, timedelta(seconds=61)), min_size=3, max_size=3)
    a, b, c = sorted(data.draw(instants))
    elsewhere = ZoneInfo(data.draw(st.sampled_from(ZONES)))

    whole = calendar.business_seconds(a, c)

    assert whole == calendar.business_seconds(a, b) + calendar.business_seconds(b, c)
    assert whole == calendar.business_seconds(a.astimezone(elsewhere), c.astimezone(elsewhere))
