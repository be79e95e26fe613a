"""Prometheus metrics: HTTP traffic from the middleware, runs and queue depth on scrape."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ihub.celery_app import celery_app
from ihub.config import get_settings
from ihub.db import get_database
from ihub.runs.repository import WorkerRunQueries

log = structlog.get_logger(__name__)

registry = CollectorRegistry()

http_requests = Counter(
    "ihub_http_requests_total",
    "HTTP requests served.",
    ["method", "route", "status"],
    registry=registry,
)
http_duration = Histogram(
    "ihub_http_request_duration_seconds",
    "Time to serve HTTP requests.",
    ["method", "route"],
    registry=registry,
)


class _StateCollector(Collector):
    """Reads runs and queue depth when scraped, cached briefly so scrapes stay cheap."""

    ttl = 10.0

    def __init__(self) -> None:
        self._cached_at = 0.0
        self._families: list[GaugeMetricFamily] = []

    def invalidate(self) -> None:
        self._cached_at = 0.0

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if time.monotonic() - self._cached_at > self.ttl:
            self._families = self._read()
            self._cached_at = time.monotonic()
        yield from self._families

    def _read(self) -> list[GaugeMetricFamily]:
        runs = GaugeMetricFamily("ihub_runs", "Runs by kind and status.", labels=["kind", "status"])
        try:
            with get_database().scope(write=False) as session:
                for kind, status, count in WorkerRunQueries(session).counts_by_kind_status():
                    runs.add_metric([kind, status], count)
        except Exception:
            log.exception("metrics_runs_failed")
        depth = GaugeMetricFamily(
            "ihub_queue_depth", "Messages waiting in the broker.", labels=["queue"]
        )
        queue = get_settings().queue
        try:
            with celery_app.connection_for_read() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
                channel: Any = connection.default_channel
                _, count, _ = channel.queue_declare(queue, passive=True)
                depth.add_metric([queue], count)
        except Exception as exc:
            log.warning("metrics_queue_depth_failed", error=str(exc))
        return [runs, depth]


state = _StateCollector()
registry.register(state)
