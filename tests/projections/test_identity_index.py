"""The identity index (SPEC 10.1): streams found by a keyed hash of the
normalised identity, never by a value in clear; an erased customer's entries
gone, and a rebuild does not bring them back."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import psycopg
import pytest

from journey.identities.normalise import identity_key
from journey.rules.sla_config import DEFAULT_SLA_CONFIG_YAML, SlaConfigError
from journey.runtime import Runtime, open_runtime
from journey.settings import Settings
from projections import bulk
from projections.identities import IdentitiesProjection
from projections.identity_index import IdentityIndex
from projections.registry import build, context_for, rebuild
from projections.runner import Runner
from tests.factories import linked, unlinked
from tests.plugins.projections import catch_up_all

PHONE = "+49 30 1234-5678"
NORMALISED = "+493012345678"


def caught_up(store: Runtime) -> IdentitiesProjection:
    projection = build(IdentitiesProjection, store.datastore, context_for(store))
    Runner(store.recorder, projection, batch_size=3).catch_up()
    assert isinstance(projection, IdentitiesProjection)
    return projection


def holdings(admin: psycopg.Connection[Any], table: str = "identities_v1") -> list[Any]:
    return admin.execute(
        f"SELECT kind, key, customer_id FROM {table}_holdings ORDER BY customer_id, kind"
    ).fetchall()


def key(store: Runtime, value: str, kind: str = "phone") -> str:
    return identity_key(
        store.identity_secret, kind, store.ingestor.normaliser.normalise(kind, value)
    )


def test_two_spellings_of_one_phone_number_have_one_key(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append([linked("c-1", PHONE), linked("c-2", NORMALISED)])
    caught_up(store)
    found = holdings(admin)
    assert [row[2] for row in found] == ["c-1", "c-2"]
    assert found[0][1] == found[1][1] == key(store, NORMALISED)


def test_a_lookup_lists_its_streams_in_code_point_order_whatever_the_collation(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    """SPEC 10.5 orders a lookup's `customers` by `customer_id`; a replay sorts
    them in Python (code points), so the table must too, on a server whose
    default collation sorts `a-3` before `B-1` as well."""
    streams = ["b-2", "B-1", "a-3", "_-4"]
    store.ingestor.append([linked(customer, PHONE) for customer in streams])
    catch_up_all(store)
    column = admin.execute(
        "SELECT collation_name FROM information_schema.columns "
        "WHERE table_name = 'identities_v1_holdings' AND column_name = 'customer_id'"
    ).fetchone()
    assert column == ("C",)
    index = IdentityIndex(store.datastore)
    first = index.lookup_page(("phone", key(store, PHONE)), "", 2)
    rest = index.lookup_page(("phone", key(store, PHONE)), first[-1].customer_id, 10)
    assert [h.customer_id for h in first + rest] == sorted(streams) == ["B-1", "_-4", "a-3", "b-2"]


def test_the_index_holds_no_value_in_clear(store: Runtime, admin: psycopg.Connection[Any]) -> None:
    store.ingestor.append([linked("c-1", PHONE), linked("c-1", "Anna.K@Example.com", "email")])
    caught_up(store)
    for table in ("identities_v1", "identities_v1_holdings", "identities_v1_counts"):
        dumped = str(admin.execute(f"SELECT * FROM {table}").fetchall())
        assert "anna" not in dumped.lower() and "493012345678" not in dumped
        assert "12345678" not in dumped.replace(key(store, PHONE), "")


def test_an_unlink_ends_a_holding_and_a_late_one_lands_where_it_occurred(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    store.ingestor.append([linked("c-1", PHONE, occurred_at="2026-03-02T10:00:00Z")])
    caught_up(store)
    assert len(holdings(admin)) == 1
    store.ingestor.append([unlinked("c-1", NORMALISED, occurred_at="2026-03-03T10:00:00Z")])
    caught_up(store)
    assert holdings(admin) == []
    store.ingestor.append([linked("c-1", PHONE, occurred_at="2026-03-01T10:00:00Z")])
    caught_up(store)
    assert holdings(admin) == [], "a link that occurred before the unlink stays unlinked"
    counts = admin.execute("SELECT holders FROM identities_v1_counts").fetchall()
    assert counts == []


def test_an_erasure_deletes_the_customers_entries_and_a_rebuild_does_not_bring_them_back(
    store: Runtime, admin: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store.ingestor.append(
        [linked("c-1", PHONE), linked("c-2", PHONE), linked("c-1", "a@b.de", "email")]
    )
    caught_up(store)
    assert admin.execute(
        "SELECT holders FROM identities_v1_counts WHERE kind = 'phone'"
    ).fetchone() == (2,)
    store.audit_service().erase("c-1", by="test", reason="asked")
    caught_up(store)
    assert [row[2] for row in holdings(admin)] == ["c-2"]
    assert admin.execute(
        "SELECT count(*) FROM identities_v1 WHERE customer_id = 'c-1'"
    ).fetchone() == (0,)
    assert admin.execute("SELECT holders FROM identities_v1_counts").fetchall() == [(1,)]
    assert store.audit_service().verify_store().as_dict()["ok"] is True
    store.ingestor.append([linked("c-1", "new@b.de", "email")])  # a new key, after the erasure
    for workers in (1, 3):
        monkeypatch.setattr(bulk, "WORKERS", workers)
        monkeypatch.setattr(bulk, "EVENTS_PER_WORKER", 1)
        rebuild(store, context_for(store), ["identities_v1"], lambda *_: None)
        found = holdings(admin)
        assert [(row[0], row[2]) for row in found] == [("email", "c-1"), ("phone", "c-2")]
        assert found[0][1] == key(store, "new@b.de", "email")
        assert admin.execute("SELECT count(*) FROM identities_v1").fetchone() == (2,)


def test_the_bulk_rebuild_makes_the_tables_the_batch_path_makes(
    store: Runtime, admin: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    story = [linked(f"c-{i % 7}", f"+4930123456{i % 5:02d}") for i in range(40)]
    story += [unlinked(f"c-{i % 7}", f"+4930123456{i % 5:02d}") for i in range(0, 40, 3)]
    store.ingestor.append(story)
    caught_up(store)
    before = [
        admin.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
        for t in ("identities_v1", "identities_v1_holdings", "identities_v1_counts")
    ]
    monkeypatch.setattr(bulk, "WORKERS", 3)
    monkeypatch.setattr(bulk, "EVENTS_PER_WORKER", 5)
    rebuild(store, context_for(store), ["identities_v1"], lambda *_: None)
    after = [
        admin.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
        for t in ("identities_v1", "identities_v1_holdings", "identities_v1_counts")
    ]
    assert after == before
    assert before[1], "something is held"


def test_an_invalid_identities_entry_fails_start_naming_the_entry(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "journey.yaml"
    config.write_text(
        DEFAULT_SLA_CONFIG_YAML + "identities:\n  ignore:\n    - {kind: phone, value: '12'}\n"
    )
    broken = dataclasses.replace(settings, sla_config_path=config)
    with open_runtime(broken, database_url) as opened, pytest.raises(SlaConfigError) as raised:
        context_for(opened)
    assert "identities.ignore[0]" in str(raised.value)
