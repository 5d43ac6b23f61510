"""A real `journey serve` process against the test database, for the API tests.

Package-scoped (tests/api): the database is emptied once before it starts; the
tests use their own customer ids, so they need no emptying between them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.keys import ApiKeys
from journey.postgres.database import ConnectionParams
from journey.runtime import open_runtime
from journey.settings import Settings
from tests.plugins.database import TEST_MASTER_KEY, empty

KEY_SCOPES = {
    "writer": ["events:write"],
    "reader": ["read"],
    "pii": ["read", "pii"],
    "auditor": ["audit"],
    "admin": ["admin"],
    "all": ["events:write", "read", "pii", "audit", "admin"],
}


@dataclass
class Api:
    url: str
    keys: dict[str, str]
    log: Path

    def client(self, key: str | None = "all") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@contextmanager
def serving(database_url: str, data_dir: Path, key_scopes: dict[str, list[str]]) -> Iterator[Api]:
    """`journey serve` on a free port over an emptied database, with a key per
    entry of `key_scopes`; stopped (SIGTERM, then SIGKILL) on exit."""
    with psycopg.connect(
        ConnectionParams.from_url(database_url).conninfo(), autocommit=True
    ) as admin:
        empty(admin)
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(data_dir),
    }
    with open_runtime(Settings.from_env(env), database_url) as store:
        api_keys = ApiKeys(store.datastore.pool)
        keys = {
            name: api_keys.create(f"test {name}", scopes) for name, scopes in key_scopes.items()
        }
    port = free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(port), "--no-migrate"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_healthy(url, process, log)
        yield Api(url, keys, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="package")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with serving(database_url, tmp_path_factory.mktemp("journey-serve"), KEY_SCOPES) as served:
        yield served


def _wait_until_healthy(url: str, process: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"journey serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"journey serve did not become healthy:\n{log.read_text()}")
