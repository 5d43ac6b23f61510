"""PostgreSQL stopped (crash-like) and started again mid-load: while it is down
the API answers 503 with Retry-After promptly (never 500, never a hang), and it
recovers by itself; the clients' retries leave exactly the events they sent."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.plugins.reliability import EmbeddedPostgres, deployment
from tests.reliability.ingest import Ingest, assert_exactly_stored, chunks, make_events

EVENTS = 2000
DOWN_SECONDS = 6.0
PROBES = (
    ("GET", "/health"),
    ("GET", "/v1/customers/restart-cust-1/timeline"),
    ("POST", "/v1/events"),
)
PROMPT_SECONDS = 10.0  # an answer while the database is down comes within this


def test_the_api_answers_503_while_the_database_is_down_and_recovers_alone(
    embedded_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    db = deployment(embedded_postgres.url, tmp_path)
    server = db.serve()
    events = make_events(EVENTS, customers=30, prefix="restart")
    try:
        with Ingest(lambda _: server.url, db.key, chunks(events, 50), threads=3) as ingest:
            ingest.wait_for(EVENTS // 4)
            embedded_postgres.stop("immediate")
            probes = _probe_while_down(server.url, db.key, until=time.monotonic() + DOWN_SECONDS)
            embedded_postgres.start()
            recovered = _seconds_until_healthy(server.url)
            outcome = ingest.result()
        caught_up = _seconds_until_projections_catch_up(server.url, db.key)
        exit_code = server.process.poll() if server.process else None
    finally:
        db.stop()
    assert exit_code is None  # the same process served throughout: no restart
    for path, status, retry_after, seconds in probes:
        assert status == 503, (path, status)
        assert path == "/health" or retry_after is not None, path
        assert seconds < PROMPT_SECONDS, probes
    assert {"200", "201", "503"} >= set(outcome.answers), outcome.answers  # never a 500
    assert outcome.answers["503"] >= 1
    with db.store() as store:
        assert_exactly_stored(store, events, outcome)
    print(
        f"\ndatabase restart: probes {probes}, healthy {recovered:.1f} s after start, "
        f"projections caught up {caught_up:.1f} s after the last write, "
        f"answers {dict(outcome.answers)}, slowest {outcome.slowest_seconds:.1f} s"
    )


Probe = tuple[str, int, str | None, float]


def _probe_while_down(url: str, key: str, until: float) -> list[Probe]:
    """(path, status, Retry-After, seconds) of reads, writes and /health while down."""
    headers = {"Authorization": f"Bearer {key}"}
    probe = make_events(1, customers=1, prefix="probe-while-down")
    found = []
    with httpx.Client(base_url=url, headers=headers, timeout=PROMPT_SECONDS * 2) as client:
        while time.monotonic() < until:
            for method, path in PROBES:
                started = time.monotonic()
                answer = client.request(method, path, json=probe if method == "POST" else None)
                found.append(
                    (
                        path,
                        answer.status_code,
                        answer.headers.get("retry-after"),
                        round(time.monotonic() - started, 2),
                    )
                )
    return found


def _seconds_until_projections_catch_up(url: str, key: str, timeout: float = 60.0) -> float:
    """The projection workers in the server reconnect by themselves too."""
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {key}"}
    while True:
        answer = httpx.get(f"{url}/v1/projections", headers=headers, timeout=30).json()
        if all(p["lag"] == 0 for p in answer["projections"]):
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, answer
        time.sleep(0.2)


def _seconds_until_healthy(url: str, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while httpx.get(f"{url}/health", timeout=30).status_code != 200:
        assert time.monotonic() - started < timeout, "the API did not recover by itself"
        time.sleep(0.1)
    return time.monotonic() - started
