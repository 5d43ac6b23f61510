"""The pool's pre-ping runs only for a connection that something happened to while
it sat idle in the pool: a healthy checkout costs no round trip, and a
connection the server closed is still never handed out."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import ConnectionPool

from journey.runtime import Runtime, open_runtime
from journey.settings import Settings


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    called: list[object] = []
    real = ConnectionPool.check_connection

    def counted(conn: Any) -> None:
        called.append(conn)
        real(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counted))
    return called


def test_a_healthy_idle_connection_is_handed_out_without_a_ping(
    store: Runtime, pings: list[object]
) -> None:
    pool = store.datastore.pool
    for _ in range(3):
        with pool.connection() as conn:
            conn.execute("SELECT 1")
    assert pings == []


def test_a_connection_the_server_closed_is_replaced_not_handed_out(
    settings: Settings, database_url: str, admin: psycopg.Connection[Any], pings: list[object]
) -> None:
    with open_runtime(settings, database_url, pool_size=1) as store:  # one: the pool waits
        _replaced_after_termination(store, admin)  # a second between failed checks
    assert pings  # the closed connection was pinged, failed and was replaced


def _replaced_after_termination(store: Runtime, admin: psycopg.Connection[Any]) -> None:
    pool = store.datastore.pool
    with pool.connection() as conn:
        conn.execute("SELECT 1")
    terminated = admin.execute(
        "WITH others AS MATERIALIZED (SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()) "
        "SELECT pid FROM others WHERE pg_terminate_backend(pid)"
    ).fetchall()
    pids = {pid for (pid,) in terminated}
    assert pids  # the pool's connections
    admin.execute("SELECT pg_sleep(0.2)")  # the terminated sessions' messages arrive
    with pool.connection() as conn:
        assert conn.execute("SELECT 1").fetchone() == {"?column?": 1}
        assert conn.info.backend_pid not in pids
