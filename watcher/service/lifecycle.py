"""`regwatch run`: the long-running service that checks each source on its own schedule.

It composes the engine and holds no business state of its own: schedules come from the
config, last check times and Retry-After holds from the database (so a restart resumes
the cadence), and each run is `watcher.check.pipeline.check`. Around that it adds:

- one APScheduler job per source (interval with jitter, or cron), never two runs of one
  source at once, missed runs coalesced, and a start-up catch-up of sources that fell due
  while the service was down (see `watcher.service.scheduling`);
- delivery of the outbox every `[service] deliver_every` seconds and right after a check;
  a channel whose alerts wait after a failure is probed every `[delivery] probe_every`
  seconds and its alerts go out as soon as it answers (`alerts.recovery`);
- SIGHUP: reload the config (sources added, removed or changed are rescheduled; a bad
  config is logged and the running one kept); SIGTERM/SIGINT: stop scheduling, let checks
  in flight finish for `[service] shutdown_grace` seconds, then cancel them (a check is
  cancelled only while it waits on the network, never inside a database transaction),
  send what is due, exit 0. A second signal cancels at once;
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
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from alerts.base import Channel
from alerts.outbox import deliver_due
from alerts.recovery import ChannelProbes
from watcher import __version__
from watcher.check.pipeline import Context, check
from watcher.check.workers import ProcessExtractor, default_workers
from watcher.config import Config
from watcher.db.lock import DatabaseLock
from watcher.db.store import Store, parse_iso
from watcher.errors import ConfigError
from watcher.model import Source
from watcher.net.fetch import Fetcher
from watcher.net.robots import Robots
from watcher.service.calendar import service_calendar
from watcher.service.changepage import serve_page
from watcher.service.health import HealthServer, start_health_server
from watcher.service.metrics import MeteredChannel, MeteredFetcher, Metrics
from watcher.service.notices import enqueue_due_notices
from watcher.service.reload import plan_reload
from watcher.service.runner import build_channels, fetch_policy, make_context, recover_enrichment, utcnow
from watcher.service.scheduling import held_until, misfire_grace, next_due, plan_first_runs, trigger_for
from watcher.service.status import health_report, render_metrics
from watcher.settings import resolve
from watcher.workflow.app import Receiver, choose_receiver
from watcher.workflow.reminders import schedule_notices

logger = logging.getLogger(__name__)


#: Seconds of `shutdown_grace` kept for cancelling, closing and exiting after the checks' share.
SHUTDOWN_RESERVE = 1.0


class WatchService:
    """The scheduled service over one database. `run()` returns the process exit code."""

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
        self.metrics = Metrics()
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

    # -- life cycle ---------------------------------------------------------------------

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
        self.fetcher = MeteredFetcher(fetch_policy(self.config), self.metrics)
        self.robots = Robots(self.fetcher.policy.user_agent)
        # Pages are read in worker processes with a hard deadline, never on the event loop
        # that answers /healthz, delivers alerts and handles SIGTERM (even on one core).
        self.extractor = ProcessExtractor(max(1, default_workers()), timeout=self.config.limits.check_timeout)
        self.ctx = self._context(self.config)
        self.channels = self._channels(self.config)
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

    def _context(self, config: Config) -> Context:
        return make_context(
            config, self.store, self.fetcher, self.clock, robots=self.robots, extract=self.extractor
        )

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

    # -- scheduling ---------------------------------------------------------------------

    def _schedule(self, sources: Sequence[Source]) -> int:
        """Add or replace the jobs of `sources`, resuming each cadence from the database."""
        now = self.clock()
        rows = {row["id"]: row for row in self.store.source_rows()}
        holds = {
            sid: moment
            for sid, row in rows.items()
            if (moment := parse_iso(row.get("retry_after_until"))) is not None
        }
        last_checks = self.store.last_checks()
        plan = plan_first_runs(sources, last_checks, holds, now)
        for source in sources:
            first = plan[source.id]
            self.scheduler.add_job(
                self._run_source,
                trigger=trigger_for(source, jitter=self.config.service.jitter, start=first),
                args=[source.id],
                id=source.id,
                name=f"check {source.id}",
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=misfire_grace(source),
                replace_existing=True,
            )
            self.store.set_next_run(source.id, first)
            logger.debug("next check of %s at %s", source.id, first.isoformat())
        return sum(1 for s in sources if next_due(s, last_checks.get(s.id), now) <= now)

    async def _run_source(self, source_id: str) -> None:
        source = self.sources.get(source_id)
        if source is None or self._stopping:
            return
        task = asyncio.current_task()
        assert task is not None
        self._inflight.add(task)
        try:
            hold = self._held_until(source)
            if hold is not None:
                self._postpone(source_id, hold)
                logger.info(
                    "%s: not checked before %s (the server asked to wait)", source_id, hold.isoformat()
                )
                return
            outcome = await check(source, self.ctx)
            self.metrics.record(outcome)
            self.last_check_at = self.clock()
            hold = self._held_until(source)
            if hold is not None:
                self._postpone(source_id, hold)
            self._save_next_run(source_id)
            self._kick.set()
        except asyncio.CancelledError:
            # Abandoned at shutdown while waiting on the network: nothing was written for it.
            logger.warning("check of %s abandoned at shutdown", source_id)
        except Exception:  # a bug (or the disk) must not stop the schedule
            logger.exception("scheduled check of %s crashed", source_id)
        finally:
            self._inflight.discard(task)

    def _held_until(self, source: Source) -> datetime | None:
        """When a 429/503 Retry-After on this source (or its host) ends, if it is still on."""
        stored = self.store.state(source.id).retry_after_until
        return held_until(stored, self.fetcher.held_for(source.url), self.clock())

    def _postpone(self, source_id: str, until: datetime) -> None:
        job = self.scheduler.get_job(source_id)
        if job is not None and (job.next_run_time is None or job.next_run_time < until):
            job.modify(next_run_time=until)

    def _save_next_run(self, source_id: str) -> None:
        job = self.scheduler.get_job(source_id)
        self.store.set_next_run(source_id, job.next_run_time if job is not None else None)

    # -- delivery -----------------------------------------------------------------------

    async def _delivery_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), self.config.service.deliver_every)
            closing = self._closing
            self._kick.clear()
            await self.deliver()
            if closing:
                return

    async def deliver(self) -> None:
        async with self._deliver_lock:
            try:
                enqueue_due_notices(self.store, self.config, self.clock())  # reminders, quiet sources
                delay = self.config.workflow.reminder_delay  # threaded nudges and snooze returns
                schedule_notices(self.store, self.channels, self.clock(), remind_after=delay)
                self.probes.every = self.config.delivery.probe_every
                report = await deliver_due(
                    self.store, self.channels, self.clock, retry=self.config.delivery, probes=self.probes
                )
            except Exception:
                logger.exception(
                    "delivering alerts failed; retrying in %gs", self.config.service.deliver_every
                )
                return
            if report.sent or report.failed or report.retried or report.reconciled:
                logger.info(
                    "alerts: sent %d, reconciled %d, retrying %d, failed %d",
                    report.sent,
                    report.reconciled,
                    report.retried,
                    report.failed,
                )

    def _channels(self, config: Config) -> dict[str, Channel]:
        return {cid: MeteredChannel(ch, self.metrics) for cid, ch in build_channels(config).items()}

    # -- reload -------------------------------------------------------------------------

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
            self.fetcher = MeteredFetcher(fetch_policy(new), self.metrics)
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
        self.channels = self._channels(config)

        async def close_later() -> None:
            async with self._deliver_lock:  # not while a delivery is using them
                for channel in old.values():
                    channel.close()

        self._in_background(close_later())

    def _in_background(self, work: Coroutine[Any, Any, Any], name: str | None = None) -> None:
        """Run `work` as a task the service keeps (and cancels at exit)."""
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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
