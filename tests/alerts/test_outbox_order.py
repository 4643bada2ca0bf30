"""Detection order per channel holds while an older change is still being enriched."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from alerts.base import Channel
from alerts.outbox import deliver_due
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import Alert, Change, FetchResult, Item, Receipt, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
HEALTH = HealthPolicy()


class Recorder(Channel):
    """Records what it is asked to send (a unit-level stand-in for a real channel)."""

    kind = "recorder"

    def __init__(self, id: str = "c") -> None:
        super().__init__(id)
        self.sent: list[int | None] = []

    def send(self, alert: Alert) -> Receipt:
        self.sent.append(alert.change.id if alert.change else None)
        return Receipt(ref=str(len(self.sent)))


def change_on(store: Store, source_id: str, *, hold: bool, channels: tuple[str, ...] = ("c",)) -> int:
    source = Source(id=source_id, url=f"https://e.gov/{source_id}", kind="listing")
    fetched = FetchResult(url=source.url, final_url=source.url, status=200, body=b"x")
    base = Snapshot(items=(Item("1", "One"),))
    after = Snapshot(items=(Item("1", "One"), Item("2", "Two")))
    store.save_baseline(source, fetched, base, NOW, duration=0, body_hash="a", config_hash="c", health=HEALTH)
    change = Change(source_id, base.fingerprint, after.fingerprint, added=(Item("2", "Two"),), summary="new")
    outcome = store.save_change(
        source,
        fetched,
        after,
        change,
        list(channels),
        NOW,
        duration=0,
        body_hash="b",
        config_hash="c",
        health=HEALTH,
        hold=hold,
    )
    assert outcome.change_id is not None
    return outcome.change_id


def test_newer_alert_waits_for_an_older_one_being_enriched(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([Source(id=i, url=f"https://e.gov/{i}", kind="listing") for i in ("a", "b")], NOW)
    older = change_on(store, "a", hold=True)
    newer = change_on(store, "b", hold=False)
    channel = Recorder()
    clock = lambda: NOW + timedelta(seconds=5)  # noqa: E731
    asyncio.run(deliver_due(store, {"c": channel}, clock))
    assert channel.sent == []  # the newer change must not overtake the one being enriched
    store.finish_enrichment(older, NOW + timedelta(seconds=6))
    asyncio.run(deliver_due(store, {"c": channel}, lambda: NOW + timedelta(seconds=7)))
    assert channel.sent == [older, newer]


def test_enrichment_that_never_finishes_stops_blocking_after_the_timeout(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([Source(id=i, url=f"https://e.gov/{i}", kind="listing") for i in ("a", "b")], NOW)
    older = change_on(store, "a", hold=True)
    newer = change_on(store, "b", hold=False)
    channel = Recorder()
    asyncio.run(deliver_due(store, {"c": channel}, lambda: NOW + timedelta(hours=1)))
    assert channel.sent == [older, newer]
