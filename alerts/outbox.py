"""Send what the outbox holds: retried until acknowledged, never posted twice.

Each row is claimed (status 'sending', committed) before the channel is called and
acknowledged with the channel's receipt after. A crash in between leaves the row
'sending', i.e. *in doubt*: on the next run the channel's `reconcile` is asked
whether the far end already has it (Slack: a search of the channel history for the
row's idempotency key) before anything is sent again. Rows of one channel go out in
detection order: when one must wait for a retry, the later ones wait too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from alerts.base import Channel
from watcher.errors import DeliveryError
from watcher.model import Receipt

logger = logging.getLogger(__name__)

BASE_DELAY = 5.0
MAX_DELAY = 1800.0


class DeliveryRow(Protocol):
    id: int
    channel: str
    status: str
    attempts: int
    alert: object


class OutboxStore(Protocol):
    """What the deliverer needs from storage (the engine's Store satisfies it)."""

    def due_deliveries(
        self, now: datetime, *, limit: int = ..., channels: Sequence[str] | None = ...
    ) -> Sequence[DeliveryRow]: ...
    def blocked_channels(self, now: datetime) -> set[str]: ...
    def claim_delivery(self, delivery_id: int, now: datetime) -> None: ...
    def ack_delivery(self, delivery_id: int, receipt: Receipt, now: datetime) -> None: ...
    def retry_delivery(self, delivery_id: int, error: str, at: datetime) -> None: ...
    def fail_delivery(self, delivery_id: int, error: str, now: datetime) -> None: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt `attempts + 1`: exponential, at least Retry-After."""
    delay = min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)
    return max(delay, retry_after or 0.0)


async def deliver_due(
    store: OutboxStore,
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime],
    *,
    limit: int = 500,
) -> DeliveryReport:
    """Send every due outbox row once; failures are rescheduled or marked permanent."""
    report = DeliveryReport()
    now = clock()
    blocked = store.blocked_channels(now)
    for row in store.due_deliveries(now, limit=limit):
        if row.channel in blocked:
            continue
        channel = channels.get(row.channel)
        if channel is None:
            store.fail_delivery(row.id, f"channel {row.channel!r} is no longer configured", clock())
            report.failed += 1
            continue
        alert = row.alert
        try:
            if row.status == "sending":
                receipt = await asyncio.to_thread(channel.reconcile, alert)
                if receipt is not None:
                    store.ack_delivery(row.id, receipt, clock())
                    report.reconciled += 1
                    continue
            store.claim_delivery(row.id, clock())
            receipt = await asyncio.to_thread(channel.send, alert)
        except DeliveryError as exc:
            if exc.retryable:
                delay = backoff(row.attempts + 1, exc.retry_after)
                store.retry_delivery(row.id, str(exc), clock() + timedelta(seconds=delay))
                blocked.add(row.channel)
                report.retried += 1
                logger.warning(
                    "delivery %s to %s will be retried in %.0fs: %s", row.id, row.channel, delay, exc
                )
            else:
                store.fail_delivery(row.id, str(exc), clock())
                report.failed += 1
                logger.error("delivery %s to %s failed permanently: %s", row.id, row.channel, exc)
            report.errors.append(f"{row.channel}: {exc}")
            continue
        except Exception as exc:  # a bug in a channel must not stop other deliveries
            logger.exception("delivery %s to %s crashed", row.id, row.channel)
            delay = backoff(row.attempts + 1)
            store.retry_delivery(row.id, f"{type(exc).__name__}: {exc}", clock() + timedelta(seconds=delay))
            blocked.add(row.channel)
            report.retried += 1
            report.errors.append(f"{row.channel}: {type(exc).__name__}: {exc}")
            continue
        store.ack_delivery(row.id, receipt, clock())
        report.sent += 1
    return report
