"""What ``GET /metrics`` shows (Prometheus text format, prometheus-client).

One :class:`Metrics` per app, with its own registry (nothing process-global), built in
:mod:`bot.app` and given to the pipeline, the deliverer and the server. Labels are
bounded: platform names, event kinds, outcomes and outbox key kinds, never ids or text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.updates = Counter("policybot_updates", "Platform deliveries, by what became of "
                               "them", ["platform", "kind", "outcome"], registry=r)
        self.update_seconds = Histogram("policybot_update_seconds", "Time from a delivery's "
                                        "arrival to its commit", ["platform"], buckets=FAST,
                                        registry=r)
        self.webhook_seconds = Histogram("policybot_webhook_seconds", "Webhook request "
                                         "latency", ["platform"], buckets=FAST, registry=r)
        self.answer_seconds = Histogram("policybot_answer_seconds", "Time to answer a policy "
                                        "question", buckets=FAST, registry=r)
        self.sent = Counter("policybot_outbox_sent", "Messages delivered, by kind",
                            ["platform", "kind"], registry=r)
        self.retried = Counter("policybot_outbox_retried", "Deliveries put back to retry",
                               ["kind"], registry=r)
        self.failed = Counter("policybot_outbox_failed", "Deliveries given up", ["kind"],
                              registry=r)
        self.rate_limited = Counter("policybot_platform_rate_limited", "Platform 429s",
                                    ["platform"], registry=r)
        self.errors = Counter("policybot_errors", "Failures, by where they happened",
                              ["where"], registry=r)
        self.pending = Gauge("policybot_outbox_pending", "Messages waiting to be delivered",
                             registry=r)
        self.oldest = Gauge("policybot_outbox_oldest_pending_seconds", "Age of the oldest "
                            "message waiting to be delivered", registry=r)

    @contextmanager
    def timed(self, histogram: Histogram, *labels: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            (histogram.labels(*labels) if labels else histogram).observe(
                time.perf_counter() - started)

    def render(self) -> bytes:
        return generate_latest(self.registry)
