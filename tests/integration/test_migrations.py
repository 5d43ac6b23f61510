"""Schema by alembic: upgrade, downgrade, upgrade again, and the library working
on the migrated table exactly as on the table it would have created itself."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from journey.postgres.database import ConnectionParams
from journey.postgres.migrate import downgrade, upgrade
from journey.runtime import open_runtime
from journey.settings import Settings
from tests.plugins.database import TEST_MASTER_KEY, create_database, drop_database


@pytest.fixture
def fresh_url(server_url: str, worker_id: str) -> Iterator[str]:
    name = f"journey_migrations_{os.getpid()}_{worker_id}"
    yield create_database(server_url, name)
    drop_database(server_url, name)


def tables(url: str) -> set[str]:
    with psycopg.connect(ConnectionParams.from_url(url).conninfo()) as conn:
        return {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }


def columns(url: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(ConnectionParams.from_url(url).conninfo()) as conn:
        return conn.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()


def test_upgrade_downgrade_upgrade_round_trips(fresh_url: str) -> None:
    upgrade(fresh_url)
    assert {"journey_events", "journey_keys", "alembic_version"} <= tables(fresh_url)
    downgrade(fresh_url, "base")
    assert tables(fresh_url) == {"alembic_version"}
    upgrade(fresh_url)
    assert {"journey_events", "journey_keys"} <= tables(fresh_url)


def test_tables_of_projections_no_longer_used_are_dropped(fresh_url: str) -> None:
    upgrade(fresh_url, "0002")
    with psycopg.connect(ConnectionParams.from_url(fresh_url).conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE cases_v1_facts (case_id text)")
        conn.execute("CREATE TABLE deflection_v1_next_contacts (customer_id text)")
        conn.execute("CREATE TABLE cases_v1_sla (case_id text)")  # in use: kept
    upgrade(fresh_url)
    found = tables(fresh_url)
    assert not {"cases_v1_facts", "deflection_v1_next_contacts"} & found
    assert "cases_v1_sla" in found


def test_the_library_reads_and_writes_the_migrated_table(fresh_url: str, tmp_path: Any) -> None:
    upgrade(fresh_url)
    settings = Settings.from_env(
        {"JOURNEY_MASTER_KEY": TEST_MASTER_KEY, "JOURNEY_DATA_DIR": str(tmp_path)}
    )
    with open_runtime(settings, fresh_url) as store:
        written = [StoredEvent("cust-9", v, "journey.events:ContactInbound", b"{}") for v in (1, 2)]
        assert list(store.recorder.insert_events(written)) == [1, 2]
        assert store.recorder.select_events("cust-9") == written
        assert [n.id for n in store.recorder.select_notifications(start=None, limit=10)] == [1, 2]
        assert store.recorder.max_notification_id() == 2


def test_the_recorders_own_table_matches_the_frozen_migration(fresh_url: str, store: Any) -> None:
    upgrade(fresh_url)
    recorder = type(store.recorder)(store.datastore, events_table_name="shape_check_events")
    recorder.create_table()
    try:
        assert columns(store.database_url, "shape_check_events") == columns(
            fresh_url, "journey_events"
        )
    finally:
        with store.datastore.transaction(commit=True) as curs:
            curs.execute("DROP TABLE shape_check_events")
