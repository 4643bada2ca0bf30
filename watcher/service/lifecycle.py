"""`regwatch run`: the long-running service that checks each source on its own schedule.

It composes the engine and holds no business state of its own: schedules come from the
config, last check times and Retry-After holds from the database (so a restart resumes
the cadence), and each run is `watcher.check.pipeline.check`. Around that it adds:

- one APScheduler job per source (interval with jitter, or cron), never two runs of one
  source at once, missed runs coalesced, and a start-up catch-up of sources that fell due
  while the service was down (`watcher.service.jobs`, decided by `watcher.service.scheduling`);
- delivery of the outbox every `[service] deliver_every` seconds and right after a check;
  a channel whose alerts wait after a failure is probed every `[delivery] probe_every`
  seconds and its alerts go out as soon as it answers (`watcher.service.delivery`);
- SIGHUP: reload the config (sources added, removed or changed are rescheduled; a bad
  config is logged and the running one kept: `watcher.service.sighup`);
- SIGTERM/SIGINT (here): stop scheduling, let checks in flight finish for `[service]
  shutdown_grace` seconds, then cancel them (a check is cancelled only while it waits on
  the network, never inside a database transaction), send what is due, exit 0. A second
  signal cancels at once;
- an exclusive lock on the database for the life of the process (`watcher.db.lock`);
- optionally /healthz and /metrics (`watcher.service.health`, `watcher.service.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from datetime import UTC
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from watcher import __version__
from watcher.check.workers import ProcessExtractor, default_workers
from watcher.db.store import Store
from watcher.net.robots import Robots
from watcher.service.calendar import service_calendar
from watcher.service.changepage import serve_page
from watcher.service.health import start_health_server
from watcher.service.runner import build_channels, recover_enrichment
from watcher.service.sighup import ConfigReload
from watcher.service.status import health_report, render_metrics
from watcher.workflow.app import choose_receiver

logger = logging.getLogger(__name__)


#: Seconds of `shutdown_grace` kept for cancelling, closing and exiting after the checks' share.
SHUTDOWN_RESERVE = 1.0


class WatchService(ConfigReload):
    """The scheduled service over one database. `run()` returns the process exit code.

    Built from parts with one job each: `ServiceState` (watcher/service/state.py),
    `SourceJobs` (jobs.py), `OutboxDelivery` (delivery.py), `ConfigReload` (sighup.py);
    this module starts it, handles the stop signals and stops it.
    """

    async def run(self) -> int:
        self.lock.acquire()  # before the store opens: migrations are writes too
        try:
            self.store = Store(self.database)
            try:
                await self._serve()
            finally:
                self.store.close()
        finally:
            self.lock.release()
        return 0

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGINT"):
            loop.add_signal_handler(getattr(signal, name), self._on_stop_signal, name)
        loop.add_signal_handler(signal.SIGHUP, self._on_reload_signal)
        self.fetcher = self._fetcher(self.config)
        self.robots = Robots(self.fetcher.policy.user_agent)
        # Pages are read in worker processes with a hard deadline, never on the event loop
        # that answers /healthz, delivers alerts and handles SIGTERM (even on one core).
        self.extractor = ProcessExtractor(max(1, default_workers()), timeout=self.config.limits.check_timeout)
        self.ctx = self._context(self.config)
        self.channels = build_channels(self.config)
        self.scheduler = AsyncIOScheduler(event_loop=loop, timezone=UTC)
        delivery: asyncio.Task[None] | None = None
        try:
            if self.health_port is not None:
                await self._start_health()
            self.slack_app = choose_receiver(self.config, self.store, lambda: self.channels, self.clock)
            if self.slack_app is not None:  # Slack button presses (watcher/workflow)
                await self.slack_app.start()
            self.store.sync_sources(self.config.sources, self.clock())
            # Alerts a crash left waiting for following/linking are enriched and released first.
            await recover_enrichment(self.ctx, self.config.sources)
            self.scheduler.start()
            due = self._schedule(self.config.sources)
            delivery = asyncio.create_task(self._delivery_loop(), name="delivery")
            logger.info(
                "regwatch %s service started (pid %d): %d source(s), %d due now, database %s",
                __version__,
                os.getpid(),
                len(self.config.sources),
                due,
                self.database,
            )
            self._kick.set()  # alerts left in the outbox by an earlier run go out now
            await self._stop.wait()
            await self._shutdown(delivery)
        finally:
            for name in ("SIGTERM", "SIGINT", "SIGHUP"):
                loop.remove_signal_handler(getattr(signal, name))
            if self.health is not None:
                await self.health.close()
            if self.slack_app is not None:
                await self.slack_app.close()
            with contextlib.suppress(Exception):
                if self.scheduler.running:
                    self.scheduler.shutdown(wait=False)
            if delivery is not None and not delivery.done():
                delivery.cancel()
                await asyncio.gather(delivery, return_exceptions=True)
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.fetcher.aclose()
            self.extractor.close()
            for channel in self.channels.values():
                channel.close()

    async def _start_health(self) -> None:
        assert self.health_port is not None
        token_env = self.config.service.calendar_token_env
        token = os.environ.get(token_env, "") if token_env else ""
        if token_env and not token:  # fail closed: a named but unset token serves no calendar
            logger.warning("%s is not set: /calendar.ics is off", token_env)
        pages = partial(serve_page, self.store) if self.config.service.public_url else None
        self.health = await start_health_server(
            self.health_host,
            self.health_port,
            health=self.health_report,
            metrics=self.render_metrics,
            calendar=None if token_env and not token else lambda: service_calendar(self.store, self.clock()),
            calendar_token=token,
            pages=pages,
        )

    def stop(self) -> None:
        """Begin a graceful stop (what SIGTERM does)."""
        self._stopping = True
        self._stop.set()

    def _on_stop_signal(self, name: str) -> None:
        if self._stopping:
            logger.warning("%s again: cancelling %d check(s) in flight now", name, len(self._inflight))
            for task in list(self._inflight):
                task.cancel()
            return
        logger.info("%s received: stopping", name)
        self.stop()

    async def _shutdown(self, delivery: asyncio.Task[None]) -> None:
        grace = self.config.service.shutdown_grace
        deadline = time.monotonic() + grace
        # The grace is the whole stop: checks get it less what cancelling them, closing the
        # worker pool and leaving the interpreter take (measured 0.6-0.7 s on 2 cores).
        for_checks = max(grace - SHUTDOWN_RESERVE, grace / 2)
        self.scheduler.pause()  # no new runs; the ones in flight go on
        if self._inflight:
            logger.info(
                "waiting up to %gs for %d check(s) in flight (shutdown_grace %gs)",
                for_checks,
                len(self._inflight),
                grace,
            )
            _, pending = await asyncio.wait(set(self._inflight), timeout=for_checks)
            if pending:
                logger.warning(
                    "cancelling %d check(s) still running after %gs (shutdown_grace %gs)",
                    len(pending),
                    for_checks,
                    grace,
                )
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        self._closing = True
        self._kick.set()
        try:  # what the last checks found is sent before exit, within what is left of the grace
            await asyncio.wait_for(asyncio.shield(delivery), max(deadline - time.monotonic() - 0.5, 0.1))
        except TimeoutError:
            logger.warning("delivery still running at shutdown; unsent alerts go out at the next start")
        logger.info("regwatch service stopped")

    # -- health and metrics -------------------------------------------------------------

    def health_report(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) for /healthz: 200 while running (ok or degraded), 503 when stopping."""
        return health_report(
            self.config,
            self.store,
            self.clock(),
            started_at=self.started_at,
            in_flight=len(self._inflight),
            stopping=self._stopping,
        )

    def render_metrics(self) -> bytes:
        return render_metrics(self.metrics, self.config, self.store, self.clock())
