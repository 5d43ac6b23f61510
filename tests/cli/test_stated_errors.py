"""A newcomer's mistakes get one clear line on stderr and a non-zero exit,
never a traceback."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Journey


def stated_alone(ran: subprocess.CompletedProcess[str], *phrases: str) -> str:
    assert ran.returncode == 2, ran
    stderr = ran.stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("journey: "), stderr
    for phrase in phrases:
        assert phrase in stderr, stderr
    return stderr


@pytest.mark.parametrize(
    "command",
    [
        ["keys", "create", "--name", "ops", "--scopes", "read"],
        ["projections", "status"],
        ["verify"],
        ["export", "--customer", "c1"],
        ["serve", "--no-migrate", "--port", "0"],
    ],
)
def test_a_database_never_migrated_says_to_run_journey_migrate(
    journey_in: Callable[[str], Journey], bare_database: str, command: list[str]
) -> None:
    ran = journey_in(bare_database)(*command)

    message = stated_alone(ran, "has no journey schema", "run `journey migrate`")
    assert message.count("\n") == 1


def test_after_journey_migrate_the_same_command_works(
    journey_in: Callable[[str], Journey], bare_database: str
) -> None:
    journey = journey_in(bare_database)

    assert journey("migrate").returncode == 0
    ran = journey("keys", "create", "--name", "ops", "--scopes", "read")

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("jk_")


def test_a_broken_sla_configuration_is_stated_without_a_traceback(
    journey_in: Callable[[str], Journey], database_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "sla.yaml"
    broken.write_text("calendars: {office: {timezone: Nowhere/Atlantis}}\npolicies: []\n")

    for command in (["serve", "--port", "0"], ["demo", "--no-open", "--database", "x"]):
        ran = journey_in(database_url)(*command, JOURNEY_SLA_CONFIG=str(broken))
        stated_alone(ran, f"invalid {broken}")


def test_a_malformed_setting_is_named_without_a_traceback(
    journey_in: Callable[[str], Journey], database_url: str
) -> None:
    ran = journey_in(database_url)("verify", JOURNEY_REPEAT_WINDOW="soon")

    stated_alone(ran, "JOURNEY_REPEAT_WINDOW")


def test_an_unreachable_database_is_stated_without_a_traceback(
    journey_in: Callable[[str], Journey],
) -> None:
    ran = journey_in("postgresql://postgres@127.0.0.1:9/journey")("verify")

    stated_alone(ran, "cannot use the database", "127.0.0.1")


def test_verify_of_an_unknown_customer_fails_and_says_so(
    journey_in: Callable[[str], Journey], database_url: str, empty_database: None
) -> None:
    ran = journey_in(database_url)("verify", "--customer", "nobody-x")

    assert ran.returncode == 2
    assert "no events are stored for customer 'nobody-x'" in ran.stderr
    assert "intact" not in ran.stderr
