"""Proof of erasure through a running server (SPEC 7): personal text sent over
HTTP, projected, then erased by the admin route leaves no trace in a dump of the
whole database (projection tables included) nor in the server's log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.integration.test_audit_proof import dump, traces
from tests.plugins.server import KEY_SCOPES, Api, serving, unique

MARKER = "Wombat-Served-Marker-81d4"


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A `journey serve` of this module's own, stopped before other modules run."""
    data_dir = tmp_path_factory.mktemp("audit-serve")
    with serving(database_url, data_dir, {"all": KEY_SCOPES["all"]}) as api:
        yield api


def wait_for_projections(client: httpx.Client, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = client.get("/v1/projections").raise_for_status().json()
        if answer["projections"] and all(p["lag"] == 0 for p in answer["projections"]):
            return
        time.sleep(0.1)
    raise AssertionError(f"projections did not catch up: {answer}\n{log.read_text()}")


def test_erasure_over_http_leaves_no_trace_in_dump_or_log(
    served: Api, admin: psycopg.Connection[Any], database_url: str
) -> None:
    with served.client() as client:
        erase_over_http(client, served.log)
    everything = dump(admin, database_url)
    assert b"cases_v1" in everything  # the projections' tables are in the dump
    served_log = served.log.read_bytes()
    assert b"Application startup complete" in served_log  # the server's own log is scanned
    for trace in traces(MARKER):
        assert trace not in everything, trace
        assert trace not in served_log, trace


def erase_over_http(client: httpx.Client, log: Path) -> None:
    """Send pii with the marker, see it, let the projections read it, erase it."""
    customer = unique("proof")
    events = [
        {
            "id": unique("ev"),
            "type": "contact.inbound",
            "customer_id": customer,
            "occurred_at": "2026-03-02T10:00:00Z",
            "channel": "email",
            "case_id": "case-p",
            "pii": {"subject": f"Re: {MARKER}", "email": f"{MARKER}@example.org"},
        },
        {
            "id": unique("ev"),
            "type": "reply.outbound",
            "customer_id": customer,
            "occurred_at": "2026-03-02T11:00:00Z",
            "channel": "email",
            "case_id": "case-p",
            "agent_id": "agent-1",
            "pii": {"body": f"Dear {MARKER}"},
        },
    ]
    client.post("/v1/events", json=events).raise_for_status()
    timeline = f"/v1/customers/{customer}/timeline"
    assert MARKER in client.get(timeline).text  # readable before: the test could fail
    wait_for_projections(client, log)
    client.delete(f"/v1/customers/{customer}/personal-data").raise_for_status()
    assert MARKER not in client.get(timeline).text
