"""Alerts flow again at once when a channel comes back (issue 14, point 7).

While a channel's alerts wait after a transient failure, `ChannelProbes` asks the channel
every `[delivery] probe_every` seconds (30) whether it works again, with a cheap call that
posts nothing (`Channel.probe`: Slack's `auth.test`). The first yes, like the first alert
that goes through (see `alerts.outbox.deliver_row`), makes every waiting alert of that
channel due at once, in order, never before a Retry-After the channel gave. A channel that
cannot probe (`probe()` is None) relies on its backoff, capped by `[delivery] max_delay`.
With the service's `deliver_every` (5 s), alerts go out within probe_every + deliver_every
of the channel's recovery.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from alerts.base import Channel

logger = logging.getLogger(__name__)

PROBE_EVERY = 30.0


class Waiting(Protocol):
    @property
    def channel(self) -> str: ...
    @property
    def not_before(self) -> datetime | None: ...


class RecoveryStore(Protocol):
    """What probing needs from storage (the engine's Store satisfies it)."""

    def waiting_channels(self, now: datetime) -> Sequence[Waiting]: ...
    def release_channel(self, channel: str, now: datetime) -> int: ...


class ChannelProbes:
    """Probe channels whose alerts wait; kept by the service across delivery rounds."""

    def __init__(
        self, every: float = PROBE_EVERY, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.monotonic = monotonic
        self._next: dict[str, float] = {}  # channel -> when to probe it next

    def due(self, waiting: Sequence[Waiting], channels: Mapping[str, Channel]) -> list[str]:
        """The channels to probe now: waiting on a failure (not a Retry-After), probe interval over.

        A channel starts waiting with its first probe `every` seconds later (its own retries
        come sooner). While its first alert is being retried it does not count as waiting, so
        the interval goes on across those rounds; a channel with nothing waiting for a whole
        interval past its probe time has recovered and is forgotten.
        """
        now = self.monotonic()
        active = {w.channel for w in waiting if w.not_before is None and w.channel in channels}
        for channel, moment in list(self._next.items()):
            if channel not in active and now - moment >= self.every:
                del self._next[channel]
        chosen = []
        for channel in sorted(active):
            if now >= self._next.setdefault(channel, now + self.every):
                self._next[channel] = now + self.every
                chosen.append(channel)
        return chosen

    async def run(self, store: RecoveryStore, channels: Mapping[str, Channel], now: datetime) -> list[str]:
        """Probe the due channels at once; release the waiting alerts of those that answer."""
        chosen = self.due(store.waiting_channels(now), channels)
        if not chosen:
            return []
        answers = await asyncio.gather(
            *(asyncio.to_thread(channels[c].probe) for c in chosen), return_exceptions=True
        )
        released = []
        for channel, answer in zip(chosen, answers, strict=True):
            if answer is True:
                count = store.release_channel(channel, now)
                logger.info("channel %s answers again: %d waiting alert(s) are due now", channel, count)
                released.append(channel)
            elif isinstance(answer, BaseException):
                logger.warning("probing channel %s failed: %s", channel, type(answer).__name__)
        return released
