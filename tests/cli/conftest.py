"""Run the `journey` console script as a newcomer does: a process of its own,
configured by environment variables only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.plugins.database import TEST_MASTER_KEY, create_database, drop_database

JOURNEY = str(Path(sys.executable).with_name("journey"))
Journey = Callable[..., subprocess.CompletedProcess[str]]


def journey_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEY_")}
    return {
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(tmp_path),
        **env,
        **variables,
    }


@pytest.fixture
def bare_database(server_url: str, worker_id: str) -> Iterator[str]:
    """A database that no one migrated."""
    name = f"journey_bare_{os.getpid()}_{worker_id}"
    yield create_database(server_url, name)
    drop_database(server_url, name)


@pytest.fixture
def journey_in(tmp_path: Path) -> Callable[[str], Journey]:
    """`journey ARGS...` against the database at a URL."""

    def against(url: str) -> Journey:
        def run(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
            env = journey_env(tmp_path, JOURNEY_DATABASE_URL=url, **variables)
            return subprocess.run(
                [JOURNEY, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
            )

        return run

    return against
