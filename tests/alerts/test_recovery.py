"""When to probe a channel whose alerts wait (alerts/recovery.py): a pure decision over a clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from alerts.base import Channel
from alerts.recovery import ChannelProbes

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
