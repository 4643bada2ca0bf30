"""The service's scheduled checks: one APScheduler job per source, resuming each cadence
from the database, and what a job does (skip a source the server asked to wait for, check it,
record the outcome, save when it runs next). When to run is decided by the pure functions of
`watcher.service.scheduling`; the check itself is `watcher.check.pipeline.check`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from watcher.check.pipeline import check
from watcher.db.store import parse_iso
from watcher.model import Source
from watcher.service.scheduling import held_until, misfire_grace, next_due, plan_first_runs, trigger_for
from watcher.service.state import ServiceState

logger = logging.getLogger(__name__)


class SourceJobs(ServiceState):
    """Scheduling and running the checks of the configured sources."""

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
