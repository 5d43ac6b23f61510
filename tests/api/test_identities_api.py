"""Identities through a real server (SPEC 10.4-10.5): lookup by a differently
spelled value, `as_of`/`at`, unlinks, ignored and shared identities, paging,
duplicates, the customer's person, erasure, and 422s naming the field. The
server runs on a database of its own with `shared_limit: 2` and one ignored
placeholder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from journey.postgres.migrate import upgrade
from journey.rules.sla_config import DEFAULT_SLA_CONFIG_YAML
from tests import factories
from tests.factories import event
from tests.plugins.database import create_database, drop_database
from tests.plugins.server import KEY_SCOPES, Api, serving, unique

IDENTITIES = """
identities:
  ignore:
    - {kind: email, value: NoEmail@Example.com}
  shared_limit: 2
"""
EARLY, LINKED_AT, LATER = "2026-03-01T00:00:00Z", "2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z"


@pytest.fixture(scope="module")
def api(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    name = f"journey_test_identities_{os.getpid()}"
    url = create_database(server_url, name)
    upgrade(url)
    folder = tmp_path_factory.mktemp("identities")
    config = folder / "journey.yaml"
    config.write_text(DEFAULT_SLA_CONFIG_YAML + IDENTITIES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JOURNEY_SLA_CONFIG", str(config))
        with serving(url, Path(folder), KEY_SCOPES) as served:
            yield served
    drop_database(server_url, name)


def append(api: Api, events: list[dict[str, Any]]) -> int:
    with api.client("writer") as client:
        answer = client.post("/v1/events", json=events)
    assert answer.status_code == 201, answer.text
    return max(r["position"] for r in answer.json()["results"])


def linked(customer: str, value: str, kind: str = "phone", **fields: Any) -> dict[str, Any]:
    return factories.linked(customer, value, kind, **{"occurred_at": LINKED_AT, **fields})


def lookup(
    api: Api, value: str, kind: str = "phone", key: str = "reader", **params: Any
) -> httpx.Response:
    with api.client(key) as client:
        return client.post(
            "/v1/identities/lookup", json={"kind": kind, "value": value}, params=params
        )


def get(api: Api, path: str, key: str = "reader", **params: Any) -> dict[str, Any]:
    with api.client(key) as client:
        answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def phone() -> str:
    return f"+4930{int(unique('n').split('-')[1], 16) % 10**8:08d}"


def test_a_lookup_finds_a_stream_by_a_differently_spelled_value(api: Api) -> None:
    number, customer = phone(), unique("c")
    spelled = f"{number[:3]} {number[3:5]} {number[5:9]}-{number[9:]}"
    after = append(api, [linked(customer, spelled)])
    found = lookup(api, number, after=after).json()
    assert found["customers"] == [
        {"customer_id": customer, "resolved_id": customer, "linked_at": LINKED_AT}
    ]
    assert (found["persons"], found["ignored"], found["shared"]) == ([customer], False, False)
    assert found["next_cursor"] is None
    assert lookup(api, "+49 30 1234-5678").json()["customers"] == []


def test_as_of_or_at_before_a_link_finds_nothing_and_an_unlink_ends_the_holding(api: Api) -> None:
    number, customer = phone(), unique("c")
    append(api, [linked(customer, number)])
    with api.client("reader") as client:
        recorded = client.get(f"/v1/customers/{customer}/timeline").json()["events"][0]
    assert lookup(api, number, at=EARLY).json()["customers"] == []
    assert lookup(api, number, as_of=recorded["recorded_at"]).json()["persons"] == [customer]
    before = "2000-01-01T00:00:00Z"
    assert lookup(api, number, as_of=before).json()["customers"] == []
    after = append(api, [factories.unlinked(customer, number, occurred_at=LATER)])
    assert lookup(api, number, after=after).json()["customers"] == []
    assert lookup(api, number, at=LINKED_AT).json()["persons"] == [customer], "held until then"


def test_an_ignored_placeholder_is_found_by_no_lookup_and_makes_no_duplicates(api: Api) -> None:
    first, second = unique("c"), unique("c")
    after = append(
        api,
        [
            linked(first, "noemail@example.com", "email"),
            linked(second, "NOEMAIL@example.com", "email"),
        ],
    )
    found = lookup(api, " noemail@EXAMPLE.com", "email", after=after).json()
    assert (found["customers"], found["persons"], found["ignored"]) == ([], [], True)
    person = get(api, f"/v1/customers/{first}")
    assert [(i["kind"], i["shared"]) for i in person["identities"]] == [("email", True)]
    assert person["duplicates"] == []
    groups = get(api, "/v1/identities/duplicates")["groups"]
    assert not {first, second} & {p for g in groups for p in g["persons"]}


def test_a_shared_identity_is_flagged_paged_listed_and_makes_no_duplicates(api: Api) -> None:
    number, holders = phone(), sorted(unique("c") for _ in range(3))
    after = append(api, [linked(c, number) for c in holders])
    first = lookup(api, number, limit=2, after=after).json()
    assert first["shared"] is True and first["ignored"] is False
    assert [c["customer_id"] for c in first["customers"]] == holders[:2]
    assert first["persons"] == holders[:2]
    second = lookup(api, number, limit=2, cursor=first["next_cursor"]).json()
    assert [c["customer_id"] for c in second["customers"]] == holders[2:]
    assert second["next_cursor"] is None
    listed = get(api, "/v1/identities/shared")["identities"]
    assert {"kind": "phone", "persons": 3} in listed and all("value" not in i for i in listed)
    with_pii = get(api, "/v1/identities/shared", key="pii")["identities"]
    assert {"kind": "phone", "persons": 3, "value": number} in with_pii
    groups = get(api, "/v1/identities/duplicates")["groups"]
    assert not set(holders) & {p for g in groups for p in g["persons"]}


def test_duplicates_are_grouped_by_person_paged_and_merges_join_them(api: Api) -> None:
    a, b, c = sorted(unique("dup") for _ in range(3))
    mail, other = f"{a}@example.com", f"{b}@example.com"
    after = append(
        api,
        [
            linked(a, mail, "email"),
            linked(b, mail.upper(), "email"),
            linked(b, other, "email"),
            linked(c, other, "email"),
        ],
    )
    groups = get(api, "/v1/identities/duplicates", after=after)["groups"]
    mine = [g for g in groups if set(g["persons"]) <= {a, b, c}]
    assert mine == [{"kind": "email", "persons": [a, b]}, {"kind": "email", "persons": [b, c]}]
    page = get(api, "/v1/identities/duplicates", limit=1)
    assert len(page["groups"]) == 1 and page["next_cursor"] is not None
    rest = get(api, "/v1/identities/duplicates", limit=1000, cursor=page["next_cursor"])["groups"]
    assert page["groups"] + rest == groups
    valued = get(api, "/v1/identities/duplicates", key="pii")["groups"]
    assert {"kind": "email", "persons": [a, b], "value": mail} in valued
    person = get(api, f"/v1/customers/{b}", key="pii")
    assert person["duplicates"] == [a, c]
    assert {(i["customer_id"], i.get("value")) for i in person["identities"]} == {
        (b, mail.upper()),
        (b, other),
    }
    assert all("value" not in i for i in get(api, f"/v1/customers/{b}")["identities"])
    after = append(
        api, [event("customer.merged", customer_id=a, data={"into": b}, occurred_at=LATER)]
    )
    merged = get(api, f"/v1/customers/{a}", after=after)
    assert (merged["resolved_id"], merged["merged_ids"], merged["duplicates"]) == (b, [a, b], [c])
    assert [i["customer_id"] for i in merged["identities"]] == [a, b, b]
    groups = get(api, "/v1/identities/duplicates")["groups"]
    assert {"kind": "email", "persons": [b, c]} in groups
    assert all(g["persons"] != [a, b] for g in groups), "one person now"
    before = get(api, f"/v1/customers/{a}", at=LINKED_AT)
    assert (before["resolved_id"], before["duplicates"]) == (a, [b]), "the merge occurred later"
    assert lookup(api, mail, "email", at=LINKED_AT).json()["persons"] == [a, b]
    assert lookup(api, mail, "email").json()["persons"] == [b]


def test_erasure_removes_lookups_but_keeps_figures_and_chains(api: Api) -> None:
    customer, other, number = unique("c"), unique("c"), phone()
    append(api, [event(customer_id=customer), linked(customer, number)])
    after = append(
        api,
        [
            event("customer.merged", customer_id=other, data={"into": customer}),
            event(customer_id=other),
        ],
    )
    contacts = get(api, f"/v1/customers/{customer}/contacts", after=after)
    with api.client("admin") as client:
        erased = client.delete(f"/v1/customers/{customer}/personal-data")
    assert erased.status_code == 200, erased.text
    assert erased.json()["merged_ids"] == [other], "the person's other streams are not erased"
    found = lookup(api, number, after=erased.json()["position"]).json()
    assert found["customers"] == []
    assert get(api, f"/v1/customers/{customer}")["identities"] == []
    assert get(api, f"/v1/customers/{customer}", at=LATER)["identities"] == []
    assert get(api, f"/v1/customers/{customer}/contacts") == contacts
    with api.client("auditor") as client:
        verified = client.get(f"/v1/audit/customers/{customer}/verify").json()
    assert verified["ok"] is True and verified["first_bad_position"] is None


def test_bad_input_is_422_naming_the_field(api: Api) -> None:
    assert _fields(lookup(api, "not-a-phone")) == {"value"}
    assert _fields(lookup(api, "anna", "email")) == {"value"}
    assert _fields(lookup(api, "x", "fax")) == {"kind"}
    assert _fields(lookup(api, "x" * 257, "device")) == {"value"}
    with api.client("reader") as client:
        assert _fields(client.post("/v1/identities/lookup", json={"kind": "phone"})) == {"value"}
        bad_cursor = client.get("/v1/identities/duplicates", params={"cursor": "bm90LWEtY3Vyc29y"})
        assert _fields(bad_cursor) == {"cursor"}
        assert client.get(f"/v1/customers/{unique('nobody')}").status_code == 404


def _fields(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 422, answer.text
    return {e["field"] for e in answer.json()["errors"]}
