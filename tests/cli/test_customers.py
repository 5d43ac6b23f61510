"""`journey customers show|merge|unmerge` and `journey identities duplicates`
(SPEC 10) run as console scripts against a real database: the answers are
those of the API, merges go through the ingestion path."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from journey.runtime import Runtime
from tests import factories
from tests.cli.conftest import Journey

PHONE = "+49 30 1234-5678"


def linked(event_id: str, customer: str, kind: str, value: str) -> dict[str, Any]:
    return factories.linked(customer, value, kind, id=event_id, occurred_at="2026-09-01T10:00:00Z")


@pytest.fixture
def journey(journey_in: Callable[[str], Journey], database_url: str, store: Runtime) -> Journey:
    """Given: anna-crm and anna-shop hold one phone number; bob holds his own."""
    store.ingestor.append(
        [
            linked("i1", "anna-crm", "phone", PHONE),
            linked("i2", "anna-shop", "phone", "+493012345678"),
            linked("i3", "anna-shop", "email", "Anna@Example.org"),
            linked("i4", "bob", "email", "bob@example.org"),
        ]
    )
    return journey_in(database_url)


def answer(ran: subprocess.CompletedProcess[str]) -> Any:
    assert ran.returncode == 0, ran.stderr
    return orjson.loads(ran.stdout)


def one_line_error(ran: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert ran.returncode == 2, ran
    assert "Traceback" not in ran.stderr
    assert ran.stderr.startswith("journey: ") and ran.stderr.count("\n") == 1, ran.stderr
    for phrase in phrases:
        assert phrase in ran.stderr, ran.stderr


def test_show_answers_the_person_with_duplicates_and_no_values_without_pii(
    journey: Journey,
) -> None:
    person = answer(journey("customers", "show", "anna-crm", "--json"))

    assert person["resolved_id"] == "anna-crm"
    assert person["merged_ids"] == ["anna-crm"]
    assert person["duplicates"] == ["anna-shop"]
    assert [(i["kind"], i["customer_id"]) for i in person["identities"]] == [("phone", "anna-crm")]
    assert "value" not in person["identities"][0]


def test_show_with_pii_prints_the_values_as_linked(journey: Journey) -> None:
    ran = journey("customers", "show", "anna-shop", "--pii")

    assert ran.returncode == 0, ran.stderr
    assert "Anna@Example.org" in ran.stdout
    assert "+493012345678" in ran.stdout
    assert "duplicates   anna-crm" in ran.stdout


def test_merge_joins_the_streams_and_unmerge_splits_them(journey: Journey) -> None:
    merged = journey("customers", "merge", "anna-shop", "--into", "anna-crm")

    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.startswith("customer.merged merge:")
    assert "at position 5" in merged.stdout
    person = answer(journey("customers", "show", "anna-shop", "--json"))
    assert person["resolved_id"] == "anna-crm"
    assert person["merged_ids"] == ["anna-crm", "anna-shop"]
    assert person["duplicates"] == []
    assert len(person["identities"]) == 3

    unmerged = journey("customers", "unmerge", "anna-shop")

    assert unmerged.returncode == 0, unmerged.stderr
    assert unmerged.stdout.startswith("customer.unmerged unmerge:")
    person = answer(journey("customers", "show", "anna-shop", "--json"))
    assert person["merged_ids"] == ["anna-shop"]
    assert person["duplicates"] == ["anna-crm"]


def test_show_as_of_before_the_merge_shows_one_stream(journey: Journey) -> None:
    before = answer(journey("customers", "show", "anna-crm", "--json"))
    assert before["merged_ids"] == ["anna-crm"]
    instant = datetime.now(UTC).isoformat()
    assert journey("customers", "merge", "anna-shop", "--into", "anna-crm").returncode == 0

    then = answer(journey("customers", "show", "anna-crm", "--as-of", instant, "--json"))
    now = answer(journey("customers", "show", "anna-crm", "--json"))

    assert then["merged_ids"] == ["anna-crm"]
    assert now["merged_ids"] == ["anna-crm", "anna-shop"]


def test_merging_a_customer_into_itself_names_into(journey: Journey) -> None:
    one_line_error(journey("customers", "merge", "bob", "--into", "bob"), "--into", "another")


def test_a_bad_customer_id_is_named(journey: Journey) -> None:
    one_line_error(journey("customers", "merge", "bad id!", "--into", "bob"), "CUSTOMER_ID")
    one_line_error(journey("customers", "merge", "bob", "--into", "bad id!"), "--into")
    one_line_error(journey("customers", "unmerge", "x" * 200), "CUSTOMER_ID")


def test_show_of_an_unknown_customer_is_a_stated_error(journey: Journey) -> None:
    one_line_error(journey("customers", "show", "nobody"), "CUSTOMER_ID", "nobody")


def test_a_bad_as_of_is_named(journey: Journey) -> None:
    one_line_error(journey("customers", "show", "bob", "--as-of", "yesterday"), "--as-of")


def test_duplicates_lists_the_shared_phone_with_its_value_only_with_pii(
    journey: Journey,
) -> None:
    plain = answer(journey("identities", "duplicates", "--json"))
    with_pii = journey("identities", "duplicates", "--pii")

    assert plain == {
        "groups": [{"kind": "phone", "persons": ["anna-crm", "anna-shop"]}],
        "next_cursor": None,
    }
    assert with_pii.returncode == 0, with_pii.stderr
    assert with_pii.stdout.strip() == "phone   anna-crm, anna-shop  +49 30 1234-5678"


def test_duplicates_pages_with_the_printed_cursor(journey: Journey, store: Runtime) -> None:
    store.ingestor.append([linked("i5", "carl", "email", "bob@example.org")])

    first = answer(journey("identities", "duplicates", "--limit", "1", "--json"))
    second = answer(
        journey(
            "identities", "duplicates", "--limit", "1", "--cursor", first["next_cursor"], "--json"
        )
    )

    assert [g["persons"] for g in first["groups"]] == [["anna-crm", "anna-shop"]]
    assert [g["persons"] for g in second["groups"]] == [["bob", "carl"]]
    assert second["next_cursor"] is None
    one_line_error(journey("identities", "duplicates", "--cursor", "nonsense"), "--cursor")
