"""A fresh, migrated database per benchmark on the benchmark server:
`JOURNEY_BENCH_DATABASE_URL`, else `JOURNEY_TEST_DATABASE_URL`, else an
embedded PostgreSQL (as the test suite does)."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from journey.postgres.database import ConnectionParams, start_embedded
from journey.postgres.migrate import upgrade
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings


def server_url() -> str:
    configured = os.environ.get("JOURNEY_BENCH_DATABASE_URL") or os.environ.get(
        "JOURNEY_TEST_DATABASE_URL"
    )
    return configured or start_embedded(Path(tempfile.gettempdir()) / "journey-bench-pg")


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    data_dir: Path
    master_key: str

    @property
    def environment(self) -> dict[str, str]:
        """What a `journey` process needs to use this database (and the role to act
        as, when `JOURNEY_DB_ROLE` is set for the benchmarks)."""
        role = os.environ.get("JOURNEY_DB_ROLE")
        return {
            "JOURNEY_DATABASE_URL": self.url,
            "JOURNEY_MASTER_KEY": self.master_key,
            "JOURNEY_DATA_DIR": str(self.data_dir),
            **({"JOURNEY_DB_ROLE": role} if role else {}),
        }

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.environment)

    def store(self, pool_size: int = 4) -> Runtime:
        return open_runtime(self.settings, self.url, pool_size=pool_size)

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A superuser connection in autocommit mode."""
        return psycopg.connect(ConnectionParams.from_url(self.url).conninfo(), autocommit=True)

    def checkpoint(self) -> None:
        """Flush dirty pages now, so a timed section does not pay for the last one's."""
        with self.admin() as conn:
            conn.execute("CHECKPOINT")


@contextmanager
def fresh_database(server: str, name: str) -> Iterator[BenchDatabase]:
    """Create `journey_bench_<name>`, migrate it, and drop it afterwards."""
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    with _database(server, name, key, template=None) as db:
        upgrade(db.url)
        yield db


@contextmanager
def cloned_database(server: str, source: BenchDatabase, name: str) -> Iterator[BenchDatabase]:
    """A copy of `source` (`CREATE DATABASE ... TEMPLATE`; nobody may be connected
    to `source` meanwhile), with the same master key; dropped afterwards."""
    template = ConnectionParams.from_url(source.url).dbname
    with _database(server, name, source.master_key, template) as db:
        yield db


@contextmanager
def _database(server: str, name: str, key: str, template: str | None) -> Iterator[BenchDatabase]:
    params = ConnectionParams.from_url(server)
    dbname = f"journey_bench_{name}_{os.getpid()}"
    _execute(params, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), dbname)
    if template is None:
        _execute(params, sql.SQL("CREATE DATABASE {}"), dbname)
    else:
        _execute(params, sql.SQL("CREATE DATABASE {} TEMPLATE {}"), dbname, template)
    try:
        with tempfile.TemporaryDirectory(prefix="journey-bench-") as data_dir:
            yield BenchDatabase(params.url(dbname), Path(data_dir), key)
    finally:
        _execute(params, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), dbname)


def server_version(server: str) -> str:
    with psycopg.connect(ConnectionParams.from_url(server).conninfo(), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def _execute(params: ConnectionParams, statement: sql.SQL, *names: str) -> None:
    """`statement` with its `{}` filled by the database `names`, run from `postgres`."""
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(statement.format(*map(sql.Identifier, names)))
