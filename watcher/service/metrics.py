"""Prometheus metrics of the service (prometheus-client, one registry per service).

They observe, they do not wrap: the fetcher's `on_fetch` hooks and the deliverer's
`on_delivery` hooks call `observe_fetch` / `observe_delivery`, and the service records each
check's outcome and each reload. Fetchers and channels stay the objects the engine built.

| metric                                     | labels             | meaning                             |
|--------------------------------------------|--------------------|-------------------------------------|
| `regwatch_checks_total`                    | status             | checks by outcome                   |
| `regwatch_check_failures_total`            | reason             | failed checks by reason             |
| `regwatch_changes_total`                   |                    | changes detected                    |
| `regwatch_alerts_sent_total`               | channel            | alerts a channel accepted           |
| `regwatch_alerts_failed_total`             | channel, retryable | sends that failed                   |
| `regwatch_fetch_duration_seconds`          | result             | each HTTP fetch (robots.txt too)    |
| `regwatch_check_duration_seconds`          |                    | each whole check                    |
| `regwatch_outbox_pending`                  |                    | alerts waiting to be sent           |
| `regwatch_outbox_failed`                   |                    | alerts that failed for good         |
| `regwatch_sources`                         | state              | configured sources by state         |
| `regwatch_last_check_timestamp_seconds`    |                    | when the last check finished        |
| `regwatch_config_reloads_total`            | result             | SIGHUP reloads (ok, error)          |
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from alerts.events import DeliveryEvent
from watcher.errors import Reason
from watcher.model import Outcome
from watcher.net.fetch import FetchEvent

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self) -> None:
        # `*_created` series (one per labelled counter) only clutter dashboards and alerts.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        r = self.registry
        self.checks = Counter("regwatch_checks", "Checks by outcome.", ["status"], registry=r)
        self.failures = Counter("regwatch_check_failures", "Failed checks by reason.", ["reason"], registry=r)
        self.changes = Counter("regwatch_changes", "Changes detected.", registry=r)
        self.alerts_sent = Counter(
            "regwatch_alerts_sent", "Alerts accepted by a channel.", ["channel"], registry=r
        )
        self.alerts_failed = Counter(
            "regwatch_alerts_failed", "Alert sends that failed.", ["channel", "retryable"], registry=r
        )
        self.fetch_seconds = Histogram(
            "regwatch_fetch_duration_seconds",
            "Duration of each HTTP fetch.",
            ["result"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.check_seconds = Histogram(
            "regwatch_check_duration_seconds", "Duration of each check.", buckets=LATENCY_BUCKETS, registry=r
        )
        self.outbox_pending = Gauge("regwatch_outbox_pending", "Alerts waiting to be sent.", registry=r)
        self.outbox_failed = Gauge("regwatch_outbox_failed", "Alerts that failed permanently.", registry=r)
        self.sources = Gauge("regwatch_sources", "Configured sources by state.", ["state"], registry=r)
        self.last_check = Gauge(
            "regwatch_last_check_timestamp_seconds", "Unix time the last check finished.", registry=r
        )
        self.reloads = Counter("regwatch_config_reloads", "Config reloads on SIGHUP.", ["result"], registry=r)
        for status in ("baseline", "unchanged", "not_modified", "changed", "pending", "failed"):
            self.checks.labels(status)  # export zeros, so rates work from the first scrape

    def record(self, outcome: Outcome) -> None:
        self.checks.labels(outcome.status).inc()
        self.check_seconds.observe(outcome.duration)
        self.last_check.set(time.time())
        if outcome.failed:
            self.failures.labels(outcome.reason or Reason.ERROR).inc()
        if outcome.status == "changed":
            self.changes.inc()

    def observe_fetch(self, event: FetchEvent) -> None:
        """A fetcher's `on_fetch` hook: time each fetch by result."""
        self.fetch_seconds.labels("ok" if event.ok else "error").observe(event.seconds)

    def observe_delivery(self, event: DeliveryEvent) -> None:
        """The deliverer's `on_delivery` hook: count what each channel accepted or refused."""
        if event.ok:
            self.alerts_sent.labels(event.channel).inc()
        else:
            self.alerts_failed.labels(event.channel, str(event.retryable).lower()).inc()

    def set_state(self, states: Mapping[str, int], pending: int, failed: int) -> None:
        for state in ("new", "ok", "failing", "broken", "selector-broken", "robots-blocked"):
            self.sources.labels(state).set(states.get(state, 0))
        self.outbox_pending.set(pending)
        self.outbox_failed.set(failed)

    def render(self) -> bytes:
        return generate_latest(self.registry)
