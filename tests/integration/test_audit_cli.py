"""`journey verify`, `journey erase` and `journey export` against a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from journey.runtime import Runtime
from tests.factories import event
from tests.plugins.database import TEST_MASTER_KEY


@pytest.fixture
def journey(store: Runtime, database_url: str, tmp_path: Path) -> Any:
    env = {
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
        "JOURNEY_DATA_DIR": str(tmp_path),
    }
    store.ingestor.append(
        [event(customer_id=c, pii={"body": f"text of {c}"}) for c in ["c1", "c2", "c1", "c2"]]
    )

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args), env=env)

    return run


def test_verify_passes_an_intact_store_and_fails_a_damaged_one(
    journey: Any, admin: psycopg.Connection[Any]
) -> None:
    intact = journey("verify")
    assert intact.exit_code == 0, intact.output
    assert "intact: 4 events in 2 streams" in intact.output
    admin.execute("SET session_replication_role = replica")
    admin.execute("UPDATE journey_events SET occurred_at = now() WHERE notification_id = 3")
    damaged = journey("verify")
    assert damaged.exit_code == 1
    assert "first bad position 3" in damaged.output
    assert "position 3 (customer c1): content or chain hash does not match" in damaged.output
    assert journey("verify", "--customer", "c2").exit_code == 0
    assert journey("verify", "--customer", "c1").exit_code == 1


def test_written_heads_catch_a_deleted_last_event(
    journey: Any, admin: psycopg.Connection[Any], tmp_path: Path
) -> None:
    heads = tmp_path / "heads.jsonl"
    assert journey("verify", "--write-heads", str(heads)).exit_code == 0
    assert len(heads.read_bytes().splitlines()) == 2
    admin.execute("SET session_replication_role = replica")
    admin.execute("DELETE FROM journey_events WHERE notification_id = 4")
    assert journey("verify").exit_code == 0  # nothing else can see it
    caught = journey("verify", "--heads", str(heads))
    assert caught.exit_code == 1
    assert "position 4 (customer c2): published head missing" in caught.output
    assert journey("verify", "--customer", "c1", "--heads", str(heads)).exit_code == 0


def test_heads_are_not_written_for_a_damaged_store(
    journey: Any, admin: psycopg.Connection[Any], tmp_path: Path
) -> None:
    admin.execute("SET session_replication_role = replica")
    admin.execute("DELETE FROM journey_events WHERE notification_id = 1")
    heads = tmp_path / "heads.jsonl"
    assert journey("verify", "--write-heads", str(heads)).exit_code == 1
    assert list(tmp_path.glob("heads*")) == []


def test_erase_then_export_shows_erased_pii_and_a_second_erase_says_so(journey: Any) -> None:
    before = orjson.loads(journey("export", "--customer", "c1").stdout)
    assert before["events"][0]["pii"] == {"body": "text of c1"}
    erased = journey("erase", "--customer", "c1", "--by", "dpo")
    assert erased.exit_code == 0 and "erasure event erasure:c1:1 at position 5" in erased.output
    again = journey("erase", "--customer", "c1", "--by", "dpo")
    assert again.exit_code == 0 and "already erased" in again.output
    after = orjson.loads(journey("export", "--customer", "c1").stdout)
    assert after["events"][0]["pii"] == {"body": "[erased]"}
    assert after["erasures"][0]["erased_by"] == "dpo"


def test_unknown_customers_are_refused(journey: Any) -> None:
    assert journey("export", "--customer", "nobody").exit_code == 1
    assert journey("erase", "--customer", "nobody", "--by", "dpo").exit_code == 1
