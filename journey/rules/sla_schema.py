"""The shape of the SLA configuration file (SPEC 5.1) as pydantic input models,
with the validators that name what is wrong; `journey.rules.sla_config` turns a
valid file into the policies and calendars the rules use."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import ErrorDetails

from journey.rules.calendar import ALWAYS_OPEN, WEEKDAYS, load_zone, parse_day_hours
from journey.vocabulary.terms import CHANNELS, PRIORITIES


def parse_duration(value: object) -> float:
    """Seconds in a duration like '30s', '5m', '8h', '5d' or '1h30m' (a day is 24h)."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        raise ValueError(f"invalid duration {value!r} (expected e.g. '30s', '5m', '8h', '1h30m')")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if not 0 < total <= _LONGEST_DURATION:
        raise ValueError(f"invalid duration {value!r} (expected more than 0s, at most 3650d)")
    return float(total)


_LONGEST_DURATION = 3650 * 24 * 3600
_DURATION = re.compile(
    r"\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*", re.ASCII
)


def _one_of(kind: str, allowed: Sequence[str]) -> PlainValidator:
    def check(value: object) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"unknown {kind} {value!r} (expected one of {', '.join(allowed)})")
        return value

    return PlainValidator(check)


def _interval(value: object) -> tuple[str, str]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"expected an interval [start, end], got {value!r}")
    parse_day_hours([value])
    return (value[0], value[1])


def _no_overlap(intervals: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    parse_day_hours(intervals)
    return intervals


def _some_hours(hours: dict[str, tuple[tuple[str, str], ...]]) -> dict[str, Any]:
    if not any(hours.values()):
        raise ValueError("the calendar has no business hours on any weekday")
    return hours


def _holiday(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
        with suppress(ValueError):
            return date.fromisoformat(value)
    raise ValueError(f"invalid holiday {value!r} (expected an ISO date like '2026-12-31')")


def _timezone(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"invalid timezone {value!r} (expected an IANA name)")
    load_zone(value)
    return value


def _calendar_name(value: object) -> str:
    if value == ALWAYS_OPEN.name or not isinstance(value, str) or not value:
        raise ValueError(f"invalid calendar name {value!r} ('24x7' is the built-in one)")
    return value


def _not_empty(values: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if values is not None and not values:
        raise ValueError("must not be empty (leave the key out to match any)")
    return values


_Channels = Annotated[
    tuple[Annotated[str, _one_of("channel", CHANNELS)], ...] | None, AfterValidator(_not_empty)
]
_Priorities = Annotated[
    tuple[Annotated[str, _one_of("priority", PRIORITIES)], ...] | None, AfterValidator(_not_empty)
]
_Duration = Annotated[float, PlainValidator(parse_duration)]
_Weekday = Annotated[str, _one_of("weekday", WEEKDAYS)]
_DayHours = Annotated[
    tuple[Annotated[tuple[str, str], PlainValidator(_interval)], ...], AfterValidator(_no_overlap)
]


class _StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CalendarIn(_StrictModel):
    timezone: Annotated[str, PlainValidator(_timezone)]
    hours: Annotated[dict[_Weekday, _DayHours], AfterValidator(_some_hours)]
    holidays: tuple[Annotated[date, PlainValidator(_holiday)], ...] = ()


class _MatchIn(_StrictModel):
    channels: _Channels = None
    priorities: _Priorities = None


class _TargetsIn(_StrictModel):
    first_response: _Duration | None = None
    next_response: _Duration | None = None
    resolution: _Duration | None = None


class PolicyIn(_StrictModel):
    name: str = Field(min_length=1)
    match: _MatchIn = Field(default_factory=_MatchIn)
    calendar: str
    targets: _TargetsIn


class ConfigIn(_StrictModel):
    calendars: dict[Annotated[str, PlainValidator(_calendar_name)], _CalendarIn] = Field(
        default_factory=dict
    )
    policies: tuple[PolicyIn, ...]
    identities: dict[str, Any] | None = None  # validated by `journey.identities.config`


def reference_problems(data: Mapping[Any, Any]) -> list[str]:
    """Unknown calendars and duplicate policy names, checked on the raw data
    so that they are reported alongside any field errors."""
    calendars = data.get("calendars") or {}
    policies = data.get("policies")
    if not isinstance(calendars, Mapping) or not isinstance(policies, list | tuple):
        return []
    known = "defined: " + ", ".join(map(repr, dict.fromkeys([*calendars, ALWAYS_OPEN.name])))
    problems: list[str] = []
    seen: dict[str, int] = {}
    for index, policy in enumerate(policies):
        if not isinstance(policy, Mapping):
            continue
        calendar, name = policy.get("calendar"), policy.get("name")
        if isinstance(calendar, str) and calendar not in [*calendars, ALWAYS_OPEN.name]:
            problems.append(f"policies[{index}].calendar: unknown calendar {calendar!r} ({known})")
        if isinstance(name, str) and name in seen:
            problems.append(f"policies[{index}].name: duplicate name {name!r} (as [{seen[name]}])")
        elif isinstance(name, str):
            seen[name] = index
    return problems


_EXPECTED = {"dict_type": "a mapping", "model_type": "a mapping", "tuple_type": "a list"}


def describe(detail: ErrorDetails) -> str:
    path = ""
    for part in detail["loc"]:
        if part == "[key]":
            continue
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    kind = detail["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required"
    elif kind in ("value_error", "assertion_error"):
        message = str(detail.get("ctx", {}).get("error", detail["msg"]))
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {detail['input']!r}"
    else:
        message = f"{detail['msg'][0].lower()}{detail['msg'][1:]}, got {detail['input']!r}"
    return f"{path}: {message}" if path else message
