"""When to probe a channel whose alerts wait (alerts/recovery.py): a pure decision over a clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.base import Channel
from alerts.outbox import deliver_due
from alerts.recovery import ChannelProbes
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store, iso
from watcher.errors import DeliveryError
from watcher.model import Alert, Change, FetchResult, Item, Receipt, Snapshot, Source

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Waiting:
    channel: str
    not_before: datetime | None = None


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Answers(Channel):
    def __init__(self, id: str, answer: bool | None) -> None:
        super().__init__(id)
        self.answer = answer
        self.asked = 0

    def probe(self) -> bool | None:
        self.asked += 1
        return self.answer


class FakeStore:
    def __init__(self, waiting: list[Waiting]) -> None:
        self.waiting = waiting
        self.released: list[str] = []

    def waiting_channels(self, now: datetime) -> list[Waiting]:
        return self.waiting

    def release_channel(self, channel: str, now: datetime) -> int:
        self.released.append(channel)
        return 1


def test_a_waiting_channel_is_probed_every_interval_and_forgotten_once_nothing_waits():
    clock = Clock()
    probes = ChannelProbes(30, monotonic=clock)
    channels = {"a": Answers("a", False), "b": Answers("b", False)}
    waiting = [Waiting("a")]
    assert probes.due(waiting, channels) == []  # it just failed: its own retry comes first
    clock.t += 29
    assert probes.due(waiting, channels) == []
    clock.t += 1
    assert probes.due(waiting, channels) == ["a"]
    assert probes.due(waiting, channels) == []  # not again before another 30 s
    clock.t += 20
    assert probes.due([], channels) == []  # a's alert is being retried this round ...
    clock.t += 10
    assert probes.due([Waiting("a"), Waiting("b")], channels) == ["a"]  # ... the interval went on
    clock.t += 30
    assert probes.due([], channels) == []  # nothing waits
    clock.t += 30  # ... for a whole interval past the probe time: both forgotten
    assert probes.due([], channels) == []
    assert probes.due([Waiting("a")], channels) == []  # a fresh wait starts a fresh interval
    clock.t += 30
    assert probes.due([Waiting("a")], channels) == ["a"]


def test_a_channel_under_retry_after_or_not_configured_is_not_probed():
    clock = Clock()
    probes = ChannelProbes(30, monotonic=clock)
    channels = {"a": Answers("a", True)}
    waiting = [Waiting("a", not_before=NOW), Waiting("gone")]
    probes.due(waiting, channels)
    clock.t += 60
    assert probes.due(waiting, channels) == []


def test_only_a_channel_that_answers_yes_has_its_alerts_released():
    clock = Clock()
    probes = ChannelProbes(30, monotonic=clock)
    channels = {"yes": Answers("yes", True), "no": Answers("no", False), "cannot": Answers("cannot", None)}
    store = FakeStore([Waiting("yes"), Waiting("no"), Waiting("cannot")])
    assert asyncio.run(probes.run(store, channels, NOW)) == []
    clock.t += 30
    assert asyncio.run(probes.run(store, channels, NOW)) == ["yes"]
    assert store.released == ["yes"]
    assert [channels[c].asked for c in ("yes", "no", "cannot")] == [1, 1, 1]


# -- with a real store: what release does to the outbox -----------------------------------------

HEALTH = HealthPolicy()


class Flaky(Channel):
    """Fails its first `failures` sends (transiently, with an optional Retry-After), then works."""

    kind = "flaky"

    def __init__(self, failures: int, retry_after: float | None = None, answers: bool = True) -> None:
        super().__init__("c")
        self.failures = failures
        self.retry_after = retry_after
        self.answers = answers
        self.sent: list[int | None] = []

    def send(self, alert: Alert) -> Receipt:
        if self.failures:
            self.failures -= 1
            raise DeliveryError("503", channel="c", retryable=True, retry_after=self.retry_after)
        self.sent.append(alert.change.id if alert.change else None)
        return Receipt(ref=str(len(self.sent)))

    def probe(self) -> bool | None:
        return self.answers


def change_on(store: Store, source_id: str) -> int:
    source = Source(id=source_id, url=f"https://e.gov/{source_id}", kind="listing")
    fetched = FetchResult(url=source.url, final_url=source.url, status=200, body=b"x")
    base = Snapshot(items=(Item("1", "One"),))
    after = Snapshot(items=(Item("1", "One"), Item("2", "Two")))
    store.save_baseline(source, fetched, base, NOW, duration=0, body_hash="a", config_hash="c", health=HEALTH)
    change = Change(source_id, base.fingerprint, after.fingerprint, added=(Item("2", "Two"),), summary="new")
    outcome = store.save_change(
        source, fetched, after, change, ["c"], NOW, duration=0, body_hash="b", config_hash="c", health=HEALTH
    )
    assert outcome.change_id is not None
    return outcome.change_id


def rows(store: Store) -> list[dict]:
    return sorted(store.deliveries(limit=10), key=lambda r: r["id"])


def at(seconds: float):
    return lambda: NOW + timedelta(seconds=seconds)


def test_the_first_alert_through_makes_the_channels_waiting_alerts_due_now(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([Source(id=i, url=f"https://e.gov/{i}", kind="listing") for i in ("a", "b")], NOW)
    first, second = change_on(store, "a"), change_on(store, "b")
    channel = Flaky(failures=1)
    asyncio.run(deliver_due(store, {"c": channel}, at(1)))
    assert channel.sent == []  # the first failed; the second waits behind it
    store.retry_delivery(rows(store)[1]["id"], "an earlier failure", NOW + timedelta(hours=1))
    asyncio.run(deliver_due(store, {"c": channel}, at(7)))  # the first one's retry is due
    assert channel.sent == [first]
    assert rows(store)[1]["next_attempt_at"] <= iso(NOW + timedelta(seconds=7))  # not in an hour
    asyncio.run(deliver_due(store, {"c": channel}, at(8)))
    assert channel.sent == [first, second]


def test_a_probe_that_answers_releases_waiting_alerts_but_never_before_retry_after(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([Source(id="a", url="https://e.gov/a", kind="listing")], NOW)
    change_on(store, "a")
    clock = Clock()
    probes = ChannelProbes(30, monotonic=clock)
    backoff = Flaky(failures=5)
    for seconds in (1, 2, 6, 16):  # fails at 1, 6 and 16: the next attempt is 20 s after the third
        asyncio.run(deliver_due(store, {"c": backoff}, at(seconds), probes=probes))
        clock.t += 5
    assert rows(store)[0]["next_attempt_at"] == iso(NOW + timedelta(seconds=36))
    clock.t += 30
    asyncio.run(deliver_due(store, {"c": backoff}, at(20), probes=probes))  # the probe answers
    assert rows(store)[0]["attempts"] == 4  # released and tried at once, not at 36 s

    store2 = Store(tmp_path / "s.db")
    store2.sync_sources([Source(id="a", url="https://e.gov/a", kind="listing")], NOW)
    change_on(store2, "a")
    limited = Flaky(failures=1, retry_after=120)
    asyncio.run(deliver_due(store2, {"c": limited}, at(1), probes=ChannelProbes(30)))
    assert store2.release(NOW + timedelta(seconds=2)) == 1
    assert rows(store2)[0]["next_attempt_at"] == iso(NOW + timedelta(seconds=121))  # Retry-After holds
