"""SPEC 9 `JOURNEY_PHONE_REGION`: the region for phone numbers without `+`."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.settings import Settings, SettingsError, encode_master_key


def settings(tmp_path: Path, **extra: str) -> Settings:
    env = {"JOURNEY_MASTER_KEY": encode_master_key(b"k" * 32), "JOURNEY_DATA_DIR": str(tmp_path)}
    return Settings.from_env({**env, **extra})


def test_the_phone_region_is_unset_by_default_and_read_in_any_case(tmp_path: Path) -> None:
    assert settings(tmp_path).phone_region is None
    assert settings(tmp_path, JOURNEY_PHONE_REGION="").phone_region is None
    assert settings(tmp_path, JOURNEY_PHONE_REGION="ru").phone_region == "RU"
    assert settings(tmp_path, JOURNEY_PHONE_REGION=" DE ").phone_region == "DE"


def test_an_unknown_phone_region_is_an_error_naming_the_variable(tmp_path: Path) -> None:
    for bad in ("ZZ", "Russia", "7"):
        with pytest.raises(SettingsError, match="JOURNEY_PHONE_REGION"):
            settings(tmp_path, JOURNEY_PHONE_REGION=bad)
