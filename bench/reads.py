"""Reads as the store grows, and the projection rebuild, on one pair of stores.

A small store (`reads_small` events, imported through the product, the
projections caught up) is cloned and grown to `reads_large` events. On the
large one every projection is rebuilt (`bench.projection_rebuild`). Then the
timeline of a 1,000-event customer (what `GET /v1/customers/{id}/timeline`
runs: `EventReads.last_position`, then `EventReads.timeline` of a page plus
one) and a case (`ReadModel.case`, what `GET /v1/cases/{id}` runs for "now")
are read from both stores, small and large alternating, so a noisy moment
hits both sizes alike; then the same two GETs through a real `journey serve`
per store."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from datetime import UTC, datetime
from time import perf_counter
from urllib.parse import quote

from psycopg.sql import SQL, Identifier

from api.keys import ApiKeys
from bench import projection_rebuild
from bench.database import BenchDatabase, cloned_database, fresh_database
from bench.grown import LONG_CUSTOMER, LONG_EVENTS, grow, small_store_lines, vacuum
from bench.report import Goal, Row, percentile
from bench.scale import Scale
from bench.server import get, served
from journey.ingest.importer import import_lines
from journey.postgres.reads import EventReads
from journey.reading.bounds import Bounds
from journey.rules.sla_config import load_sla_config
from journey.runtime import Runtime
from projections.cases import CasesProjection
from projections.queries import ReadModel
from projections.registry import PROJECTIONS, build, context_for
from projections.runner import Runner

DEFAULT_PAGE = 100  # the timeline route's default `limit`
WHOLE_PAGE = 1_000  # its largest: the customer's whole timeline
CASES_READ = 100  # distinct cases, read in turn
WARM_UP = 20

Read = Callable[[int], object]  # the n-th read
Reader = Callable[[Runtime], Read]


def run(scale: Scale, server: str) -> list[Row]:
    with fresh_database(server, "reads_small") as small:
        case_ids, key = _prepare_small(small, scale.reads_small)
        with cloned_database(server, small, "reads_large") as large:
            with large.admin() as conn:
                grow(conn, scale.reads_small, scale.reads_large)
                vacuum(conn)
            with large.store() as store:
                rebuild_row = projection_rebuild.measure(store, scale.reads_large)
            for db in (small, large):
                with db.admin() as conn:
                    vacuum(conn)
            sizes = sizes_of(scale)
            return [
                rebuild_row,
                *_store_rows((small, large), case_ids, scale.read_samples, sizes),
                *_http_rows((small, large), key, case_ids, scale.read_samples, sizes),
            ]


def _store_rows(
    dbs: tuple[BenchDatabase, BenchDatabase], case_ids: list[str], samples: int, sizes: str
) -> list[Row]:
    rows = []
    with dbs[0].store() as small, dbs[1].store() as large:
        for page in (DEFAULT_PAGE, WHOLE_PAGE):
            timed = interleaved(_pair((small, large), _timeline(page)), samples)
            rows += latency_rows(
                f"timeline read, {LONG_EVENTS:,}-event customer, page of {page:,}, {sizes}", timed
            )
        timed = interleaved(_pair((small, large), _case(case_ids)), samples)
        rows += latency_rows(f"case read (ReadModel.case), {sizes}", timed)
    return rows


def _http_rows(
    dbs: tuple[BenchDatabase, BenchDatabase],
    key: str,
    case_ids: list[str],
    samples: int,
    sizes: str,
) -> list[Row]:
    """The same GETs through one `journey serve` per store (no projection workers:
    the tables are current and nothing is written)."""
    timeline = f"/v1/customers/{quote(LONG_CUSTOMER)}/timeline"
    rows = []
    with served(dbs[0], "--no-projections") as one, served(dbs[1], "--no-projections") as two:
        connections = [
            http.client.HTTPConnection("127.0.0.1", process.port, timeout=30)
            for process in (one, two)
        ]
        try:
            timed = interleaved(http_pair(connections, key, lambda _n: timeline), samples)
            rows += latency_rows(f"HTTP GET timeline, page of {DEFAULT_PAGE}, {sizes}", timed)
            timed = interleaved(http_pair(connections, key, _case_path(case_ids)), samples)
            rows += latency_rows(f"HTTP GET case, {sizes}", timed)
        finally:
            for connection in connections:
                connection.close()
    return rows


def _prepare_small(db: BenchDatabase, events: int) -> tuple[list[str], str]:
    """Import the small store, catch its projections up; the case ids to read and
    an API key that may read (both stores get it: the large one is a clone)."""
    with db.store() as store:
        key = ApiKeys(store.datastore.pool).create("bench", ["read"])
        summary = import_lines(store.ingestor, small_store_lines(events))
        if summary.created != events:
            raise RuntimeError(f"small store has {summary.created} events: {summary.rejects[:3]}")
        context = context_for(store)
        for projection_class in PROJECTIONS:
            Runner(store.recorder, build(projection_class, store.datastore, context)).catch_up()
        with store.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT case_id FROM {} ORDER BY md5(case_id) LIMIT %s").format(
                    Identifier(CasesProjection.name)
                ),
                (CASES_READ,),
            )
            return [row["case_id"] for row in curs.fetchall()], key


def _timeline(page: int) -> Reader:
    def reader(store: Runtime) -> Read:
        reads = EventReads(store.datastore.pool)

        def read(_n: int) -> object:
            ceiling = reads.last_position()
            rows = reads.timeline([LONG_CUSTOMER], Bounds(ceiling=ceiling), limit=page + 1)
            if len(rows) != min(page + 1, LONG_EVENTS):
                raise RuntimeError(f"timeline page has {len(rows)} rows")
            return rows

        return read

    return reader


def _case(case_ids: list[str]) -> Reader:
    def reader(store: Runtime) -> Read:
        sla = load_sla_config(store.settings.sla_config_path)
        model = ReadModel(store, sla, store.settings.repeat_window)

        def read(n: int) -> object:
            case_id = case_ids[n % len(case_ids)]
            document = model.case(case_id, datetime.now(UTC))
            if document is None:
                raise RuntimeError(f"case {case_id!r} not found")
            return document

        return read

    return reader


def _case_path(case_ids: list[str]) -> Callable[[int], str]:
    return lambda n: f"/v1/cases/{quote(case_ids[n % len(case_ids)])}"


def _pair(stores: tuple[Runtime, Runtime], reader: Reader) -> tuple[Read, Read]:
    return reader(stores[0]), reader(stores[1])


def http_pair(
    connections: list[http.client.HTTPConnection], key: str, path: Callable[[int], str]
) -> tuple[Read, Read]:
    small, large = connections
    return lambda n: get(small, path(n), key), lambda n: get(large, path(n), key)


def interleaved(reads: tuple[Read, Read], samples: int) -> list[list[float]]:
    """Latencies in ms of the small and the large store's reads; which goes first
    alternates."""
    timed: list[list[float]] = [[], []]
    for n in range(samples + WARM_UP):
        for index in (0, 1) if n % 2 else (1, 0):
            start = perf_counter()
            reads[index](n)
            if n >= WARM_UP:
                timed[index].append((perf_counter() - start) * 1000)
    return timed


def latency_rows(name: str, samples: list[list[float]], p99_limit: float = 10) -> list[Row]:
    """p50 as a ratio of the large size to the small, p99 against `p99_limit` ms."""
    small, large = samples
    details = {"samples": len(large)}
    p50 = Row(
        f"{name}, p50",
        "ms",
        percentile(large, 0.5),
        percentile(small, 0.5),
        "p50 at the small size",
        Goal("ratio", "<=", 1.3),
        details,
    )
    p99 = Row(
        f"{name}, p99",
        "ms",
        percentile(large, 0.99),
        percentile(small, 0.99),
        "p99 at the small size",
        Goal("measured", "<=", p99_limit, " ms"),
        details,
    )
    return [p50, p99]


def sizes_of(scale: Scale) -> str:
    """The two store sizes a read row compares, as its name says them."""
    return f"{_short(scale.reads_large)} stored vs {_short(scale.reads_small)}"


def _short(events: int) -> str:
    return f"{events // 1_000_000}M" if events % 1_000_000 == 0 else f"{events // 1_000}k"
