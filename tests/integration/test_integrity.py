"""SPEC 7 at rest: append-only for the application's role, the hash chain, and
no personal text in clear."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from journey.postgres.audit_rows import verify_customer
from journey.postgres.database import ConnectionParams
from journey.runtime import Runtime
from tests.factories import event

MARKER = "Zebra-Marker-7f3a"


@pytest.fixture
def app_role(database_url: str) -> Any:
    params = ConnectionParams.from_url(database_url)
    with psycopg.connect(params.conninfo(), options="-c role=journey_app", autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journey_events SET topic = 'x'",
        "DELETE FROM journey_events",
        "TRUNCATE journey_events",
    ],
)
def test_the_application_role_cannot_change_or_remove_events(
    store: Runtime, app_role: psycopg.Connection[Any], statement: str
) -> None:
    store.ingestor.append([event()])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute(statement)


@pytest.mark.parametrize(
    "statement", ["UPDATE journey_events SET topic = 'x'", "DELETE FROM journey_events"]
)
def test_even_the_table_owner_is_stopped_by_the_append_only_trigger(
    store: Runtime, admin: psycopg.Connection[Any], statement: str
) -> None:
    store.ingestor.append([event()])
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        admin.execute(statement)


def test_the_application_role_can_append_and_read(
    store: Runtime, app_role: psycopg.Connection[Any]
) -> None:
    store.ingestor.append([event()])
    row = app_role.execute("SELECT count(*) FROM journey_events").fetchone()
    assert row == (1,)


def test_each_stream_is_hash_chained_and_a_changed_byte_is_found(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append([event(), event(customer_id="cust-2"), event(), event()])
    assert verify_customer(admin, "cust-1") is None
    admin.execute("SET session_replication_role = replica")
    admin.execute(
        "UPDATE journey_events SET state = "
        "convert_to(replace(convert_from(state, 'UTF8'), 'chat', 'chaT'), 'UTF8') "
        "WHERE notification_id = 3"
    )
    assert verify_customer(admin, "cust-1") == 3
    assert verify_customer(admin, "cust-2") is None


def test_personal_text_is_never_stored_in_clear(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append(
        [
            event(pii={"body": f"my card {MARKER}", "email": f"{MARKER}@example.org"}),
            event("reply.outbound", pii={"body": MARKER}),
        ]
    )
    for table in ("journey_events", "journey_keys"):
        dump = admin.execute(f"SELECT string_agg(t::text, '|') FROM {table} t").fetchone()
        assert dump is not None and dump[0]
        assert MARKER not in dump[0]
        assert MARKER.encode().hex() not in dump[0]


def test_pii_reads_back_with_the_customers_key(store: Runtime) -> None:
    from journey.stored.crypto import open_pii

    store.ingestor.append([event(id="p-1", pii={"body": MARKER})])
    (notification,) = store.recorder.select_notifications(1, 1)
    stored = store.app.mapper.to_domain_event(notification)
    key = store.keys.current_key("cust-1")
    assert open_pii(key, "p-1", stored.pii) == {"body": MARKER}  # type: ignore[attr-defined]
