"""SPEC 10.5: the `identities` section of the configuration file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from journey.identities.config import IdentitiesConfig, identities_config, load_config
from journey.identities.normalise import NO_REGION, Normaliser, identity_key
from journey.rules.sla_config import SlaConfigError, default_sla_config, parse_sla_config

POLICIES = """\
policies:
  - name: default
    calendar: 24x7
    targets: {first_response: 1h}
"""


def problems(section: Any, normaliser: Normaliser = NO_REGION) -> list[str]:
    with pytest.raises(SlaConfigError) as raised:
        identities_config(section, normaliser)
    return list(raised.value.problems)


def test_the_file_may_hold_identities_whose_ignore_entries_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(
        POLICIES
        + "identities:\n"
        + "  ignore:\n"
        + "    - {kind: email, value: ' NoEmail@Example.com'}\n"
        + "    - {kind: phone, value: '8 (495) 000-00-00'}\n"
        + "    - {kind: handle, value: 'Telegram:@Anna_K'}\n"
        + "  shared_limit: 5\n"
    )

    sla, identities = load_config(path, Normaliser("RU"))

    assert [p.name for p in sla.policies] == ["default"]
    assert identities == IdentitiesConfig(
        frozenset(
            {
                ("email", "noemail@example.com"),
                ("phone", "+74950000000"),
                ("handle", "telegram:anna_k"),
            }
        ),
        5,
    )


def test_without_the_section_the_defaults_apply(tmp_path: Path) -> None:
    path = tmp_path / "sla.json"
    path.write_text('{"policies": []}')

    assert load_config(path, NO_REGION)[1] == IdentitiesConfig(frozenset(), 20)
    assert load_config(None, NO_REGION)[1] == IdentitiesConfig()
    assert default_sla_config().identities is None
    assert identities_config({}, NO_REGION) == IdentitiesConfig(frozenset(), 20)


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"ignore": [{"kind": "fax", "value": "1"}]}, "identities.ignore[0]: unknown kind 'fax'"),
        (
            {"ignore": [{"kind": "email", "value": "a@b.c"}, {"kind": "email", "value": "nobody"}]},
            "identities.ignore[1]: value 'nobody' does not normalise as email",
        ),
        ({"ignore": [{"kind": "phone", "value": "84950000000"}]}, "identities.ignore[0]: value"),
        ({"ignore": [{"kind": "email"}]}, "identities.ignore[0]: expected {kind, value}"),
        ({"ignore": [{"kind": "device", "value": 7}]}, "identities.ignore[0]: the value must be"),
        ({"ignore": "noemail@example.com"}, "identities.ignore: expected a list"),
        ({"shared_limit": 1}, "identities.shared_limit: expected an integer >= 2, got 1"),
        ({"shared_limit": 2.5}, "identities.shared_limit: expected an integer >= 2"),
        ({"shared_limit": True}, "identities.shared_limit: expected an integer >= 2"),
        ({"shared_limt": 5}, "identities.shared_limt: unknown key"),
        (["ignore"], "identities: expected a mapping"),
    ],
)
def test_an_invalid_entry_is_a_configuration_error_naming_it(section: Any, expected: str) -> None:
    assert any(problem.startswith(expected) for problem in problems(section)), problems(section)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(POLICIES + "identities: {shared_limit: 0, ignore: [{kind: x, value: y}]}\n")

    with pytest.raises(SlaConfigError) as raised:
        load_config(path, NO_REGION)

    assert len(raised.value.problems) == 2
    assert str(path) in str(raised.value)


def test_the_section_itself_must_be_a_mapping_for_the_sla_file() -> None:
    with pytest.raises(SlaConfigError, match="identities"):
        parse_sla_config({"policies": [], "identities": ["x"]})


def test_ignored_entries_are_keyed_as_the_store_keys_holdings() -> None:
    config = IdentitiesConfig(frozenset({("email", "noemail@example.com")}))
    secret = b"k" * 32

    ignored = config.ignored(lambda kind, value: identity_key(secret, kind, value))

    assert ignored == {("email", identity_key(secret, "email", "noemail@example.com"))}
