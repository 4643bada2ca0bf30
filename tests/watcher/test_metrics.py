"""The service's metered channel wrapper must be transparent to the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

from alerts.base import Channel
from watcher.model import Alert, Receipt, SourceInfo
from watcher.service.metrics import MeteredChannel, Metrics


class Threaded(Channel):
    """A unit-level channel that can reply in threads and can tell what it already sent."""

    kind = "threaded"
    supports_threads = True

    def __init__(self, **kwargs) -> None:
        super().__init__("c", **kwargs)
        self.asked_since: datetime | None = None

    def send(self, alert: Alert) -> Receipt:
        return Receipt(ref="1")

    def reconcile(self, alert: Alert, *, since: datetime | None = None) -> Receipt | None:
        self.asked_since = since
        return Receipt(ref="found")


def test_wrapped_channel_keeps_digest_and_thread_settings():
    inner = Threaded(thread=True, digest="daily")
    wrapped = MeteredChannel(inner, Metrics())
    assert (wrapped.thread, wrapped.digest, wrapped.supports_threads) == (True, "daily", True)


def test_wrapped_channel_reconciles_with_the_claim_time():
    inner = Threaded()
    wrapped = MeteredChannel(inner, Metrics())
    since = datetime(2024, 10, 1, tzinfo=UTC)
    alert = Alert(key="k", channel="c", source=SourceInfo(id="s", name="S", url="https://e.gov/"))
    assert wrapped.reconcile(alert, since=since) == Receipt(ref="found")
    assert inner.asked_since == since


def test_metrics_text_has_no_created_series():
    metrics = Metrics()
    metrics.checks.labels(status="ok").inc()
    text = metrics.render().decode()
    assert "regwatch_checks_total" in text
    assert "_created" not in text
