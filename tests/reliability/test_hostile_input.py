"""Hostile input against a running `journey serve`: each abuse is refused with a
4xx (never a 5xx, never a hang) while a prober keeps timing `/health`, which
must answer throughout; the store stays intact afterwards."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error

from tests.plugins.reliability import Deployment, ServeProcess
from tests.reliability.ingest import make_events, request_head

# Generated requests per operation and mode; JOURNEY_FUZZ_EXAMPLES=1000 for a long run.
FUZZ_EXAMPLES = int(os.environ.get("JOURNEY_FUZZ_EXAMPLES", "30"))
ANSWER_SECONDS = 30.0  # every request must be answered within this (no hang)
SQL = "x'); DROP TABLE journey_events; --"
Served = tuple[Deployment, ServeProcess]


class HealthProbe:
    """Times `GET /health` every 50 ms in a thread until stopped."""

    def __init__(self, url: str):
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=ANSWER_SECONDS) as client:
            while not self._stop.wait(0.05):
                started = time.perf_counter()
                try:
                    status = client.get(f"{self.url}/health").status_code
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                    continue
                self.latencies.append(time.perf_counter() - started)
                if status != 200:
                    self.failures.append(f"status {status}")

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


@contextmanager
def probing(url: str, label: str) -> Iterator[HealthProbe]:
    probe = HealthProbe(url)
    probe._thread.start()
    try:
        yield probe
    finally:
        deadline = time.monotonic() + 5  # a fast abuse: see /health answer just after it too
        while len(probe.latencies) + len(probe.failures) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        probe._stop.set()
        probe._thread.join()
    assert probe.failures == [] and len(probe.latencies) >= 3, probe.failures[:5]
    print(
        f"\n{label}: /health answered {len(probe.latencies)} times, p50 "
        f"{probe.percentile(0.5):.1f} ms, p99 {probe.percentile(0.99):.1f} ms, "
        f"max {max(probe.latencies) * 1000:.1f} ms"
    )


@pytest.fixture
def client(module_server: Served) -> Iterator[httpx.Client]:
    deployment, server = module_server
    headers = {"Authorization": f"Bearer {deployment.key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=ANSWER_SECONDS) as made:
        yield made


def test_schemathesis_finds_no_server_error_nor_hang(module_server: Served) -> None:
    deployment, server = module_server
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"Authorization": f"Bearer {deployment.key}"}
    operations = 0
    with probing(server.url, "schemathesis"):
        for result in schema.exclude(path="/v1/events/stream").get_all_operations():
            operation = result.ok()  # type: ignore[union-attr]
            for mode in schemathesis.GenerationMode:

                @given(case=operation.as_strategy(generation_mode=mode))
                @settings(
                    max_examples=FUZZ_EXAMPLES,
                    deadline=None,
                    database=None,
                    suppress_health_check=list(HealthCheck),
                )
                def no_server_error(case: Any) -> None:
                    case.call_and_validate(
                        headers=headers, checks=[not_a_server_error], timeout=ANSWER_SECONDS
                    )

                try:
                    no_server_error()
                except Unsatisfiable:  # no parameters or body to make invalid (e.g. /health)
                    assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
            operations += 1
    assert operations >= 15


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": value}
    return value


def _chunked(size: int) -> Iterator[bytes]:
    yield b'[{"id": "'
    for _ in range(size // 65536):
        yield b"a" * 65536
    yield b'"}]'


ABUSES: dict[str, tuple[dict[str, Any], set[int]]] = {
    "declared oversized body": ({"content": b" " * (9 * 1024 * 1024)}, {413}),
    "chunked oversized body": ({"content": _chunked(9 * 1024 * 1024)}, {413}),
    "1001 events in a batch": ({"json": make_events(1001, 5, "too-many")}, {413}),
    "nesting beyond the parser": ({"content": b"[" * 100_000 + b"]" * 100_000}, {422}),
    "deeply nested data": ({"json": {**make_events(1, 1, "deep")[0], "data": _nested(900)}}, {422}),
    "a 1 MB id": ({"json": {**make_events(1, 1, "x")[0], "id": "a" * 1_000_000}}, {422}),
    "a 7 MB pii value": (
        {"json": {**make_events(1, 1, "big")[0], "pii": {"body": "b" * 7_000_000}}},
        {422},
    ),
    "invalid UTF-8": ({"content": b'{"id": "\xff\xfe\xfd", "type": "contact.inbound"}'}, {422}),
    "a NUL in a field": (
        {"json": {**make_events(1, 1, "nul")[0], "customer_id": "a\u0000b"}},
        {422},
    ),
    "text/plain": (
        {
            "content": orjson.dumps(make_events(1, 1, "plain")),
            "headers": {"Content-Type": "text/plain"},
        },
        {415},
    ),
    "application/xml": (
        {"content": b"<event id='1'/>", "headers": {"Content-Type": "application/xml"}},
        {415},
    ),
    "a form": ({"data": {"id": "x"}}, {415}),
    "multipart": ({"files": {"f": b"{}"}}, {415}),
    "a JSON scalar": ({"content": b"null"}, {422}),
}


@pytest.mark.parametrize("name", list(ABUSES))
def test_abusive_bodies_are_refused_cleanly(
    name: str, client: httpx.Client, module_server: Served
) -> None:
    arguments, expected = ABUSES[name]
    with probing(module_server[1].url, name):
        answer = client.post("/v1/events", **arguments)
    assert answer.status_code in expected, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"] == "application/problem+json"


def test_sql_in_every_field_is_data_never_code(client: httpx.Client) -> None:
    base = make_events(1, 1, "sql")[0]
    refused = {}
    for field in ("id", "type", "customer_id", "occurred_at", "channel", "case_id", "agent_id"):
        refused[field] = client.post("/v1/events", json={**base, field: SQL}).status_code
    assert set(refused.values()) == {422}, refused
    stored = {
        **base,
        "type": "self_service.used",
        "channel": "web",
        "pii": {"note": SQL},
        "data": {"article_id": SQL},
    }
    assert client.post("/v1/events", json=stored).status_code == 201
    for path, params in (
        ("/v1/customers/" + SQL + "/timeline", {}),
        ("/v1/events", {"after": SQL}),
        (
            f"/v1/customers/{base['customer_id']}/timeline",
            {"channel": SQL, "cursor": SQL, "as_of": SQL},
        ),
    ):
        assert client.get(path, params=params).status_code in (404, 422), path
    timeline = client.get(f"/v1/customers/{base['customer_id']}/timeline").json()
    event = timeline["events"][0]
    assert (event["data"]["article_id"], event["pii"]["note"]) == (SQL, SQL)


def test_invalid_utf8_in_paths_and_queries_is_refused(client: httpx.Client) -> None:
    for raw_path in (
        b"/v1/customers/%FF%FE/timeline",
        b"/v1/events?after=%FF",
        b"/v1/customers/c/timeline?channel=%C3%28",
    ):
        answer = client.send(client.build_request("GET", raw_path.decode()))
        assert 400 <= answer.status_code < 500, (raw_path, answer.status_code)


def test_slow_clients_are_cut_off_and_others_still_served(module_server: Served) -> None:
    deployment, server = module_server
    body = orjson.dumps(make_events(3, 1, "slow"))
    head = request_head(deployment.key, len(body))
    with probing(server.url, "slow clients"):
        dribblers = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(50)]
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_SECONDS)
        stalled.sendall(head + body[:10])  # then nothing more: a stalled upload
        try:
            for byte in range(60):  # headers one byte at a time for 6 s, on 50 connections
                for sock in dribblers:
                    sock.sendall(head[byte : byte + 1])
                time.sleep(0.1)
            answer = stalled.recv(65536)
        finally:
            for sock in [*dribblers, stalled]:
                sock.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
