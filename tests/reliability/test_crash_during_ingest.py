"""SIGKILL during ingest: a `journey serve` process killed again and again while
clients send batches with retries loses nothing acknowledged and stores nothing
twice; a concurrent writers' run keeps positions gap-free and chains intact."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.plugins.reliability import Deployment
from tests.reliability.ingest import Ingest, assert_exactly_stored, chunks, make_events

EVENTS = 3000
BATCH = 50
KILLS = 4


def test_a_server_killed_repeatedly_mid_ingest_loses_and_duplicates_nothing(
    deploy: Callable[[], Deployment],
) -> None:
    deployment = deploy()
    server = deployment.serve()
    events = make_events(EVENTS, customers=40, prefix="crash")
    orphans: list[int] = []
    with Ingest(lambda _: server.url, deployment.key, chunks(events, BATCH), threads=4) as ingest:
        for kill in range(1, KILLS + 1):
            ingest.wait_for(kill * EVENTS // (KILLS + 2))
            preparers = children(server.pid)
            assert preparers  # large batches are prepared there
            assert server.kill() == -signal.SIGKILL
            orphans += preparers
            server.start()
        outcome = ingest.result()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in orphans) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in orphans if alive(pid)], "preparers outlived their server"
    with deployment.store() as store:
        assert_exactly_stored(store, events, outcome)
    assert outcome.answers["lost connection"] >= 1  # the kills did land mid-request
    print(
        f"\ncrash: {dict(outcome.answers)}, {outcome.resent_duplicates} events committed "
        f"but unacknowledged, answered duplicate on resend"
    )


def children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_concurrent_servers_on_the_same_customers_keep_positions_and_chains(
    deploy: Callable[[], Deployment],
) -> None:
    deployment = deploy()
    servers = [
        deployment.serve(),
        deployment.serve("--no-projections"),
        deployment.serve("--no-projections"),
    ]
    events = make_events(EVENTS, customers=12, prefix="concurrent")
    rotation = itertools.cycle(servers)
    batches = chunks(events, 20)
    with Ingest(lambda _: next(rotation).url, deployment.key, batches, threads=6) as ingest:
        outcome = ingest.result()
    with deployment.store() as store:
        assert_exactly_stored(store, events, outcome)
        with store.datastore.pool.connection() as conn:
            per_customer = conn.execute(
                "SELECT originator_id, count(*) AS n, max(originator_version) AS top "
                "FROM journey_events GROUP BY originator_id"
            ).fetchall()
    assert len(per_customer) == 12
    assert all(row["n"] == row["top"] for row in per_customer)  # versions 1..n, no gap
