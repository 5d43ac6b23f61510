"""The agent's brief (SPEC 11) as the store grows: `GET /v1/customers/{id}/context`
over HTTP for a 1,000-event customer whose person has 3 merged streams, at the
small and the large size (`bench.grown`: the same small store, copied to the
large size), reads alternating between the two servers so a noisy moment hits
both alike.

The merges are appended to each store after it has grown (a copy of a merge
would merge every copy into the one person) and every projection is rebuilt
from the first event, then the tables are vacuumed; the servers run without
projection workers (nothing is written while timing)."""

from __future__ import annotations

import http.client
from datetime import UTC, datetime
from urllib.parse import quote

import orjson

from api.keys import ApiKeys
from bench.database import BenchDatabase, cloned_database, fresh_database
from bench.grown import LONG_CUSTOMER, LONG_EVENTS, grow, small_store_lines, vacuum
from bench.reads import http_pair, interleaved, latency_rows, sizes_of
from bench.report import Row
from bench.scale import Scale
from bench.server import get, served
from journey.ingest.importer import import_lines
from projections.registry import PROJECTIONS, context_for, rebuild

MERGED = ("cust-7-0000000", "cust-7-0000001")  # generated customers of the small store
PATH = f"/v1/customers/{quote(LONG_CUSTOMER)}/context"


def run(scale: Scale, server: str) -> list[Row]:
    with fresh_database(server, "brief_small") as small:
        key = _import(small, scale.reads_small)
        with cloned_database(server, small, "brief_large") as large:
            with large.admin() as conn:
                grow(conn, scale.reads_small, scale.reads_large)
            for db in (small, large):
                _merge_and_project(db)
            sizes = sizes_of(scale)
            return _http_rows((small, large), key, scale.read_samples, sizes)


def _import(db: BenchDatabase, events: int) -> str:
    with db.store() as store:
        key = ApiKeys(store.datastore.pool).create("bench", ["read"])
        summary = import_lines(store.ingestor, small_store_lines(events))
        if summary.created != events:
            raise RuntimeError(f"small store has {summary.created} events: {summary.rejects[:3]}")
    return key


def _merge_and_project(db: BenchDatabase) -> None:
    now = datetime.now(UTC).isoformat()
    merges = [
        {
            "id": f"bench-brief-merge-{customer}",
            "type": "customer.merged",
            "customer_id": customer,
            "occurred_at": now,
            "data": {"into": LONG_CUSTOMER},
        }
        for customer in MERGED
    ]
    with db.store() as store:
        store.ingestor.append(merges)
        rebuild(store, context_for(store), [p.name for p in PROJECTIONS], lambda *_: None)
    with db.admin() as conn:
        vacuum(conn)


def _http_rows(
    dbs: tuple[BenchDatabase, BenchDatabase], key: str, samples: int, sizes: str
) -> list[Row]:
    with served(dbs[0], "--no-projections") as one, served(dbs[1], "--no-projections") as two:
        connections = [
            http.client.HTTPConnection("127.0.0.1", process.port, timeout=30)
            for process in (one, two)
        ]
        try:
            for connection in connections:
                brief = orjson.loads(get(connection, PATH, key))
                if len(brief["merged_ids"]) != 3 or len(brief["recent_messages"]) != 5:
                    raise RuntimeError(f"unexpected brief: {brief['merged_ids']}")
            timed = interleaved(http_pair(connections, key, lambda _n: PATH), samples)
            name = f"HTTP GET context, {LONG_EVENTS:,}-event customer, 3 merged streams, {sizes}"
            return latency_rows(name, timed)
        finally:
            for connection in connections:
                connection.close()
