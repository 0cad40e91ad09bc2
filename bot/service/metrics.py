"""Prometheus metrics of one running service, kept in a registry of its own.

Each app gets its own `Metrics`, so several apps in one process (tests, replicas)
count apart. `GET /metrics` serves `Metrics.exposition()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.service.queue import EmbeddedQueue, Queue

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Deliveries refused before their signature was checked: the event header is not trusted.
UNVERIFIED = "unverified"
# Accept times kept for deliveries another replica may process; the oldest go first.
MAX_TRACKED = 10_000
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)


class Metrics:
    """The service's counters, gauges and histograms, in a registry of its own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self._clock = clock
        self._accepted: OrderedDict[str, float] = OrderedDict()
        self._delivery_counters: dict[tuple[str, str], Any] = {}
        self.deliveries = self._counter(
            "minutes_bot_deliveries",
            "Webhook deliveries received, by event and outcome "
            "(accepted, duplicate, ignored, ping, bad_signature, bad_request, too_large,"
            " too_slow).",
            ["event", "outcome"],
        )
        self.items = self._counter(
            "minutes_bot_items",
            "Action-item issues the bot opened, updated or closed.",
            ["change"],
        )
        self.github_calls = self._counter(
            "minutes_bot_github_calls",
            "Requests sent to the GitHub API, retries and pages included"
            " (token exchanges not counted).",
        )
        self.github_writes = self._counter(
            "minutes_bot_github_writes",
            "GitHub API requests that were POST, PATCH, PUT or DELETE.",
        )
        self.github_waits = self._counter(
            "minutes_bot_github_waits",
            "Waits before trying a GitHub request again"
            " (rate limits, server errors, dropped connections).",
        )
        self.github_wait_seconds = self._counter(
            "minutes_bot_github_wait_seconds",
            "Seconds spent waiting before trying GitHub requests again.",
        )
        self.queue_depth = Gauge(
            "minutes_bot_queue_depth",
            "Deliveries accepted and not yet processed.",
            registry=self.registry,
        )
        self.jobs = self._counter(
            "minutes_bot_jobs",
            "Deliveries processed, by outcome (done, failed; given_up: failed its last try).",
            ["outcome"],
        )
        self.job_latency = Histogram(
            "minutes_bot_job_latency_seconds",
            "Seconds from accepting a delivery to finishing its processing.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def _counter(self, name: str, documentation: str, labels: list[str] | None = None) -> Counter:
        return Counter(name, documentation, labels or [], registry=self.registry)

    def delivery(self, event: str, outcome: str) -> None:
        """Count one webhook delivery and what the edge answered."""
        counter = self._delivery_counters.get((event, outcome))
        if counter is None:  # looking the labels up costs more than counting
            counter = self.deliveries.labels(event=event, outcome=outcome)
            self._delivery_counters[(event, outcome)] = counter
        counter.inc()

    def accepted(self, delivery_id: str) -> None:
        """Note when a delivery was accepted, for its job latency."""
        if len(self._accepted) >= MAX_TRACKED:
            self._accepted.popitem(last=False)  # O(1), where a dict scans its holes
        self._accepted[delivery_id] = self._clock()

    @contextlib.contextmanager
    def job(self, delivery_id: str) -> Iterator[None]:
        """Time processing one delivery from its acceptance (or from now) to the end."""
        started = self._accepted.pop(delivery_id, None)
        started = self._clock() if started is None else started
        outcome = "failed"
        try:
            yield
            outcome = "done"
        finally:
            self.jobs.labels(outcome=outcome).inc()
            self.job_latency.observe(self._clock() - started)

    def gave_up(self, delivery: object) -> None:
        """Count a delivery that failed every try."""
        self.jobs.labels(outcome="given_up").inc()

    def item_changed(self, change: str) -> None:
        """Count an action-item issue `opened`, `updated` or `closed`."""
        self.items.labels(change=change).inc()

    def github_used(self, calls: int, writes: int) -> None:
        """Count the requests a port sent: `calls` in all, `writes` of them writes."""
        self.github_calls.inc(calls)
        self.github_writes.inc(writes)

    async def wait(self, seconds: float) -> None:
        """Sleep before trying a GitHub request again, counting the wait."""
        self.github_waits.inc()
        self.github_wait_seconds.inc(max(seconds, 0.0))
        await asyncio.sleep(seconds)

    async def exposition(self, queue: Queue) -> bytes:
        """Return every metric in the Prometheus text format."""
        depth = await queue_depth(queue)
        if depth is not None:
            self.queue_depth.set(depth)
        return generate_latest(self.registry)


async def queue_depth(queue: Queue) -> int | None:
    """Count deliveries accepted and not yet processed; None where the queue cannot tell."""
    if isinstance(queue, EmbeddedQueue):
        return queue.depth
    return None
