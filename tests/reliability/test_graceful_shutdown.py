"""SIGTERM mid-load: the server drains what is in flight (a request still
sending its body when the signal came is answered), commits or rejects every
batch whole, exits cleanly, and nothing it acknowledged is lost."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Callable

import orjson

from tests.plugins.reliability import Deployment
from tests.reliability.ingest import (
    Ingest,
    assert_exactly_stored,
    chunks,
    make_events,
    request_head,
    stored_ids,
)

EVENTS = 3000
BATCH = 50


def test_sigterm_drains_in_flight_requests_and_loses_nothing_acknowledged(
    deploy: Callable[[], Deployment],
) -> None:
    deployment = deploy()
    server = deployment.serve()
    events = make_events(EVENTS, customers=30, prefix="drain")
    slow_batch = make_events(20, customers=3, prefix="drain-slow")
    batches = chunks(events, BATCH)
    with Ingest(lambda _: server.url, deployment.key, batches, threads=4) as ingest:
        ingest.wait_for(EVENTS // 3)

        body = orjson.dumps(slow_batch)
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as slow:
            slow.sendall(request_head(deployment.key, len(body)) + body[: len(body) // 2])
            time.sleep(0.3)  # the request is in flight: headers read, body half sent
            server.process.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
            time.sleep(0.5)
            slow.sendall(body[len(body) // 2 :])
            answer = _read_answer(slow)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
        # uvicorn re-raises the signal once drained, so the parent sees how it ended
        assert server.process.wait(30) in (0, -signal.SIGTERM)  # type: ignore[union-attr]

        with deployment.store() as store:
            stored = stored_ids(store)
        acknowledged = set(ingest.outcome.acknowledged)
        assert acknowledged <= stored
        assert {e["id"] for e in slow_batch} <= stored
        for batch in batches:  # every batch committed whole or not at all
            held = sum(e["id"] in stored for e in batch)
            assert held in (0, len(batch)), (batch[0]["id"], held)

        server.start()  # a rolling restart: the clients' retries finish the job
        outcome = ingest.result()
        outcome.acknowledge(orjson.loads(answer.split(b"\r\n\r\n", 1)[1])["results"])
    with deployment.store() as store:
        assert_exactly_stored(store, events + slow_batch, outcome)
    print(
        f"\nshutdown: {len(acknowledged)} acknowledged before SIGTERM exit, "
        f"answers {dict(outcome.answers)}"
    )


def _read_answer(conn: socket.socket) -> bytes:
    received = b""
    while chunk := conn.recv(65536):
        received += chunk
    return received
