"""SPEC 8 keys and scopes on every route: 401 without or with a wrong key, 403
without the scope, through a real server; and `journey keys create`."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import psycopg
import pytest

from journey.postgres.database import ConnectionParams
from tests.factories import event
from tests.plugins.database import TEST_MASTER_KEY
from tests.plugins.server import Api

ROUTES = [  # (method, path, scope)
    ("POST", "/v1/events", "events:write"),
    ("GET", "/v1/events", "read"),
    ("GET", "/v1/events/stream", "read"),
    ("GET", "/v1/customers/auth-c/timeline", "read"),
    ("GET", "/v1/customers/auth-c/cases", "read"),
    ("GET", "/v1/customers/auth-c/contacts", "read"),
    ("GET", "/v1/cases/auth-case", "read"),
    ("GET", "/v1/sla/breaches", "read"),
    ("GET", "/v1/metrics/first-contact-resolution", "read"),
    ("GET", "/v1/metrics/repeat-contacts", "read"),
    ("GET", "/v1/metrics/satisfaction", "read"),
    ("GET", "/v1/audit/customers/auth-c/verify", "audit"),
    ("DELETE", "/v1/customers/auth-c/personal-data", "admin"),
    ("GET", "/v1/projections", "admin"),
]
KEY_FOR_SCOPE = {"events:write": "writer", "read": "reader", "audit": "auditor", "admin": "admin"}


def call(api: Api, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    body = None
    if method == "POST":
        body = httpx.Request(
            "POST", "/", json=event(customer_id="auth-c", case_id="auth-case")
        ).content
    with httpx.Client(base_url=api.url, timeout=10) as client:
        if path.endswith("/stream"):
            with client.stream(method, path, headers=headers) as answer:
                return answer
        return client.request(method, path, headers=headers, content=body)


@pytest.mark.parametrize(("method", "path", "scope"), ROUTES)
def test_every_route_needs_a_key_with_its_scope(
    api: Api, method: str, path: str, scope: str
) -> None:
    missing = call(api, method, path, {})
    wrong = call(api, method, path, {"Authorization": "Bearer jk_000000000000_not-a-key"})
    other_scopes = [k for s, k in KEY_FOR_SCOPE.items() if s != scope]
    forbidden = [
        call(api, method, path, {"Authorization": f"Bearer {api.keys[k]}"}) for k in other_scopes
    ]
    allowed = call(api, method, path, {"Authorization": f"Bearer {api.keys[KEY_FOR_SCOPE[scope]]}"})
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert {r.status_code for r in forbidden} == {403}
    assert allowed.status_code in (200, 201)


def test_health_needs_no_key_and_metrics_needs_any_valid_key(api: Api) -> None:
    with httpx.Client(base_url=api.url) as client:
        health = client.get("/health")
        anonymous = client.get("/metrics")
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {api.keys['writer']}"})
    assert health.status_code == 200 and health.json()["database"] is True
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    assert "journey_http_requests_total" in scraped.text
    assert "journey_projection_lag_events" in scraped.text
    assert "journey_events_ingested_total" in scraped.text


def test_keys_create_prints_a_working_key_and_stores_only_its_hash(
    api: Api, database_url: str
) -> None:
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
    }
    made = subprocess.run(
        [sys.executable, "-m", "cli", "keys", "create", "--name", "crm", "--scopes", "read,pii"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = made.stdout.strip()
    secret = key.split("_", 2)[2]  # jk_<id>_<secret>; the secret may hold "_"
    with psycopg.connect(ConnectionParams.from_url(database_url).conninfo()) as conn:
        dump = conn.execute("SELECT row_to_json(k)::text FROM journey_api_keys k").fetchall()
    assert not any(secret in row[0] for row in dump)
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}) as client:
        assert client.get("/v1/events").status_code == 200
        assert client.post("/v1/events", json=event()).status_code == 403


def test_keys_create_refuses_an_unknown_scope(database_url: str) -> None:
    env = {
        **os.environ,
        "JOURNEY_DATABASE_URL": database_url,
        "JOURNEY_MASTER_KEY": TEST_MASTER_KEY,
    }
    made = subprocess.run(
        [sys.executable, "-m", "cli", "keys", "create", "--name", "x", "--scopes", "read,root"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode != 0
    assert "root" in made.stderr
