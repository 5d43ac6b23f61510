"""`python -m bench.soak [--minutes N]`: a bounded soak of `journey serve` (with its
projection workers) on loopback: writes and reads at a fixed rate, open loop
(each request is timed from when it was due, so a stall shows as latency).

Per minute it reports request counts, errors, latency percentiles by kind, the
server's resident memory and the projections' lag; at the end whether memory
stayed flat, latency stable and lag bounded. JSON in bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import random
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from bench.database import fresh_database, server_url
from bench.report import percentile
from bench.server import served
from journey.demo.generator import generate

RESULTS = Path(__file__).parent / "results" / "soak.json"
MEGABYTE = 1024 * 1024
READS = ("timeline", "cases", "contacts", "feed", "fcr")


@dataclass
class Minute:
    minute: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rss_mb: list[float] = field(default_factory=list)
    lag: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        kinds = {
            "write": self.latencies["write"],
            "read": [v for k, vs in self.latencies.items() if k != "write" for v in vs],
        }
        found: dict[str, Any] = {"minute": self.minute, "errors": dict(self.errors)}
        for kind, values in kinds.items():
            found[kind] = {"requests": len(values), **_percentiles(values)}
        found["rss_mb"] = round(self.rss_mb[-1], 1) if self.rss_mb else None
        found["lag_max"] = max(self.lag, default=None)
        found["lag_end"] = self.lag[-1] if self.lag else None
        return found


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(percentile(values, 0.5), 1),
        "p95_ms": round(percentile(values, 0.95), 1),
        "p99_ms": round(percentile(values, 0.99), 1),
        "max_ms": round(max(values), 1),
    }


class Load:
    """Fixed-rate writers and readers against one server until `stop_at`."""

    def __init__(self, url: str, key: str, options: argparse.Namespace):
        self.url, self.options = url, options
        self.headers = {"Authorization": f"Bearer {key}"}
        self.started = time.monotonic()
        self.stop_at = self.started + options.minutes * 60
        self.minutes = [Minute(n + 1) for n in range(int(options.minutes) + 1)]
        self.customers: list[str] = []
        self.batches = self._batches()
        self.lock = threading.Lock()
        self.local = threading.local()

    def run(self, pid: int) -> None:
        sampler = threading.Thread(target=self._sample, args=(pid,), daemon=True)
        sampler.start()
        with ThreadPoolExecutor(self.options.threads) as pool:
            for due, kind in self._schedule():
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(self._request, due, kind)
        sampler.join()

    def _schedule(self) -> Iterator[tuple[float, str]]:
        """(due time, kind) in time order: writes and reads spread evenly over each second."""
        write_every, read_every = 1 / self.options.writes, 1 / self.options.reads
        writes = ((self.started + n * write_every, "write") for n in itertools.count())
        reads = ((self.started + n * read_every, READS[n % len(READS)]) for n in itertools.count())
        rng = random.Random(1)
        for due, kind in heapq.merge(writes, reads):
            if due >= self.stop_at:
                return
            yield due + rng.random() * 0.001, kind

    def _request(self, due: float, kind: str) -> None:
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(
                base_url=self.url, headers=self.headers, timeout=30
            )
        try:
            answer = self._send(client, kind)
            ok = answer.status_code < 400 or (kind != "write" and answer.status_code == 404)
            outcome = None if ok else str(answer.status_code)
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        finished = time.monotonic()
        minute = self.minutes[min(int((due - self.started) // 60), len(self.minutes) - 1)]
        with self.lock:
            minute.latencies[kind].append((finished - due) * 1000)
            if outcome is not None:
                minute.errors[f"{kind} {outcome}"] += 1

    def _send(self, client: httpx.Client, kind: str) -> httpx.Response:
        if kind == "write":
            with self.lock:
                batch = next(self.batches)
            answer = client.post("/v1/events", json=batch)
            if answer.status_code < 300:
                with self.lock:
                    self.customers.extend({e["customer_id"] for e in batch})
            return answer
        with self.lock:
            customer = random.choice(self.customers) if self.customers else "nobody"
        paths = {
            "timeline": f"/v1/customers/{customer}/timeline?limit=50",
            "cases": f"/v1/customers/{customer}/cases",
            "contacts": f"/v1/customers/{customer}/contacts",
            "feed": "/v1/events?limit=100",
            "fcr": "/v1/metrics/first-contact-resolution",
        }
        return client.get(paths[kind])

    def _batches(self) -> Iterator[list[dict[str, Any]]]:
        """Generated histories (cases, replies, surveys) with ids unique per round,
        over a steady base of `--customers` customers (0: ever new customers)."""
        size, base = self.options.batch, self.options.customers
        for round_number in itertools.count():
            events = [
                {
                    **e,
                    "id": f"{e['id']}-r{round_number}",
                    "customer_id": f"soak-{zlib.crc32(e['customer_id'].encode()) % base}"
                    if base
                    else f"{e['customer_id']}-r{round_number}",
                }
                for e in generate(50, seed=round_number)
            ]
            for start in range(0, len(events), size):
                yield events[start : start + size]

    def _sample(self, pid: int) -> None:
        """Every 5 s: the server's RSS and the largest projection lag."""
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            while (now := time.monotonic()) < self.stop_at:
                minute = self.minutes[min(int((now - self.started) // 60), len(self.minutes) - 1)]
                rss = _rss_bytes(pid) / MEGABYTE
                try:
                    lags = [p["lag"] for p in client.get("/v1/projections").json()["projections"]]
                except (httpx.HTTPError, KeyError, ValueError):
                    lags = []
                with self.lock:
                    minute.rss_mb.append(rss)
                    if lags:
                        minute.lag.append(max(lags))
                time.sleep(5)


def _rss_bytes(pid: int) -> int:
    """The process's resident set now (`VmRSS`)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def verdict(minutes: list[dict[str, Any]]) -> dict[str, Any]:
    """Memory growth after the first minute, spread of write p99, worst lag, errors."""
    full = [m for m in minutes if m["write"]["requests"]]
    rss = [m["rss_mb"] for m in full if m["rss_mb"] is not None]
    p99 = [m[k]["p99_ms"] for m in full for k in ("write", "read") if m[k]["p99_ms"] is not None]
    return {
        "rss_first_mb": rss[0] if rss else None,
        "rss_last_mb": rss[-1] if rss else None,
        "rss_growth_after_first_minute_mb": round(rss[-1] - rss[0], 1) if len(rss) > 1 else None,
        "p99_ms_min": min(p99, default=None),
        "p99_ms_max": max(p99, default=None),
        "lag_max_events": max((m["lag_max"] or 0 for m in full), default=None),
        "errors": sum(sum(m["errors"].values()) for m in full),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--writes", type=float, default=20.0, help="write requests per second")
    parser.add_argument("--batch", type=int, default=10, help="events per write request")
    parser.add_argument("--reads", type=float, default=40.0, help="read requests per second")
    parser.add_argument(
        "--customers", type=int, default=2000, help="customers written to (0: ever new ones)"
    )
    parser.add_argument("--threads", type=int, default=32, help="client threads")
    parser.add_argument("--json", type=Path, default=RESULTS)
    options = parser.parse_args(argv)
    console = Console(width=150)
    with fresh_database(server_url(), "soak") as db:
        with db.store() as store:
            from api.keys import ApiKeys

            key = ApiKeys(store.datastore.pool).create("soak", ["events:write", "read", "admin"])
        with served(db) as server:
            load = Load(f"http://127.0.0.1:{server.port}", key, options)
            console.print(
                f"soak: {options.minutes:g} min, {options.writes:g} writes/s x "
                f"{options.batch} events, {options.reads:g} reads/s, "
                f"{options.customers or 'ever new'} customers"
            )
            load.run(server.pid)
    minutes = [m.summary() for m in load.minutes if m.latencies]
    result: dict[str, Any] = {
        "options": {k: str(v) for k, v in vars(options).items()},
        "minutes": minutes,
        "verdict": verdict(minutes),
    }
    _print(console, minutes, result["verdict"])
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["verdict"]["errors"] == 0 else 1


def _print(console: Console, minutes: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    table = Table(title="soak, per minute")
    for column in (
        "min",
        "writes",
        "w p50",
        "w p99",
        "w max",
        "reads",
        "r p50",
        "r p99",
        "r max",
        "RSS MB",
        "lag max",
        "lag end",
        "errors",
    ):
        table.add_column(column, justify="right")
    for m in minutes:
        w, r = m["write"], m["read"]
        table.add_row(
            *map(
                str,
                (
                    m["minute"],
                    w["requests"],
                    w["p50_ms"],
                    w["p99_ms"],
                    w["max_ms"],
                    r["requests"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["max_ms"],
                    m["rss_mb"],
                    m["lag_max"],
                    m["lag_end"],
                    sum(m["errors"].values()),
                ),
            )
        )
    console.print(table)
    console.print(summary)


if __name__ == "__main__":
    raise SystemExit(main())
