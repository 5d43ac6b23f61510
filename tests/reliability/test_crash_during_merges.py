"""SIGKILL during a burst of merges (SPEC 10): a `journey serve` process with its
projection workers killed again and again while retrying clients send contacts,
`identity.linked`/`unlinked`, `customer.merged`/`unmerged` (chains, would-be
cycles, merges into customers without events) stores every acknowledged event
exactly once, and the persons, their contacts' figures, the identity index and
the lookup, duplicates and customer answers end equal to those of a rebuild:
the runner's batch path from 0 (`clean_*` copies) and the bulk rebuild that
`journey projections rebuild --all` runs."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg

from journey.postgres.database import ConnectionParams
from journey.runtime import Runtime
from projections.registry import PROJECTIONS, context_for, rebuild, status
from tests.plugins.projections import clean_copies, snapshot
from tests.plugins.reliability import Deployment
from tests.reliability.ingest import Batch, Ingest, assert_exactly_stored, chunks

EVENTS = 2000
BATCH = 20
KILLS = 5
CUSTOMERS = [f"mc-{n}" for n in range(24)]
GHOSTS = ["mc-ghost-1", "mc-ghost-2"]  # merged into, never written to
PHONES = [f"+49 30 5550 {n:03d}" for n in range(8)]
EMAILS = [f"person{n}@example.com" for n in range(8)]
START = datetime(2026, 3, 1, tzinfo=UTC)


def test_a_server_killed_during_merges_ends_equal_to_a_rebuild(
    deploy: Callable[[], Deployment],
) -> None:
    deployment = deploy()
    server = deployment.serve()
    events = identity_burst(EVENTS, random.Random(18))
    with Ingest(lambda _: server.url, deployment.key, chunks(events, BATCH), threads=4) as ingest:
        for kill in range(1, KILLS + 1):
            ingest.wait_for(kill * EVENTS // (KILLS + 2))
            assert server.kill() == -signal.SIGKILL
            server.start()
        outcome = ingest.result()
    assert outcome.answers["lost connection"] >= 1  # the kills did land mid-request
    with deployment.store() as store:
        assert_exactly_stored(store, events, outcome)
        until_current(store)
        live = answers(server.url, deployment.key)
        with admin(deployment) as conn:
            clean_copies(store)
            tables = snapshot(conn)
            assert tables == snapshot(conn, prefix="clean_")
        rebuild(store, context_for(store), [p.name for p in PROJECTIONS], lambda _a, _h: None)
        with admin(deployment) as conn:
            assert snapshot(conn) == tables
    assert answers(server.url, deployment.key) == live
    assert len(tables["persons"]) >= 3 and len(tables["holdings"]) >= 10
    assert any(len(person["merged_ids"]) > 1 for person in live["customers"].values())
    assert live["duplicates"] and any(found["persons"] for found in live["lookups"].values())
    print(
        f"\nmerges: {dict(outcome.answers)}; {len(tables['persons'])} streams merged, "
        f"{len(tables['holdings'])} identities held, {len(live['duplicates'])} duplicates groups"
    )


def identity_burst(count: int, rng: random.Random) -> Batch:
    """Contacts, links, unlinks, merges and unmerges over a few streams and a few
    identities (spelled in several ways), at random instants over three weeks."""
    events: Batch = []
    for n in range(count):
        customer = rng.choice(CUSTOMERS)
        instant = START + timedelta(minutes=rng.randrange(60 * 24 * 21))
        common = {
            "id": f"merge-{n}",
            "customer_id": customer,
            "occurred_at": instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        roll = rng.random()
        if roll < 0.5:
            channel = rng.choice(["phone", "chat", "email"])
            events.append({**common, "type": "contact.inbound", "channel": channel})
        elif roll < 0.78:
            kind = "identity.linked" if roll < 0.7 else "identity.unlinked"
            events.append({**common, "type": kind, **identity(rng)})
        elif roll < 0.92:
            into = rng.choice([c for c in CUSTOMERS + GHOSTS if c != customer])
            events.append({**common, "type": "customer.merged", "data": {"into": into}})
        else:
            events.append({**common, "type": "customer.unmerged"})
    return events


def identity(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.5:
        phone = rng.choice(PHONES)
        value = phone if rng.random() < 0.5 else phone.replace(" ", "-")
        return {"data": {"kind": "phone"}, "pii": {"value": value}}
    email = rng.choice(EMAILS)
    value = email if rng.random() < 0.5 else f"  {email.upper()}"
    return {"data": {"kind": "email"}, "pii": {"value": value}}


def until_current(store: Runtime, timeout: float = 30) -> None:
    """Wait for the server's projection workers to reach the log's head."""
    deadline = time.monotonic() + timeout
    while (behind := [s for s in status(store) if s.lag]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not behind, behind


def answers(url: str, key: str) -> dict[str, Any]:
    """Every lookup of the identities used, every page of duplicates, every
    customer's person (or its 404), read through the server."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
        lookups = {}
        for kind, values in (("phone", PHONES), ("email", EMAILS)):
            for value in values:
                found = client.post(
                    "/v1/identities/lookup",
                    json={"kind": kind, "value": value},
                    params={"limit": 3},
                )
                assert found.status_code == 200, found.text
                lookups[value] = found.json()
        groups: list[Any] = []
        cursor: str | None = None
        while True:
            paging = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get("/v1/identities/duplicates", params=paging)
            assert page.status_code == 200, page.text
            groups += page.json()["groups"]
            if (cursor := page.json()["next_cursor"]) is None:
                break
        customers = {}
        for customer in CUSTOMERS + GHOSTS:
            found = client.get(f"/v1/customers/{customer}")
            assert found.status_code in (200, 404), found.text
            customers[customer] = found.json() if found.status_code == 200 else {"merged_ids": []}
    return {"lookups": lookups, "duplicates": groups, "customers": customers}


def admin(deployment: Deployment) -> psycopg.Connection[tuple[Any, ...]]:
    conninfo = ConnectionParams.from_url(deployment.database_url).conninfo()
    return psycopg.connect(conninfo, autocommit=True)
