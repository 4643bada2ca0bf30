"""SIGHUP: re-read the config and apply the reload plan to the running service.

What changed is decided by the pure `watcher.service.reload.plan_reload`; here it is
carried out: a new fetcher or new channels when their settings changed (the old ones are
closed once nothing uses them), removed sources unscheduled, added and changed ones
(re)scheduled. A config that does not load is logged and the running one kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from watcher.config import Config
from watcher.errors import ConfigError
from watcher.net.fetch import Fetcher
from watcher.net.robots import Robots
from watcher.service.delivery import OutboxDelivery
from watcher.service.jobs import SourceJobs
from watcher.service.reload import plan_reload
from watcher.service.runner import build_channels

logger = logging.getLogger(__name__)


class ConfigReload(SourceJobs, OutboxDelivery):
    """Reloading the config; it reschedules jobs and replaces channels, hence both parts."""

    def _on_reload_signal(self) -> None:
        if self._stopping:
            return
        self._in_background(self.reload(), name="reload")

    async def reload(self) -> bool:
        """Re-read the config; reschedule what changed. A bad config keeps the running one."""
        async with self._reload_lock:
            try:
                new = self.load()
            except ConfigError as exc:
                self.metrics.reloads.labels("error").inc()
                logger.error("config reload failed, still running the previous config: %s", exc)
                return False
            except Exception:
                self.metrics.reloads.labels("error").inc()
                logger.exception("config reload failed, still running the previous config")
                return False
            if self._stopping:
                return False
            self._apply(new)
            self.metrics.reloads.labels("ok").inc()
            return True

    def _apply(self, new: Config) -> None:
        plan = plan_reload(self.config, new)
        for warning in plan.warnings:
            logger.warning("%s", warning)
        if plan.new_fetcher:
            retired = self.fetcher
            self.fetcher = self._fetcher(new)
            if plan.new_robots:
                self.robots = Robots(self.fetcher.policy.user_agent)
            self._retire(retired)
        if plan.new_channels:
            self._replace_channels(new)
        self.config = new
        self.ctx = self._context(new)
        self.store.sync_sources(new.sources, self.clock())
        for sid in plan.removed:
            with contextlib.suppress(Exception):
                self.scheduler.remove_job(sid)
            self.store.set_next_run(sid, None)
        if plan.reschedule:
            self._schedule(plan.reschedule)
        logger.info(
            "config reloaded: %d source(s); %d added, %d removed, %d changed",
            len(new.sources),
            len(plan.added),
            len(plan.removed),
            len(plan.changed),
        )

    def _retire(self, fetcher: Fetcher) -> None:
        """Close a replaced fetcher once the checks that still use it are done."""
        users = set(self._inflight)

        async def close_later() -> None:
            if users:
                await asyncio.wait(users)
            await fetcher.aclose()

        self._in_background(close_later())

    def _replace_channels(self, config: Config) -> None:
        old = self.channels
        self.channels = build_channels(config)

        async def close_later() -> None:
            async with self._deliver_lock:  # not while a delivery is using them
                for channel in old.values():
                    channel.close()

        self._in_background(close_later())
