"""One delivery sends every due alert, a page of rows at a time: a backlog longer than a
page (after an outage, or a pass where every source changed) is not left for the next run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alerts.outbox import deliver_due
from tests.alerts.test_outbox_order import NOW, Recorder, change_on
from watcher.db.store import Store
from watcher.errors import DeliveryError
from watcher.model import Alert, Receipt, Source


def backlog(store: Store, n: int, channels: tuple[str, ...] = ("c",), first: int = 0) -> list[int]:
    ids = range(first, first + n)
    store.sync_sources([Source(id=f"s{i}", url=f"https://e.gov/s{i}", kind="listing") for i in ids], NOW)
    return [change_on(store, f"s{i}", hold=False, channels=channels) for i in ids]


def test_every_due_alert_goes_in_one_delivery_in_order(tmp_path):
    store = Store(tmp_path / "r.db")
    changes = backlog(store, 23)
    channel = Recorder()
    report = asyncio.run(deliver_due(store, {"c": channel}, lambda: NOW + timedelta(seconds=5), limit=5))
    assert channel.sent == changes  # five pages of five, and three
    assert report.sent == 23
    assert store.due_deliveries(NOW + timedelta(seconds=5)) == []
    again = asyncio.run(deliver_due(store, {"c": channel}, lambda: NOW + timedelta(seconds=6), limit=5))
    assert again.sent == 0 and len(channel.sent) == 23  # nothing twice
    store.close()


class FailsOnce(Recorder):
    """Refuses its `fail_at`-th alert with a transient error, then accepts everything."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.calls = 0
        self.fail_at = fail_at

    def send(self, alert: Alert) -> Receipt:
        self.calls += 1
        if self.calls == self.fail_at:
            raise DeliveryError("503 from the channel", channel="c", retryable=True)
        return super().send(alert)


def test_a_channel_that_must_wait_sends_nothing_later_from_the_next_pages(tmp_path):
    store = Store(tmp_path / "r.db")
    changes = backlog(store, 12)
    channel = FailsOnce(fail_at=3)  # the third alert waits for a retry
    report = asyncio.run(deliver_due(store, {"c": channel}, lambda: NOW + timedelta(seconds=5), limit=4))
    assert channel.sent == changes[:2]  # order kept: nothing after the waiting one, in any page
    assert report.sent == 2 and report.retried == 1
    later = NOW + timedelta(hours=1)  # past the retry's backoff
    asyncio.run(deliver_due(store, {"c": channel}, lambda: later, limit=4))
    assert channel.sent == changes
    store.close()


class Down(Recorder):
    """A channel in an outage: every send fails, to be retried."""

    def send(self, alert: Alert) -> Receipt:
        raise DeliveryError("503 from the channel", channel=self.id, retryable=True)


def test_a_channel_that_is_down_neither_starves_the_others_nor_is_read_again(tmp_path):
    store = Store(tmp_path / "r.db")
    stuck = backlog(store, 30, channels=("down",))  # older than the healthy channel's alerts
    healthy = backlog(store, 5, channels=("ok",), first=30)
    down, ok = Down("down"), Recorder("ok")
    read: list[int] = []
    due = store.due_deliveries

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        rows = due(*args, **kwargs)
        read.append(len(rows))
        return rows

    store.due_deliveries = counted  # type: ignore[method-assign]
    asyncio.run(deliver_due(store, {"down": down, "ok": ok}, lambda: NOW + timedelta(seconds=5), limit=4))
    assert ok.sent == healthy  # behind 30 rows of a channel that is down, in one delivery
    assert sum(read) <= 4 + 5 + 4  # the down channel's first page, then only what can go
    read.clear()
    asyncio.run(deliver_due(store, {"down": down, "ok": ok}, lambda: NOW + timedelta(seconds=6), limit=4))
    assert read == [0]  # while its first alert waits for a retry, its backlog is not read
    assert len(stuck) == 30 and ok.sent == healthy
    store.close()
