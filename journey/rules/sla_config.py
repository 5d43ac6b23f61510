"""SLA policies and calendars (SPEC 5.1), loaded from a YAML or JSON file.

`load_sla_config(path)` reads and validates the file; every problem found is
reported at once in one `SlaConfigError`, each naming its field path
(`policies[1].targets.first_response: invalid duration '5x' ...`). With no
path, the built-in `DEFAULT_SLA_CONFIG_YAML` (the SPEC example) applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic_core import ErrorDetails

from journey.rules.calendar import (
    ALWAYS_OPEN,
    WEEKDAYS,
    Calendar,
    WeeklyCalendar,
    load_zone,
    parse_day_hours,
)
from journey.vocabulary.terms import CHANNELS, PRIORITIES

METRICS = ("first_response", "next_response", "resolution")

DEFAULT_SLA_CONFIG_YAML = """\
calendars:
  office:
    timezone: Europe/Moscow
    hours:
      mon: [["09:00", "18:00"]]
      tue: [["09:00", "18:00"]]
      wed: [["09:00", "13:00"], ["14:00", "18:00"]]
      thu: [["09:00", "18:00"]]
      fri: [["09:00", "17:00"]]
    # Russian non-working holidays falling on weekdays (Labour Code art. 112,
    # a holiday on a weekend moves to the next working day); 2026 includes the
    # government's transfers of Jan 3 and 4 to Jan 9 and Dec 31. The 2027
    # transfers of Jan 2 and 3 are not yet decreed and not listed.
    holidays: [
      "2026-01-01", "2026-01-02", "2026-01-05", "2026-01-06", "2026-01-07",
      "2026-01-08", "2026-01-09", "2026-02-23", "2026-03-09", "2026-05-01",
      "2026-05-11", "2026-06-12", "2026-11-04", "2026-12-31",
      "2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07",
      "2027-01-08", "2027-02-23", "2027-03-08", "2027-05-03", "2027-05-10",
      "2027-06-14", "2027-11-04"]
policies:
  - name: chat-urgent
    match: {channels: [chat, messenger], priorities: [urgent, high]}
    calendar: 24x7
    targets: {first_response: 5m, next_response: 10m, resolution: 4h}
  - name: default
    match: {}
    calendar: office
    targets: {first_response: 8h, next_response: 8h, resolution: 5d}
"""


class SlaConfigError(ValueError):
    """The configuration is invalid; `problems` lists each, with its field path."""

    def __init__(self, problems: Sequence[str], source: str = "SLA configuration") -> None:
        self.problems = tuple(problems)
        self.source = source
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid {source}:\n{listing}")


@dataclass(frozen=True)
class Match:
    """Which cases a policy applies to; None means any."""

    channels: frozenset[str] | None = None
    priorities: frozenset[str] | None = None

    def matches(self, channel: str | None, priority: str) -> bool:
        return (self.channels is None or channel in self.channels) and (
            self.priorities is None or priority in self.priorities
        )


@dataclass(frozen=True)
class Policy:
    """A named policy: its calendar and its targets in business seconds per
    metric; a metric without a target is not tracked."""

    name: str
    calendar: Calendar
    targets: Mapping[str, float]
    match: Match = field(default_factory=Match)


@dataclass(frozen=True)
class SlaConfig:
    policies: tuple[Policy, ...]
    calendars: Mapping[str, Calendar]
    identities: Mapping[str, Any] | None = None  # SPEC 10.5, as found: `journey.identities.config`

    def policy_for(self, channel: str | None, priority: str) -> Policy | None:
        """The first policy matching the case; None: the case has no SLA."""
        return next((p for p in self.policies if p.match.matches(channel, priority)), None)


def load_sla_config(path: str | Path | None) -> SlaConfig:
    """The configuration in the YAML or JSON file `path` (JSON when it ends in
    `.json`); the built-in default when `path` is None."""
    if path is None:
        return default_sla_config()
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SlaConfigError([f"cannot read the file: {error}"], str(source)) from error
    try:
        data = _parse_json(text) if source.suffix == ".json" else _parse_yaml(text)
    except (ValueError, yaml.YAMLError) as error:
        raise SlaConfigError([f"cannot parse the file: {error}"], str(source)) from error
    return parse_sla_config(data, str(source))


@cache
def default_sla_config() -> SlaConfig:
    """The SPEC 5.1 example with the office calendar's holidays."""
    return parse_sla_config(yaml.safe_load(DEFAULT_SLA_CONFIG_YAML), "default SLA configuration")


def parse_sla_config(data: object, source: str = "SLA configuration") -> SlaConfig:
    """Validate already parsed data (mappings and lists) into an SlaConfig."""
    if not isinstance(data, Mapping):
        raise SlaConfigError(["expected a mapping with 'calendars' and 'policies'"], source)
    problems: list[str] = []
    config: _ConfigIn | None = None
    try:
        config = _ConfigIn.model_validate(data)
    except ValidationError as error:
        problems.extend(_describe(detail) for detail in error.errors())
    problems.extend(_reference_problems(data))
    if problems or config is None:
        raise SlaConfigError(problems, source)
    return _build(config)


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


class _PolicyIn(_StrictModel):
    name: str = Field(min_length=1)
    match: _MatchIn = Field(default_factory=_MatchIn)
    calendar: str
    targets: _TargetsIn


class _ConfigIn(_StrictModel):
    calendars: dict[Annotated[str, PlainValidator(_calendar_name)], _CalendarIn] = Field(
        default_factory=dict
    )
    policies: tuple[_PolicyIn, ...]
    identities: dict[str, Any] | None = None  # validated by `journey.identities.config`


def _reference_problems(data: Mapping[Any, Any]) -> list[str]:
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


def _describe(detail: ErrorDetails) -> str:
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


def _build(config: _ConfigIn) -> SlaConfig:
    calendars: dict[str, Calendar] = {ALWAYS_OPEN.name: ALWAYS_OPEN}
    for name, spec in config.calendars.items():
        calendars[name] = WeeklyCalendar(name, spec.timezone, spec.hours, spec.holidays)
    policies = tuple(_policy(policy, calendars[policy.calendar]) for policy in config.policies)
    identities = None if config.identities is None else MappingProxyType(config.identities)
    return SlaConfig(policies, MappingProxyType(calendars), identities)


def _policy(policy: _PolicyIn, calendar: Calendar) -> Policy:
    targets = {metric: getattr(policy.targets, metric) for metric in METRICS}
    channels, priorities = policy.match.channels, policy.match.priorities
    return Policy(
        name=policy.name,
        calendar=calendar,
        targets=MappingProxyType({k: v for k, v in targets.items() if v is not None}),
        match=Match(
            channels=None if channels is None else frozenset(channels),
            priorities=None if priorities is None else frozenset(priorities),
        ),
    )


def _parse_json(text: str) -> object:
    return json.loads(text, object_pairs_hook=_unique_keys)


def _parse_yaml(text: str) -> object:
    # safe: _UniqueKeyLoader is a SafeLoader
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            raise ValueError(f"duplicate key {key!r}")
    return dict(pairs)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]  # type: ignore[no-untyped-call]
        for index, key in enumerate(keys):
            if key in keys[:index]:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", node.start_mark
                )
        return super().construct_mapping(node, deep=deep)
