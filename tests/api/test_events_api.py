"""POST /v1/events, the feed and the live stream, through a real server."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import orjson

from api.routes.events import MAX_BODY_BYTES
from journey.ingest.validation import REPEATED_KEY
from tests.factories import event
from tests.plugins.server import Api, unique

PROBLEM = "application/problem+json"


def post(api: Api, body: Any, key: str = "writer") -> httpx.Response:
    with api.client(key) as client:
        return client.post("/v1/events", content=orjson.dumps(body))


def test_one_event_is_created_then_answered_as_a_duplicate(api: Api) -> None:
    one = event(customer_id=unique("c"))
    first, again = post(api, one), post(api, one)
    assert first.status_code == 201
    assert again.status_code == 200
    (created,), (duplicate,) = first.json()["results"], again.json()["results"]
    assert created["status"] == "created" and duplicate["status"] == "duplicate"
    assert created["id"] == duplicate["id"] == one["id"]
    assert created["position"] == duplicate["position"]


def test_a_batch_answers_each_event_in_order(api: Api) -> None:
    customer = unique("c")
    batch = [event(customer_id=customer) for _ in range(3)]
    answer = post(api, batch)
    assert answer.status_code == 201
    results = answer.json()["results"]
    assert [r["id"] for r in results] == [e["id"] for e in batch]
    positions = [r["position"] for r in results]
    assert positions == list(range(positions[0], positions[0] + 3))


def test_an_invalid_event_is_a_problem_naming_the_event_and_field(api: Api) -> None:
    good, bad = event(customer_id=unique("c")), event(customer_id=unique("c"), channel="fax")
    answer = post(api, [good, bad])
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["errors"] == [
        {
            "index": 1,
            "event_id": bad["id"],
            "field": "channel",
            "message": problem["errors"][0]["message"],
        }
    ]
    assert bad["id"] in problem["detail"] and "channel" in problem["detail"]
    assert post(api, good).status_code == 201  # nothing of the refused batch was stored


def test_a_repeated_key_is_refused_naming_the_event_and_key(api: Api) -> None:
    customer = unique("c")
    good = event(customer_id=customer)
    repeated = orjson.dumps(event(id="dupkey", customer_id=customer)).replace(
        b'"id":"dupkey"', b'"id":"dupkey","id":"dupkey2"'
    )
    with api.client("writer") as client:
        single = client.post("/v1/events", content=repeated)
        batch = client.post(
            "/v1/events", content=b"[" + orjson.dumps(good) + b"," + repeated + b"]"
        )
    assert single.status_code == batch.status_code == 422
    assert single.headers["content-type"] == PROBLEM
    assert single.json()["errors"] == [
        {"index": 0, "event_id": "dupkey2", "field": "id", "message": REPEATED_KEY}
    ]
    assert [(e["index"], e["field"]) for e in batch.json()["errors"]] == [(1, "id")]
    assert "'dupkey2' (#1): id" in batch.json()["detail"]
    with api.client("reader") as client:
        timeline = client.get(f"/v1/customers/{customer}/timeline")
    assert timeline.status_code == 404  # nothing of either body was stored


def test_the_same_id_with_other_content_is_a_conflict(api: Api) -> None:
    original = event(customer_id=unique("c"))
    position = post(api, original).json()["results"][0]["position"]
    answer = post(api, [event(customer_id=original["customer_id"]), {**original, "channel": "sms"}])
    assert answer.status_code == 409
    assert answer.headers["content-type"] == PROBLEM
    (conflict,) = answer.json()["errors"]
    assert conflict["index"] == 1 and conflict["event_id"] == original["id"]
    assert conflict["field"] == "id" and conflict["position"] == position


def test_malformed_and_empty_bodies_are_422(api: Api) -> None:
    with api.client("writer") as client:
        broken = client.post("/v1/events", content=b'[{"id": ')
        empty = client.post("/v1/events", content=b"[]")
        scalar = client.post("/v1/events", content=b"17")
    assert broken.status_code == empty.status_code == scalar.status_code == 422
    assert broken.json()["errors"][0]["field"] == "(body)"
    assert scalar.json()["errors"][0]["field"] == "(event)"


def test_over_the_limits_is_413_never_500(api: Api) -> None:
    with api.client("writer") as client:
        too_big = client.post("/v1/events", content=b" " * (MAX_BODY_BYTES + 1))
    too_many = post(api, [event(customer_id="c-many") for _ in range(1001)])
    long_id = post(api, event(id="x" * 129))
    assert too_big.status_code == 413
    assert too_many.status_code == 413
    assert long_id.status_code == 422 and long_id.json()["errors"][0]["field"] == "id"


def test_the_feed_pages_in_position_order(api: Api) -> None:
    customer = unique("c")
    results = post(api, [event(customer_id=customer) for _ in range(5)]).json()["results"]
    first = results[0]["position"]
    with api.client("reader") as client:
        page1 = client.get("/v1/events", params={"after": first - 1, "limit": 3}).json()
        page2 = client.get(
            "/v1/events", params={"after": page1["last_position"], "limit": 2}
        ).json()
    positions = [e["position"] for e in page1["events"] + page2["events"]]
    assert positions == [r["position"] for r in results]
    assert page1["events"][0]["recorded_at"].endswith("Z")


def test_the_stream_sends_new_events_live_and_resumes_after_last_event_id(api: Api) -> None:
    customer = unique("c")
    start = post(api, event(customer_id=customer)).json()["results"][0]["position"]
    received: list[dict[str, Any]] = []
    ready = threading.Event()

    def listen() -> None:
        with (
            api.client("reader") as client,
            client.stream(
                "GET", "/v1/events/stream", headers={"Last-Event-ID": str(start)}
            ) as stream,
        ):
            ready.set()
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    found = orjson.loads(line[6:])
                    if found["customer_id"] == customer:
                        received.append(found)
                if len(received) == 2:
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(10)
    later = [event(customer_id=customer), event(customer_id=customer)]
    post(api, later[:1])
    post(api, later[1:])
    listener.join(10)
    assert [e["id"] for e in received] == [e["id"] for e in later]
    assert [e["position"] for e in received] == [start + 1, start + 2]


def test_a_large_batch_is_prepared_apart_with_the_same_answers(api: Api) -> None:
    """Batches over `journey.ingest.intake.INLINE_VALIDATION` events are validated and sealed in the
    server's preparer processes: the same answers, errors and idempotency."""
    customer = unique("c")
    batch = [event(customer_id=customer, pii={"body": f"message {n}"}) for n in range(60)]
    created = post(api, batch)
    assert created.status_code == 201
    positions = [r["position"] for r in created.json()["results"]]
    assert positions == list(range(positions[0], positions[0] + 60))

    again = post(api, batch)
    assert again.status_code == 200
    assert [r["position"] for r in again.json()["results"]] == positions
    assert {r["status"] for r in again.json()["results"]} == {"duplicate"}

    bad = [event(customer_id=customer) for _ in range(40)] + [event(channel="fax")]
    refused = post(api, bad)
    assert refused.status_code == 422
    assert [(e["index"], e["field"]) for e in refused.json()["errors"]] == [(40, "channel")]

    twice = orjson.dumps([event(customer_id=customer) for _ in range(30)])
    twice = twice.replace(
        b'"channel":"chat"}]', b'"pii":{"name":"A","name":"B"},"channel":"chat"}]'
    )
    with api.client("writer") as client:
        refused = client.post("/v1/events", content=twice)
    assert refused.status_code == 422
    assert [(e["index"], e["field"]) for e in refused.json()["errors"]] == [(29, "pii.name")]

    changed = [event(customer_id=customer) for _ in range(30)] + [{**batch[5], "channel": "sms"}]
    conflict = post(api, changed)
    assert conflict.status_code == 409
    assert [(e["index"], e["position"]) for e in conflict.json()["errors"]] == [(30, positions[5])]
    with api.client("reader") as client:
        timeline = client.get(f"/v1/customers/{customer}/timeline", params={"limit": 1000})
    assert len(timeline.json()["events"]) == 60  # nothing of the refused batches stored
