"""Identity reads and merges as the store grows (SPEC 10), on one pair of stores.

A small store (`reads_small` events) of generated customers is cloned and grown
by copies (`bench.grown`) to `reads_large`; the same identity layer
(`bench.identity_layer`: identities, duplicates, two 1,000-event persons) is
then imported into both through the product, so both end with exactly
`reads_small` and `reads_large` events, and every projection is rebuilt on
each. One `journey serve` per store (projection workers running) answers, small
and large alternating:

- `POST /v1/identities/lookup` of the layer's phone numbers and e-mail addresses;
- `GET /v1/customers/{id}` (the person, its identities and duplicates; no brief)
  of the layer's customers and the two persons' streams;
- a merge: `POST` of a `customer.merged` of the second person into the first,
  timed until `contacts_v2` has tracked its position and counts every contact
  of both persons as the first person's; then its unmerge, waited for, untimed.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from time import perf_counter, sleep
from typing import Any
from urllib.parse import quote

import orjson
import psycopg

from api.keys import ApiKeys
from bench.database import BenchDatabase, cloned_database, fresh_database
from bench.grown import vacuum
from bench.identity_layer import (
    PERSONS,
    customer,
    email,
    grow_to,
    layer_lines,
    layer_size,
    merge,
    person_contacts,
    phone,
    streams,
)
from bench.projection_rebuild import rebuild_all
from bench.reads import interleaved, latency_rows, sizes_of
from bench.report import Goal, Row, percentile
from bench.scale import Scale
from bench.server import get, post, served
from bench.workload import event_lines
from journey.ingest.importer import import_lines

MERGE_TIMEOUT = 30.0
CURRENT = (
    "SELECT (SELECT max(notification_id) FROM contacts_v2_tracking) >= %s AND "
    "(SELECT count(*) FROM contacts_v2 WHERE person_id = %s) = %s"
)


def run(scale: Scale, server: str) -> list[Row]:
    customers = scale.reads_small // 50
    layer = layer_size(customers)
    with fresh_database(server, "identities_small") as small:
        with small.store() as store:
            key = ApiKeys(store.datastore.pool).create("bench", ["read", "events:write"])
            import_lines(store.ingestor, event_lines(scale.reads_small - layer))
        with cloned_database(server, small, "identities_large") as large:
            with large.admin() as conn:
                grow_to(conn, scale.reads_small - layer, scale.reads_large - layer)
            for db in (small, large):
                _add_layer(db, customers, layer)
            sizes = sizes_of(scale)
            return _served_rows((small, large), key, customers, scale, sizes)


def _add_layer(db: BenchDatabase, customers: int, layer: int) -> None:
    with db.store() as store:
        summary = import_lines(store.ingestor, layer_lines(customers))
        if summary.created != layer:
            raise RuntimeError(f"identity layer: {summary.created} of {layer}: {summary.rejects}")
        rebuild_all(store)
    with db.admin() as conn:
        vacuum(conn)


def _served_rows(
    dbs: tuple[BenchDatabase, BenchDatabase], key: str, customers: int, scale: Scale, sizes: str
) -> list[Row]:
    with served(dbs[0]) as one, served(dbs[1]) as two:
        connections = [
            http.client.HTTPConnection("127.0.0.1", process.port, timeout=30)
            for process in (one, two)
        ]
        admins = [db.admin() for db in dbs]
        try:
            timed = interleaved(_pair(connections, _lookup(key, customers)), scale.read_samples)
            rows = latency_rows(f"HTTP POST identity lookup, {sizes}", timed, 5)
            timed = interleaved(_pair(connections, _customer(key, customers)), scale.read_samples)
            rows += latency_rows(f"HTTP GET customer (person, no brief), {sizes}", timed, 10)
            merges = [_merger(c, a, key) for c, a in zip(connections, admins, strict=True)]
            rows += _merge_rows(_merge_samples(merges, scale.merge_samples), sizes)
        finally:
            for connection in connections:
                connection.close()
            for conn in admins:
                conn.close()
    return rows


Read = Callable[[http.client.HTTPConnection, int], object]


def _pair(connections: list[http.client.HTTPConnection], read: Read) -> tuple[Any, Any]:
    small, large = connections
    return lambda n: read(small, n), lambda n: read(large, n)


def _lookup(key: str, customers: int) -> Read:
    def read(connection: http.client.HTTPConnection, n: int) -> object:
        index = (n * 7919) % customers
        kind, value = ("phone", phone(index)) if n % 2 else ("email", email(index))
        body = orjson.dumps({"kind": kind, "value": value})
        answer = orjson.loads(post(connection, "/v1/identities/lookup", body, key))
        if not answer["customers"]:
            raise RuntimeError(f"lookup of {kind} {value!r} found nobody")
        return answer

    return read


def _customer(key: str, customers: int) -> Read:
    person_streams = [s for root in PERSONS for s in streams(root)]

    def read(connection: http.client.HTTPConnection, n: int) -> object:
        if n % 4 == 0:
            customer_id = person_streams[(n // 4) % len(person_streams)]
        else:
            customer_id = customer((n * 7919) % customers)
        return get(connection, f"/v1/customers/{quote(customer_id)}", key)

    return read


def _merger(
    connection: http.client.HTTPConnection, admin: psycopg.Connection[Any], key: str
) -> Callable[[int], float]:
    """The `n`-th merge's seconds from its POST until the projections show it;
    then its unmerge, waited for."""
    contacts = person_contacts()

    def once(n: int) -> float:
        start = perf_counter()
        position = _append(connection, key, merge(n, PERSONS[0]))
        _until(admin, position, PERSONS[0], 2 * contacts)
        seconds = perf_counter() - start
        _until(admin, _append(connection, key, merge(n, None)), PERSONS[1], contacts)
        return seconds

    return once


def _append(connection: http.client.HTTPConnection, key: str, event: dict[str, Any]) -> int:
    answer = json.loads(post(connection, "/v1/events", orjson.dumps([event]), key))
    return int(answer["results"][0]["position"])


def _until(admin: psycopg.Connection[Any], position: int, person: str, contacts: int) -> None:
    deadline = perf_counter() + MERGE_TIMEOUT
    while perf_counter() < deadline:
        row = admin.execute(CURRENT, (position, person, contacts)).fetchone()
        if row and row[0]:
            return
        sleep(0.002)
    raise RuntimeError(f"contacts_v2 did not show position {position} in {MERGE_TIMEOUT} s")


def _merge_samples(merges: list[Callable[[int], float]], samples: int) -> list[list[float]]:
    """Milliseconds per merge, small and large alternating which goes first."""
    timed: list[list[float]] = [[], []]
    for n in range(samples + 1):  # the first of each is a warm-up
        for index in (0, 1) if n % 2 else (1, 0):
            seconds = merges[index](n)
            if n:
                timed[index].append(seconds * 1000)
    return timed


def _merge_rows(samples: list[list[float]], sizes: str) -> list[Row]:
    small, large = samples
    name = f"merge of two {person_contacts() + 5:,}-event persons until contacts_v2 shows it"
    details = {"samples": len(large), "large_ms": [round(s) for s in large]}
    return [
        Row(
            f"{name}, median, {sizes}",
            "ms",
            percentile(large, 0.5),
            percentile(small, 0.5),
            "median at the small size",
            Goal("ratio", "<=", 1.3),
            details,
        ),
        Row(
            f"{name}, slowest",
            "ms",
            max(large),
            max(small),
            "slowest at the small size",
            Goal("measured", "<=", 1000, " ms"),
            details,
        ),
    ]
