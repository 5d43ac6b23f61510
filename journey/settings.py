"""Settings from the environment (and a `.env` file), read once at start.

Unsafe defaults are refused: a master key must be given, or is created once in
the per-user data folder with owner-only permissions (the embedded default).
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import platformdirs
from dotenv import dotenv_values

from journey.identities.normalise import check_region
from journey.rules.contacts import parse_window

MASTER_KEY_BYTES = 32


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    master_key: bytes
    sla_config_path: Path | None
    repeat_window: timedelta
    db_role: str = "journey_app"
    phone_region: str | None = None  # SPEC 9 `JOURNEY_PHONE_REGION`, for phones without +

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = _merged_environment(environ)
        data_dir = Path(env.get("JOURNEY_DATA_DIR") or platformdirs.user_data_dir("journey"))
        sla = env.get("JOURNEY_SLA_CONFIG")
        try:
            window = parse_window(env.get("JOURNEY_REPEAT_WINDOW") or "7d")
        except ValueError as error:
            raise SettingsError(f"JOURNEY_REPEAT_WINDOW: {error}") from error
        return cls(
            database_url=env.get("JOURNEY_DATABASE_URL") or None,
            data_dir=data_dir,
            master_key=_master_key(env.get("JOURNEY_MASTER_KEY"), data_dir),
            sla_config_path=Path(sla) if sla else None,
            repeat_window=window,
            db_role=env.get("JOURNEY_DB_ROLE") or "journey_app",
            phone_region=_phone_region(env.get("JOURNEY_PHONE_REGION")),
        )


def _phone_region(configured: str | None) -> str | None:
    if not configured:
        return None
    try:
        return check_region(configured.strip().upper())
    except ValueError as error:
        raise SettingsError(f"JOURNEY_PHONE_REGION: {error}") from error


def _merged_environment(environ: Mapping[str, str] | None) -> dict[str, str]:
    if environ is not None:
        return dict(environ)
    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    return {**from_file, **os.environ}


def encode_master_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _master_key(configured: str | None, data_dir: Path) -> bytes:
    if configured:
        try:
            key = base64.urlsafe_b64decode(configured.encode())
        except (binascii.Error, ValueError) as error:
            raise SettingsError("JOURNEY_MASTER_KEY: not valid url-safe base64") from error
        if len(key) != MASTER_KEY_BYTES:
            raise SettingsError(
                f"JOURNEY_MASTER_KEY: must decode to {MASTER_KEY_BYTES} bytes, got {len(key)}"
            )
        return key
    return _master_key_file(data_dir / "master.key")


def _master_key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(encode_master_key(secrets.token_bytes(MASTER_KEY_BYTES)))
    return _master_key(path.read_text().strip(), path.parent)
