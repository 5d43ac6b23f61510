"""SPEC 10.2-10.3 over real PostgreSQL: contacts counted per person across its
streams; merges and unmerges in any arrival order (chains, cycles, late
contacts) give the same figures; a merge and its unmerge restore every figure;
the projection agrees with replays, and a reading as of before a merge shows the
figures as they were."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journey.identities.normalise import identity_key
from journey.postgres.reads import EventReads
from journey.reading.bounds import Bounds
from journey.reading.documents import contacts_document
from journey.reading.persons import person_of
from journey.reading.replay import Replays
from journey.runtime import Runtime
from projections.identity_reads import Reading, identity_reads_of
from projections.queries import ReadModel
from tests.factories import event
from tests.plugins.database import empty
from tests.plugins.projections import catch_up_all, ingest_in_steps, snapshot

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CUSTOMERS = ("p1", "p2", "p3", "p4")
WEEK = timedelta(days=7)
SPELLINGS = {  # an identity (kind, normalised value): ways a channel system writes it
    ("phone", "+4930123456"): ["+49 30 123456", "+49-30-123456", "+4930123456"],
    ("email", "anna@example.com"): ["anna@example.com", " Anna@Example.COM"],
}


def at(minute: int) -> str:
    return (START + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Contacts on four streams, merges (chains and would-be cycles included),
    unmerges and identities linked and unlinked (in several spellings), at
    distinct instants."""
    count = draw(st.integers(4, 24))
    minutes = draw(
        st.lists(st.integers(0, 60 * 24 * 12), min_size=count, max_size=count, unique=True)
    )
    found = []
    for n, minute in enumerate(minutes):
        customer = draw(st.sampled_from(CUSTOMERS))
        kind = draw(
            st.sampled_from(
                ["contact.inbound"] * 3
                + ["customer.merged", "customer.unmerged", "identity.linked", "identity.unlinked"]
            )
        )
        fields: dict[str, Any] = {
            "id": f"p-{n}",
            "customer_id": customer,
            "occurred_at": at(minute),
        }
        if kind == "contact.inbound":
            fields["channel"] = draw(st.sampled_from(["chat", "email", "phone"]))
            fields["data"] = {"abandoned": draw(st.booleans())}
        if kind in ("identity.linked", "identity.unlinked"):
            identity = draw(st.sampled_from(sorted(SPELLINGS)))
            fields["data"] = {"kind": identity[0]}
            fields["pii"] = {"value": draw(st.sampled_from(SPELLINGS[identity]))}
        if kind == "customer.merged":
            fields["data"] = {
                "into": draw(st.sampled_from([c for c in CUSTOMERS if c != customer]))
            }
        found.append(event(kind, **fields))
    return found


def figures(store: Runtime) -> dict[str, Any]:
    """What a reader sees now: every stream's person and counts, and who a lookup
    of each identity finds."""
    model = ReadModel(store, store.sla_config, WEEK)
    reads = EventReads(store.datastore.pool)
    replays = Replays(reads, model.component, store.sla_config.policy_for)
    identities = identity_reads_of(store, reads, replays, model)
    found: dict[Any, Any] = {
        (kind, value): identities.lookup(
            (kind, identity_key(store.identity_secret, kind, value)), Reading(None, None), "", 10
        )
        for kind, value in SPELLINGS
    }
    for customer in CUSTOMERS:
        person = model.person(customer)
        found[customer] = (
            person,
            model.contacts(person, WEEK),
            model.contacts(person, timedelta(hours=30)),
        )
    return found


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories(), seed=st.integers(0, 1000))
def test_two_arrival_orders_give_identical_persons_and_figures(
    store: Runtime, admin: psycopg.Connection[Any], history: list[dict[str, Any]], seed: int
) -> None:
    empty(admin)
    ingest_in_steps(store, sorted(history, key=lambda e: e["occurred_at"]), random.Random(seed))
    in_order, tables = figures(store), snapshot(admin)
    empty(admin)
    store.keys.forget(CUSTOMERS)
    shuffled = list(history)
    random.Random(seed).shuffle(shuffled)
    ingest_in_steps(store, shuffled, random.Random(seed + 1))
    assert figures(store) == in_order
    assert snapshot(admin) == tables


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories())
def test_the_projection_agrees_with_replays_for_every_stream(
    store: Runtime, admin: psycopg.Connection[Any], history: list[dict[str, Any]]
) -> None:
    empty(admin)
    ingest_in_steps(store, history, random.Random(3))
    model = ReadModel(store, store.sla_config, WEEK)
    replays = Replays(
        EventReads(store.datastore.pool), model.component, store.sla_config.policy_for
    )
    for customer in CUSTOMERS:
        projected = model.person(customer)
        replayed = replays.person(customer, None, None)
        if replayed is None:  # no stream of the person has events
            continue
        person, facts = replayed
        assert person == projected
        for window in (WEEK, timedelta(hours=30)):
            assert model.contacts(projected, window) == contacts_document(person, facts, window)


def test_contacts_on_two_streams_count_as_one_persons_once_merged_and_apart_once_unmerged(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    empty(admin)
    store.ingestor.append(
        [
            event(customer_id="crm-1", channel="phone", occurred_at=at(0)),
            event(customer_id="crm-2", channel="email", occurred_at=at(60)),
            event(customer_id="crm-2", channel="email", occurred_at=at(120)),
        ]
    )
    catch_up_all(store)
    before = figures_of(store, "crm-1", "crm-2")
    assert before["crm-2"]["repeat_contacts"] == 1 and before["crm-2"]["channel_switches"] == 0

    merge(store, "m-1", "crm-2", "crm-1", 180)
    merged = figures_of(store, "crm-1", "crm-2")
    assert merged["crm-2"] == {**merged["crm-1"], "customer_id": "crm-2"}
    assert merged["crm-1"]["resolved_id"] == "crm-1" == merged["crm-2"]["resolved_id"]
    assert merged["crm-1"]["inbound_contacts"] == 3
    assert merged["crm-1"]["repeat_contacts"] == 2  # the e-mails came within a week of the call
    assert merged["crm-1"]["channel_switches"] == 1  # phone, then e-mail

    store.ingestor.append(
        [event("customer.unmerged", id="u-1", customer_id="crm-2", occurred_at=at(240))]
    )
    catch_up_all(store)
    assert figures_of(store, "crm-1", "crm-2") == before


def test_a_reading_as_of_before_a_merge_shows_the_figures_as_they_were(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    empty(admin)
    store.ingestor.append(
        [
            event(customer_id="a-1", channel="phone", occurred_at=at(0)),
            event(customer_id="b-1", channel="chat", occurred_at=at(30)),
        ]
    )
    catch_up_all(store)
    model = ReadModel(store, store.sla_config, WEEK)
    replays = Replays(
        EventReads(store.datastore.pool), model.component, store.sla_config.policy_for
    )
    before_merge = datetime.now(UTC)
    merge(store, "m-ab", "b-1", "a-1", 60)
    then = replays.contacts("b-1", WEEK, before_merge, None)
    now = replays.contacts("b-1", WEEK, None, None)
    assert then is not None and now is not None
    assert (then["resolved_id"], then["inbound_contacts"], then["repeat_contacts"]) == ("b-1", 1, 0)
    assert (now["resolved_id"], now["inbound_contacts"], now["repeat_contacts"]) == ("a-1", 2, 1)
    assert now == {**model.contacts(model.person("b-1"), WEEK)}


def test_a_merge_into_a_customer_without_events_and_a_cycle_that_is_void(
    store: Runtime, admin: psycopg.Connection[Any]
) -> None:
    empty(admin)
    store.ingestor.append(
        [
            event(customer_id="x-1", occurred_at=at(0)),
            event(
                "customer.merged",
                id="m-x",
                customer_id="x-1",
                data={"into": "golden-1"},
                occurred_at=at(1),
            ),
            event(
                "customer.merged",
                id="m-g",
                customer_id="golden-1",
                data={"into": "x-1"},
                occurred_at=at(2),
            ),
        ]
    )
    catch_up_all(store)
    model = ReadModel(store, store.sla_config, WEEK)
    assert model.person("x-1").resolved_id == "golden-1"  # the second merge would close a cycle
    assert model.person("golden-1").merged_ids == ("golden-1", "x-1")
    facts = EventReads(store.datastore.pool).customer_facts(["x-1", "golden-1"], Bounds())
    assert person_of("golden-1", facts)[0] == model.person("golden-1")


def merge(store: Runtime, event_id: str, customer: str, into: str, minute: int) -> None:
    """`customer` merged into `into` at `minute`, and the projections caught up."""
    merged = event("customer.merged", id=event_id, customer_id=customer, data={"into": into})
    store.ingestor.append([{**merged, "occurred_at": at(minute)}])
    catch_up_all(store)


def figures_of(store: Runtime, *customers: str) -> dict[str, dict[str, Any]]:
    model = ReadModel(store, store.sla_config, WEEK)
    return {c: model.contacts(model.person(c), WEEK) for c in customers}
