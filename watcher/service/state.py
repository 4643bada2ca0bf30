"""What the parts of the service share: its configuration, store, fetcher, channels,
scheduler and the flags of its life cycle, set up in one place.

`watcher.service.lifecycle.WatchService` is built from parts, one job each, over this state
(as `Store` is built from mixins): `jobs` (one APScheduler job per source), `delivery` (the
outbox loop), `sighup` (reloading the config) and `lifecycle` (start, signals, stop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.base import Channel
from alerts.recovery import ChannelProbes
from watcher.check.pipeline import Context
from watcher.check.workers import ProcessExtractor
from watcher.config import Config
from watcher.db.lock import DatabaseLock
from watcher.db.store import Store
from watcher.model import Source
from watcher.net.fetch import Fetcher
from watcher.net.robots import Robots
from watcher.service.health import HealthServer
from watcher.service.metrics import Metrics
from watcher.service.runner import fetch_policy, make_context, utcnow
from watcher.settings import resolve
from watcher.workflow.app import Receiver


class ServiceState:
    """The service's state; the parts read and change it, `WatchService.run()` sets it up."""

    def __init__(
        self,
        config: Config,
        database: str,
        *,
        load: Callable[[], Config],
        health_port: int | None = None,
        health_host: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.database = database
        self.load = load
        self.health_port = resolve("health_port", flag=health_port, file=config.service.health_port).value
        self.health_host = resolve("health_host", flag=health_host, file=config.service.health_host).value
        self.clock = clock
        self.metrics = Metrics()  # fed by hooks and outcomes, never by wrapping
        self.lock = DatabaseLock(database, "run")
        self.started_at = clock()
        self.last_check_at: datetime | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._closing = False
        self._stop = asyncio.Event()
        self._kick = asyncio.Event()
        self._deliver_lock = asyncio.Lock()
        self.probes = ChannelProbes(config.delivery.probe_every)  # finds a channel that is back
        self._reload_lock = asyncio.Lock()
        self._background: set[asyncio.Task[Any]] = set()
        # Set up in run():
        self.store: Store
        self.fetcher: Fetcher
        self.robots: Robots
        self.ctx: Context
        self.channels: dict[str, Channel] = {}
        self.extractor: ProcessExtractor
        self.scheduler: AsyncIOScheduler
        self.health: HealthServer | None = None
        self.slack_app: Receiver | None = None

    @property
    def sources(self) -> dict[str, Source]:
        return {s.id: s for s in self.config.sources}

    def _fetcher(self, config: Config) -> Fetcher:
        """The shared fetcher; the metrics observe its fetches through a hook."""
        return Fetcher(fetch_policy(config), on_fetch=[self.metrics.observe_fetch])

    def _context(self, config: Config) -> Context:
        return make_context(
            config, self.store, self.fetcher, self.clock, robots=self.robots, extract=self.extractor
        )

    def _in_background(self, work: Coroutine[Any, Any, Any], name: str | None = None) -> None:
        """Run `work` as a task the service keeps (and cancels at exit)."""
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
