"""Prometheus metrics of one app: requests, latencies, ingest counts, positions.

A registry per app (nothing global at import). With several uvicorn workers each
process reports its own request counts; positions and lag come from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Lags = Callable[[], tuple[int, list[dict[str, Any]]]]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "journey_http_requests",
            "HTTP requests answered",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "journey_http_request_duration_seconds",
            "Time to answer, by route",
            ("method", "route"),
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.ingested = Counter(
            "journey_events_ingested",
            "Events received over HTTP, by outcome",
            ("status",),
            registry=self.registry,
        )
        self._created = self.ingested.labels("created")
        self._duplicate = self.ingested.labels("duplicate")
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def count_ingested(self, created: int, duplicate: int) -> None:
        self._created.inc(created)
        self._duplicate.inc(duplicate)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count and time one request (the labelled children are looked up once)."""
        children = self._children.get((method, route, status))
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def watch_positions(self, lags: Lags) -> None:
        self.registry.register(_PositionCollector(lags))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _PositionCollector(Collector):
    def __init__(self, lags: Lags):
        self._lags = lags

    def collect(self) -> Iterable[Metric]:
        last, projections = self._lags()
        yield GaugeMetricFamily("journey_last_position", "Position of the newest event", value=last)
        lag = GaugeMetricFamily(
            "journey_projection_lag_events",
            "Events not yet applied, by projection",
            labels=["projection"],
        )
        for projection in projections:
            lag.add_metric([str(projection["name"])], float(projection["lag"]))
        yield lag


class MetricsMiddleware:
    """Counts and times every request under its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "(unmatched)")
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)
