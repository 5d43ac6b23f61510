"""SPEC 5.1: loading and validating SLA policies and calendars."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from journey.rules.calendar import ALWAYS_OPEN, WeeklyCalendar
from journey.rules.sla_config import (
    DEFAULT_SLA_CONFIG_YAML,
    SlaConfig,
    SlaConfigError,
    load_sla_config,
    parse_sla_config,
)
from journey.rules.sla_schema import parse_duration

SPEC_EXAMPLE = """\
calendars:
  office:
    timezone: Europe/Moscow          # IANA name; daylight saving applies
    hours:                           # local wall-clock intervals per weekday
      mon: [["09:00", "18:00"]]
      tue: [["09:00", "18:00"]]
      wed: [["09:00", "13:00"], ["14:00", "18:00"]]
      thu: [["09:00", "18:00"]]
      fri: [["09:00", "17:00"]]
    holidays: ["2026-12-31", "2027-01-01"]   # local dates with no hours
policies:                            # the first policy that matches a case applies
  - name: chat-urgent
    match: {channels: [chat, messenger], priorities: [urgent, high]}
    calendar: 24x7                   # built in: always open
    targets: {first_response: 5m, next_response: 10m, resolution: 4h}
  - name: default
    match: {}                        # matches everything
    calendar: office
    targets: {first_response: 8h, next_response: 8h, resolution: 5d}
"""
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0


def spec_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC_EXAMPLE)
    return data


def problems_of(data: object) -> list[str]:
    with pytest.raises(SlaConfigError) as raised:
        parse_sla_config(data)
    return list(raised.value.problems)


def assert_is_the_spec_example(config: SlaConfig) -> None:
    urgent, default = config.policies
    assert (urgent.name, default.name) == ("chat-urgent", "default")
    assert urgent.calendar is ALWAYS_OPEN
    assert dict(urgent.targets) == {
        "first_response": 5 * MINUTE,
        "next_response": 10 * MINUTE,
        "resolution": 4 * HOUR,
    }
    assert dict(default.targets) == {
        "first_response": 8 * HOUR,
        "next_response": 8 * HOUR,
        "resolution": 5 * DAY,
    }
    office = default.calendar
    assert isinstance(office, WeeklyCalendar)
    assert (office.name, office.timezone) == ("office", "Europe/Moscow")
    assert {date(2026, 12, 31), date(2027, 1, 1)} <= office.holidays


def test_the_spec_example_yaml_loads(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(SPEC_EXAMPLE, encoding="utf-8")

    config = load_sla_config(path)

    assert_is_the_spec_example(config)
    assert (
        config.policies[1].calendar.business_seconds(
            datetime(2026, 6, 3, 6, tzinfo=UTC), datetime(2026, 6, 4, 6, tzinfo=UTC)
        )
        == 8 * HOUR
    )  # Wednesday 09:00-18:00 Moscow with a lunch hour


def test_the_same_configuration_as_json_loads(tmp_path: Path) -> None:
    path = tmp_path / "sla.json"
    path.write_text(json.dumps(spec_data(), default=str), encoding="utf-8")

    assert_is_the_spec_example(load_sla_config(str(path)))


def test_no_path_gives_the_built_in_default_equal_to_the_spec_example() -> None:
    config = load_sla_config(None)

    assert_is_the_spec_example(config)
    office = config.policies[1].calendar
    assert isinstance(office, WeeklyCalendar)
    assert date(2026, 1, 1) in office.holidays and date(2026, 6, 12) in office.holidays
    assert parse_sla_config(yaml.safe_load(DEFAULT_SLA_CONFIG_YAML)) == config


def test_the_first_matching_policy_applies_and_none_means_no_sla() -> None:
    data = spec_data()
    data["policies"] = data["policies"][:1]
    only_urgent_chat = parse_sla_config(data)
    spec = parse_sla_config(spec_data())

    assert spec.policy_for("chat", "urgent") is spec.policies[0]
    assert spec.policy_for("messenger", "high") is spec.policies[0]
    assert spec.policy_for("chat", "normal") is spec.policies[1]
    assert spec.policy_for("email", "urgent") is spec.policies[1]
    assert spec.policy_for(None, "urgent") is spec.policies[1]
    assert only_urgent_chat.policy_for("chat", "urgent") is only_urgent_chat.policies[0]
    assert only_urgent_chat.policy_for("email", "urgent") is None
    assert only_urgent_chat.policy_for(None, "high") is None


def test_an_absent_target_means_the_metric_is_not_tracked() -> None:
    data = spec_data()
    data["policies"][0]["targets"] = {"first_response": "1h30m"}

    config = parse_sla_config(data)

    assert dict(config.policies[0].targets) == {"first_response": 90 * MINUTE}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("8h", 28800), ("5d", 432000), ("1h30m", 5400), ("1d 2h", 93600)],
)
def test_durations_are_read_in_business_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5x", "", "h", "0m", "-5m", "1.5h", "30", "5m1h", 300, None])
def test_invalid_durations_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


Change = Callable[[dict[str, Any]], object]
INVALID_CASES: list[tuple[str, Change, str]] = [
    (
        "duration",
        lambda d: d["policies"][1]["targets"].update(first_response="5x"),
        "policies[1].targets.first_response: invalid duration '5x'",
    ),
    (
        "unknown-metric",
        lambda d: d["policies"][0]["targets"].update(handle_time="5m"),
        "policies[0].targets.handle_time: unknown key",
    ),
    ("unknown-top-key", lambda d: d.update(policy=[]), "policy: unknown key"),
    (
        "unknown-calendar",
        lambda d: d["policies"][1].update(calendar="shop"),
        "policies[1].calendar: unknown calendar 'shop'",
    ),
    (
        "timezone",
        lambda d: d["calendars"]["office"].update(timezone="Europe/Atlantis"),
        "calendars.office.timezone: unknown timezone 'Europe/Atlantis'",
    ),
    (
        "weekday",
        lambda d: d["calendars"]["office"]["hours"].update(monday=[["09:00", "18:00"]]),
        "calendars.office.hours.monday: unknown weekday 'monday'",
    ),
    (
        "interval-order",
        lambda d: d["calendars"]["office"]["hours"].update(mon=[["18:00", "09:00"]]),
        "calendars.office.hours.mon[0]: interval 18:00-09:00 does not end after it starts",
    ),
    (
        "interval-time",
        lambda d: d["calendars"]["office"]["hours"]["wed"].__setitem__(1, ["14:00", "24:30"]),
        "calendars.office.hours.wed[1]: invalid time '24:30'",
    ),
    (
        "overlap",
        lambda d: d["calendars"]["office"]["hours"].update(
            tue=[["09:00", "13:00"], ["12:00", "18:00"]]
        ),
        "calendars.office.hours.tue: intervals 09:00-13:00 and 12:00-18:00 overlap",
    ),
    (
        "no-hours",
        lambda d: d["calendars"]["office"].update(hours={"sat": []}),
        "calendars.office.hours: the calendar has no business hours",
    ),
    (
        "holiday",
        lambda d: d["calendars"]["office"]["holidays"].append("2026-02-30"),
        "calendars.office.holidays[2]: invalid holiday '2026-02-30'",
    ),
    (
        "channel",
        lambda d: d["policies"][0]["match"].update(channels=["chat", "fax"]),
        "policies[0].match.channels[1]: unknown channel 'fax'",
    ),
    (
        "priority",
        lambda d: d["policies"][0]["match"].update(priorities=["critical"]),
        "policies[0].match.priorities[0]: unknown priority 'critical'",
    ),
    (
        "empty-match-list",
        lambda d: d["policies"][0]["match"].update(channels=[]),
        "policies[0].match.channels: must not be empty",
    ),
    (
        "reserved-calendar-name",
        lambda d: d["calendars"].update({"24x7": d["calendars"]["office"]}),
        "calendars.24x7: invalid calendar name '24x7'",
    ),
    (
        "duplicate-policy",
        lambda d: d["policies"][1].update(name="chat-urgent"),
        "policies[1].name: duplicate name 'chat-urgent'",
    ),
    ("missing-targets", lambda d: d["policies"][0].pop("targets"), "policies[0].targets: required"),
    ("policies-not-a-list", lambda d: d.update(policies="default"), "policies: expected a list"),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [(change, expected) for _, change, expected in INVALID_CASES],
    ids=[name for name, _, _ in INVALID_CASES],
)
def test_each_invalid_field_is_named_in_the_error(change: Change, expected: str) -> None:
    data = spec_data()
    change(data)

    problems = problems_of(data)

    assert any(problem.startswith(expected) for problem in problems), problems


def test_all_problems_are_reported_at_once_in_one_error() -> None:
    data = spec_data()
    data["policies"][0]["targets"]["resolution"] = "4 hours"
    data["policies"][1]["calendar"] = "shop"
    data["calendars"]["office"]["timezone"] = "Moscow"

    with pytest.raises(SlaConfigError) as raised:
        parse_sla_config(data)

    assert len(raised.value.problems) == 3
    assert isinstance(raised.value, ValueError)
    assert "policies[0].targets.resolution: invalid duration '4 hours'" in str(raised.value)


def test_an_unquoted_yaml_time_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(SPEC_EXAMPLE.replace('"18:00"', "18:00", 1), encoding="utf-8")

    expected = r"hours\.mon\[0\]: invalid time 1080 \(expected a quoted"
    with pytest.raises(SlaConfigError, match=expected):
        load_sla_config(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sla.yaml", "policies: [\n", "cannot parse"),
        ("sla.yaml", "policies: []\npolicies: []\n", "duplicate key 'policies'"),
        ("sla.json", '{"policies": [], "policies": []}', "duplicate key 'policies'"),
        ("sla.json", "{'policies': []}", "cannot parse"),
        ("sla.yaml", "- a list\n", "expected a mapping"),
        ("sla.yaml", "", "expected a mapping"),
    ],
)
def test_an_unreadable_file_is_refused_naming_the_file(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")

    with pytest.raises(SlaConfigError, match=message) as raised:
        load_sla_config(path)

    assert str(path) in str(raised.value)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SlaConfigError, match="cannot read"):
        load_sla_config(tmp_path / "absent.yaml")


def test_policies_may_be_empty_and_calendars_omitted() -> None:
    config = parse_sla_config({"policies": []})

    assert config.policies == () and config.policy_for("chat", "urgent") is None


def test_the_parsed_input_is_not_modified() -> None:
    data = spec_data()
    before = copy.deepcopy(data)

    parse_sla_config(data)

    assert data == before
