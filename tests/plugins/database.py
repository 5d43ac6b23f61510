"""One migrated test database per run (and per xdist worker); tables emptied
between tests. `JOURNEY_TEST_DATABASE_URL` names the server; when unset the
suite starts an embedded PostgreSQL itself."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from journey.postgres.database import ConnectionParams, start_embedded
from journey.postgres.migrate import upgrade
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings

TEST_MASTER_KEY = base64.urlsafe_b64encode(b"test-master-key-32-bytes-long!!!").decode()


def _server_url() -> str:
    configured = os.environ.get("JOURNEY_TEST_DATABASE_URL")
    if configured:
        return configured
    return start_embedded(Path(tempfile.gettempdir()) / "journey-test-pg")


def create_database(server_url: str, name: str) -> str:
    params = ConnectionParams.from_url(server_url)
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return params.url(name)


def drop_database(server_url: str, name: str) -> None:
    params = ConnectionParams.from_url(server_url)
    with psycopg.connect(params.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)
            )
        )


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


@pytest.fixture(scope="session")
def database_url(server_url: str, worker_id: str) -> Iterator[str]:
    name = f"journey_test_{os.getpid()}_{worker_id}"
    url = create_database(server_url, name)
    upgrade(url)
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "JOURNEY_DATABASE_URL": database_url,
            "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
            "JOURNEY_DATA_DIR": str(tmp_path),
        }
    )


@pytest.fixture
def admin(database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A superuser connection, for what the application's role may not do."""
    with psycopg.connect(
        ConnectionParams.from_url(database_url).conninfo(), autocommit=True
    ) as conn:
        yield conn


def empty(admin: psycopg.Connection[tuple[object, ...]]) -> None:
    """Empty the migrated tables; drop what the application created (projections)."""
    rows = admin.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
    ).fetchall()
    admin.execute("SET session_replication_role = replica")  # skips the append-only trigger
    for (table,) in rows:
        name = psycopg.sql.Identifier(str(table))
        if str(table).startswith("journey_"):
            admin.execute(psycopg.sql.SQL("TRUNCATE {} CASCADE").format(name))
        else:
            admin.execute(psycopg.sql.SQL("DROP TABLE {} CASCADE").format(name))
    admin.execute("RESET session_replication_role")


@pytest.fixture
def empty_database(admin: psycopg.Connection[tuple[object, ...]]) -> None:
    empty(admin)


@pytest.fixture
def store(settings: Settings, database_url: str, empty_database: None) -> Iterator[Runtime]:
    with open_runtime(settings, database_url) as opened:
        yield opened
