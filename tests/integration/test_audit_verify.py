"""SPEC 7 verification against a superuser who edits the events table: each
tamper is detected and located at the event it hit (docs/audit.md)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from journey.integrity.audit import AuditService
from journey.integrity.verification import Head
from journey.postgres.audit_rows import stream_rows
from journey.runtime import Runtime
from journey.stored.chain import GENESIS, chain_hash
from tests.factories import event

# Positions 1..8 interleave three streams, so a stream's versions are not its positions.
LAYOUT = ["c1", "c2", "c1", "c2", "c1", "c3", "c1", "c2"]
C1_POSITIONS = [1, 3, 5, 7]


@pytest.fixture
def audit(store: Runtime) -> AuditService:
    store.ingestor.append([event(customer_id=customer) for customer in LAYOUT])
    return store.audit_service()


def tamper(admin: psycopg.Connection[Any], *statements: str) -> None:
    """Edit past the append-only trigger, as a database superuser can."""
    admin.execute("SET session_replication_role = replica")
    for statement in statements:
        admin.execute(statement)
    admin.execute("RESET session_replication_role")


def published_heads(audit: AuditService) -> list[Head]:
    heads: list[Head] = []

    class Collect:
        def started(self, last_position: int) -> None:
            assert last_position == len(LAYOUT)

        def verified(self, head: Head, events_done: int) -> None:
            heads.append(head)

    assert audit.verify_store(Collect()).ok
    return heads


def test_an_intact_store_verifies_per_customer_and_whole(audit: AuditService) -> None:
    assert audit.verify_customer("c1") == {"ok": True, "events": 4, "first_bad_position": None}
    report = audit.verify_store()
    assert (report.ok, report.events, report.streams) == (True, 8, 3)


def test_an_unknown_customer_has_an_empty_intact_chain(audit: AuditService) -> None:
    assert audit.verify_customer("nobody") == {"ok": True, "events": 0, "first_bad_position": None}


def test_an_altered_payload_is_located_at_its_event(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    tamper(
        admin,
        "UPDATE journey_events SET state = convert_to(replace(convert_from(state, "
        "'UTF8'), 'chat', 'sms'), 'UTF8') WHERE notification_id = 3",
    )
    assert audit.verify_customer("c1") == {"ok": False, "events": 4, "first_bad_position": 3}
    assert audit.verify_customer("c2")["ok"]
    report = audit.verify_store()
    assert (report.first_bad_position, report.damaged) == (3, 1)


def test_an_altered_column_outside_the_payload_is_located_too(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    tamper(
        admin,
        "UPDATE journey_events SET occurred_at = occurred_at - interval '1 day' "
        "WHERE notification_id = 5",
    )
    assert audit.verify_customer("c1")["first_bad_position"] == 5


def test_an_event_deleted_inside_a_stream_is_located_at_its_position(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    tamper(admin, "DELETE FROM journey_events WHERE notification_id = 3")
    assert audit.verify_customer("c1") == {"ok": False, "events": 3, "first_bad_position": 3}
    assert audit.verify_store().first_bad_position == 3


def test_the_first_event_of_a_stream_deleted_is_located(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    tamper(admin, "DELETE FROM journey_events WHERE notification_id = 2")
    assert audit.verify_customer("c2")["first_bad_position"] == 2


def test_a_streams_last_event_deleted_is_caught_by_the_global_sequence_not_the_chain(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    heads = published_heads(audit)
    tamper(admin, "DELETE FROM journey_events WHERE notification_id = 7")  # c1's head
    assert audit.verify_customer("c1")["ok"]  # the chain alone cannot see a shortened end
    report = audit.verify_store()
    assert (report.ok, report.first_bad_position) == (False, 7)
    assert audit.check_heads(heads).first_bad_position == 7


def test_the_stores_last_event_deleted_is_caught_only_by_published_heads(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    heads = published_heads(audit)
    tamper(admin, "DELETE FROM journey_events WHERE notification_id = 8")
    assert audit.verify_store().ok  # 1..7 is gap-free and every chain is sound
    report = audit.check_heads(heads)
    assert (report.ok, report.first_bad_position, report.problems[0].customer_id) == (
        False,
        8,
        "c2",
    )


@pytest.mark.parametrize("column", ["originator_version", "notification_id"])
def test_two_events_swapped_are_located_at_the_earlier(
    audit: AuditService, admin: psycopg.Connection[Any], column: str
) -> None:
    a, b = ("2", "3") if column == "originator_version" else ("3", "5")
    where = "originator_id = 'c1' AND " if column == "originator_version" else ""
    tamper(
        admin,
        f"UPDATE journey_events SET {column} = -1 WHERE {where}{column} = {a}",
        f"UPDATE journey_events SET {column} = {a} WHERE {where}{column} = {b}",
        f"UPDATE journey_events SET {column} = {b} WHERE {where}{column} = -1",
    )
    assert audit.verify_customer("c1")["first_bad_position"] == 3
    assert audit.verify_store().first_bad_position == 3


def test_a_forged_event_is_located_at_its_position(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    admin.execute(
        "INSERT INTO journey_events SELECT originator_id, 4, topic, state, 9, 'forged-1', "
        "occurred_at, case_id, recorded_at, content_digest, chain_hash "
        "FROM journey_events WHERE notification_id = 8"
    )
    assert audit.verify_customer("c2") == {"ok": False, "events": 4, "first_bad_position": 9}
    assert audit.verify_store().first_bad_position == 9


def test_a_position_taken_twice_breaks_the_global_sequence(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    tamper(
        admin,
        "DROP INDEX journey_events_notification_id_idx",
        "UPDATE journey_events SET notification_id = 5 WHERE notification_id = 6",
    )
    try:
        assert audit.verify_store().first_bad_position == 5
    finally:
        tamper(
            admin,
            "UPDATE journey_events SET notification_id = 6 WHERE originator_id = 'c3'",
            "CREATE UNIQUE INDEX journey_events_notification_id_idx "
            "ON journey_events (notification_id)",
        )


def test_a_stream_rewritten_with_recomputed_hashes_is_caught_only_by_published_heads(
    audit: AuditService, admin: psycopg.Connection[Any]
) -> None:
    heads = published_heads(audit)
    tamper(
        admin,
        "UPDATE journey_events SET state = convert_to(replace(convert_from(state, "
        "'UTF8'), 'chat', 'sms'), 'UTF8') WHERE notification_id = 3",
    )
    rehash_stream(admin, "c1")
    assert audit.verify_store().ok  # the chain proves nothing against who rewrites it all
    report = audit.check_heads(heads)
    assert (report.first_bad_position, report.problems[0].customer_id) == (7, "c1")


def rehash_stream(admin: psycopg.Connection[Any], customer_id: str) -> None:
    links = list(stream_rows(admin, customer_id))
    previous = GENESIS
    admin.execute("SET session_replication_role = replica")
    for row, _ in links:
        previous = chain_hash(previous, row)
        admin.execute(
            "UPDATE journey_events SET chain_hash = %s WHERE notification_id = %s",
            (previous, row.position),
        )
    admin.execute("RESET session_replication_role")


def test_heads_published_earlier_still_hold_after_later_appends(
    audit: AuditService, store: Runtime
) -> None:
    heads = published_heads(audit)
    store.ingestor.append([event(customer_id="c1"), event(customer_id="c4")])
    assert audit.check_heads(heads).ok
