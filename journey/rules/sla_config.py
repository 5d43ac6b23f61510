"""SLA policies and calendars (SPEC 5.1), loaded from a YAML or JSON file.

`load_sla_config(path)` reads and validates the file; every problem found is
reported at once in one `SlaConfigError`, each naming its field path
(`policies[1].targets.first_response: invalid duration '5x' ...`). With no
path, the built-in `DEFAULT_SLA_CONFIG_YAML` (the SPEC example) applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from journey.rules.calendar import (
    ALWAYS_OPEN,
    Calendar,
    WeeklyCalendar,
)
from journey.rules.sla import METRICS
from journey.rules.sla_schema import ConfigIn, PolicyIn, describe, reference_problems

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
    config: ConfigIn | None = None
    try:
        config = ConfigIn.model_validate(data)
    except ValidationError as error:
        problems.extend(describe(detail) for detail in error.errors())
    problems.extend(reference_problems(data))
    if problems or config is None:
        raise SlaConfigError(problems, source)
    return _build(config)


def _build(config: ConfigIn) -> SlaConfig:
    calendars: dict[str, Calendar] = {ALWAYS_OPEN.name: ALWAYS_OPEN}
    for name, spec in config.calendars.items():
        calendars[name] = WeeklyCalendar(name, spec.timezone, spec.hours, spec.holidays)
    policies = tuple(_policy(policy, calendars[policy.calendar]) for policy in config.policies)
    identities = None if config.identities is None else MappingProxyType(config.identities)
    return SlaConfig(policies, MappingProxyType(calendars), identities)


def _policy(policy: PolicyIn, calendar: Calendar) -> Policy:
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
