"""Fixtures for the reliability tests: `journey serve` processes that a test may
kill and restart on the same port, and an embedded PostgreSQL it may stop.

Every server listens on 127.0.0.1 only; every process started here is stopped
by its fixture, by process id.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.keys import ApiKeys
from journey.postgres.database import ConnectionParams, ensure_database
from journey.postgres.migrate import upgrade
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings
from tests.plugins.database import TEST_MASTER_KEY, empty
from tests.plugins.server import _wait_until_healthy, free_port

PG_BIN = Path(sys.prefix) / "lib/python3.11/site-packages/pgserver/pginstall/bin"
PG_SYSTEM_USER = "pgserver"  # pgserver runs postgres as this user when started by root


@dataclass
class ServeProcess:
    """One `journey serve` on a fixed port; `kill` and `start` may repeat."""

    env: dict[str, str]
    log: Path
    arguments: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> ServeProcess:
        command = [
            sys.executable,
            "-m",
            "cli",
            "serve",
            "--port",
            str(self.port),
            "--no-migrate",
            *self.arguments,
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(command, env=self.env, stdout=out, stderr=out)
        _wait_until_healthy(self.url, self.process, self.log)
        return self

    def kill(self, sig: signal.Signals = signal.SIGKILL, wait: float = 30) -> int:
        """Send `sig`; the exit code once the process is gone."""
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(wait)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Deployment:
    """A database with a writer key, and the servers started against it."""

    database_url: str
    settings: Settings
    env: dict[str, str]
    key: str
    folder: Path
    servers: list[ServeProcess] = field(default_factory=list)

    def serve(self, *arguments: str) -> ServeProcess:
        log = self.folder / f"serve-{len(self.servers)}.log"
        server = ServeProcess(self.env, log, arguments)
        self.servers.append(server)
        return server.start()

    def store(self) -> Runtime:
        return open_runtime(self.settings, self.database_url)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def deployment(database_url: str, folder: Path) -> Deployment:
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(folder),
    }
    settings = Settings.from_env(env)
    with open_runtime(settings, database_url) as store:
        scopes = ["events:write", "read", "pii", "admin"]
        key = ApiKeys(store.datastore.pool).create("reliability", scopes)
    return Deployment(database_url, settings, env, key, folder)


@pytest.fixture
def deploy(
    database_url: str, empty_database: None, tmp_path: Path
) -> Iterator[Callable[[], Deployment]]:
    """The emptied test database with a key; servers started on it stop at the end."""
    made: list[Deployment] = []

    def make() -> Deployment:
        made.append(deployment(database_url, tmp_path))
        return made[-1]

    yield make
    for each in made:
        each.stop()


@pytest.fixture(scope="module")
def module_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Deployment, ServeProcess]]:
    """One server on the emptied test database for a whole module."""
    conninfo = ConnectionParams.from_url(database_url).conninfo()
    with psycopg.connect(conninfo, autocommit=True) as admin:
        empty(admin)
    made = deployment(database_url, tmp_path_factory.mktemp("reliability"))
    try:
        yield made, made.serve()
    finally:
        made.stop()


class EmbeddedPostgres:
    """A PostgreSQL cluster of the test's own (pgserver's binaries), listening on
    a Unix socket only, that the test stops and starts; never the shared server."""

    def __init__(self, root: Path):
        self.pgdata = root / "pgdata"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            from pgserver.postgres_server import get_server

            server = get_server(self.pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        self.url = ConnectionParams.from_url(server.get_uri()).url("journey_reliability")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash: no checkpoint, recovery from the WAL at start."""
        self._pg_ctl("-w", "-m", mode, "stop")

    def start(self) -> None:
        self._pg_ctl(
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def running(self) -> bool:
        return (
            subprocess.run(
                self._command("status"), capture_output=True, check=False, **self._as_user()
            ).returncode
            == 0
        )

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            self._command(*arguments),
            capture_output=True,
            check=True,
            timeout=60,
            **self._as_user(),
        )

    def _command(self, *arguments: str) -> list[str]:
        return [str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), *arguments]

    def _as_user(self) -> dict[str, Any]:
        return {"user": PG_SYSTEM_USER} if os.geteuid() == 0 else {}


@pytest.fixture(scope="module")
def embedded_postgres() -> Iterator[EmbeddedPostgres]:
    root = Path(tempfile.mkdtemp(prefix="journey-reliability-pg-"))
    root.chmod(0o755)
    server = EmbeddedPostgres(root)
    ensure_database(server.url)
    upgrade(server.url)
    try:
        yield server
    finally:
        if server.running():
            server.stop("fast")
        shutil.rmtree(root, ignore_errors=True)
