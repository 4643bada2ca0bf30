"""The service's delivery loop: the outbox is delivered every `[service] deliver_every`
seconds and right after a check (a kick), with reminders and notices queued first and
channels that wait after a failure probed (`alerts.recovery`). Sending itself is
`alerts.outbox.deliver_due`; the metrics hear of each send through its `on_delivery` hook.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from alerts.outbox import deliver_due
from watcher.service.notices import enqueue_due_notices
from watcher.service.state import ServiceState
from watcher.workflow.reminders import schedule_notices

logger = logging.getLogger(__name__)


class OutboxDelivery(ServiceState):
    """Delivering what the outbox holds, in the background of the service."""

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
                    self.store,
                    self.channels,
                    self.clock,
                    retry=self.config.delivery,
                    probes=self.probes,
                    on_delivery=[self.metrics.observe_delivery],
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
