"""Send what the outbox holds: retried until acknowledged, never posted twice.

Routing writes one outbox row per (change, channel) in the same transaction as the
change. The deliverer then works row by row:

1. **Claim** — the row becomes 'sending' (committed, with the claim time and the
   claiming process) before the channel is called. The claim is a compare-and-set on
   (status, attempts), so two processes delivering at once never both send a row.
2. **Send** — the channel posts the alert. Every Slack message carries the row's
   idempotency key (`Alert.key`) as message metadata and as the header block's id.
3. **Ack** — the channel's receipt (Slack `ts` and permalink) is recorded: 'sent'.

A crash between 2 and 3, or an answer lost on the way back (timeout, dropped connection,
Slack `internal_error`), leaves the row 'sending', i.e. *in doubt*. Before anything is
sent again the channel's `reconcile` is asked whether the far end already has it: Slack
reads the channel history (or the thread's replies) from shortly before the claim time,
a bounded number of pages, looking for the key. Found: the row is acknowledged with that
message's receipt, not sent again. Limits of the design, stated plainly: reconcile needs
the `channels:history` / `groups:history` scope (without it, or for a channel that cannot
look, such as incoming webhooks, email or generic webhooks, an in-doubt row is sent again:
at-least-once, and webhook receivers can deduplicate by the `Idempotency-Key` header), and
it only looks back `RECONCILE_PAGES` pages of history, so a row left in doubt while the
channel received thousands of other messages could be sent twice.

A row claimed by another process that is still alive (same host) is left alone for
`LEASE` seconds, so a second `regwatch deliver` never races the service.

Rows of one channel go out in detection order: when one must wait for a retry, the
later ones wait too; different channels send at the same time, each in its own order.
Transient failures (429 with Retry-After, 5xx, timeouts, connection errors) are retried
with exponential backoff (`RetryPolicy`, the config's `[delivery]` table: `base_delay`
seconds doubling per attempt up to `max_delay`, 5 minutes, never sooner than the channel's
Retry-After, which is kept in `not_before`); permanent ones (bad token, unknown channel,
invalid blocks) are marked 'failed' with the error and block nothing. When the channel
works again, its waiting rows need not sit out their backoff: the first row that goes
through, or a probe (`alerts.recovery`, every `probe_every` seconds in the service), makes
them all due at once, in order.

Digest channels (`digest = "daily"`, ...): their change rows are 'held'; when the
digest is due (see `alerts/digest.py`) the held rows become one 'digest' row (members
'batched', one transaction), which is delivered like any other row: once.

Threads (`thread = true`): a change alert of a source that already has a message on the
channel replies in that message's thread; the first message's ref is kept per
(channel, source).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from alerts.base import Channel
from alerts.digest import next_digest_at
from alerts.events import DeliveryEvent, DeliveryHook, tell
from alerts.recovery import PROBE_EVERY, ChannelProbes, Waiting
from watcher.errors import DeliveryError
from watcher.model import Alert, Receipt

logger = logging.getLogger(__name__)

BASE_DELAY = 5.0
MAX_DELAY = 300.0  # a recovered channel is found by probes; backoff only spaces the retries
LEASE = 600.0  # seconds a live process's claim is respected
CLAIM_SLACK = 300.0  # reconcile looks this far before the claim time (clock skew)
# Channels sending at once. Sends run in the event loop's default thread pool, which other
# work (DNS lookups) shares: a few channels stuck in connect retries must not take it all.
CHANNELS_AT_ONCE = 4


class DeliveryRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def attempts(self) -> int: ...
    @property
    def alert(self) -> Alert: ...
    @property
    def kind(self) -> str: ...
    @property
    def claimed_at(self) -> datetime | None: ...
    @property
    def claimed_by(self) -> str: ...


class OutboxStore(Protocol):
    """What the deliverer needs from storage (the engine's Store satisfies it)."""

    def due_deliveries(
        self,
        now: datetime,
        *,
        limit: int = ...,
        channels: Sequence[str] | None = ...,
        after: int = ...,
        waiting: Mapping[str, int] | None = ...,
    ) -> Sequence[DeliveryRow]: ...
    def blocked_channels(self, now: datetime) -> dict[str, int]: ...
    def claim_delivery(
        self, delivery_id: int, now: datetime, *, by: str = ..., expect: tuple[str, int] | None = ...
    ) -> bool: ...
    def ack_delivery(
        self, delivery_id: int, receipt: Receipt, now: datetime, *, thread: tuple[str, str] | None = ...
    ) -> None: ...
    def retry_delivery(
        self,
        delivery_id: int,
        error: str,
        at: datetime,
        *,
        in_doubt: bool = ...,
        not_before: datetime | None = ...,
    ) -> None: ...
    def release_channel(self, channel: str, now: datetime) -> int: ...
    def waiting_channels(self, now: datetime) -> Sequence[Waiting]: ...
    def fail_delivery(self, delivery_id: int, error: str, now: datetime) -> None: ...
    def hold_for_digest(self, digest_channels: Sequence[str]) -> None: ...
    def oldest_held(self, channel: str) -> datetime | None: ...
    def create_digest(self, channel: str, due: datetime, now: datetime) -> int | None: ...
    def thread_ref(self, channel: str, source_id: str) -> str | None: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    reconciled: int = 0
    digests: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a failed delivery waits before its next attempt (config: `[delivery]`).

    `base_delay` seconds after the first failure, doubling with each further one, at most
    `max_delay`; never sooner than the Retry-After the channel was given. While alerts wait,
    the service probes their channel every `probe_every` seconds (`alerts.recovery`).
    """

    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    probe_every: float = PROBE_EVERY

    def __post_init__(self) -> None:
        if not 0 < self.base_delay <= self.max_delay:
            raise ValueError(
                f"base_delay ({self.base_delay:g}) must be a positive number of seconds, "
                f"at most max_delay ({self.max_delay:g})"
            )

    def delay(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait before attempt `attempts + 1`: exponential, at least Retry-After."""
        exponent = min(max(attempts - 1, 0), 64)  # no float overflow after many attempts
        delay = min(self.base_delay * (2.0**exponent), self.max_delay)
        return max(delay, retry_after or 0.0)


DEFAULT_RETRY = RetryPolicy()


def backoff(attempts: int, retry_after: float | None = None, policy: RetryPolicy = DEFAULT_RETRY) -> float:
    """Seconds to wait before attempt `attempts + 1` under `policy` (see `RetryPolicy`)."""
    return policy.delay(attempts, retry_after)


def process_id() -> str:
    """Who claims a row: host and pid, so a restart can tell a dead claimer from a live one."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_held_by_other(row: DeliveryRow, now: datetime, me: str) -> bool:
    """Is this 'sending' row being sent right now by another live process on this host?"""
    if not row.claimed_by or row.claimed_by == me or row.claimed_at is None:
        return False
    if (now - row.claimed_at).total_seconds() > LEASE:
        return False
    host, _, pid = row.claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust its lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def schedule_digests(store: OutboxStore, channels: Mapping[str, Channel], now: datetime) -> int:
    """Hold digest channels' alerts and turn each channel's due ones into one digest row.

    A channel without `digest` holds only the alerts the model judged not important there
    (`important_when`); they go out in a daily digest."""
    digest_channels = sorted(cid for cid, channel in channels.items() if channel.digest)
    store.hold_for_digest(digest_channels)
    made = 0
    for channel_id in sorted(channels):
        oldest = store.oldest_held(channel_id)
        if oldest is None:
            continue
        due = next_digest_at(channels[channel_id].digest or "daily", oldest)
        if now >= due and store.create_digest(channel_id, due, now) is not None:
            made += 1
    return made


async def deliver_due(
    store: OutboxStore,
    channels: Mapping[str, Channel],
    clock: Callable[[], datetime],
    *,
    limit: int = 500,
    retry: RetryPolicy = DEFAULT_RETRY,
    probes: ChannelProbes | None = None,
    on_delivery: Sequence[DeliveryHook] = (),
) -> DeliveryReport:
    """Send every due outbox row once; failures are rescheduled (`retry`) or marked permanent.

    Channels are independent: each sends its rows in order while the others send theirs
    (up to `CHANNELS_AT_ONCE` at a time), so a slow or rate-limited channel delays only its
    own alerts and a change routed to three channels reaches all three at about the same time.
    `on_delivery` hooks hear of each send a channel accepted or refused (`alerts.events`).
    """
    report = DeliveryReport()
    now = clock()
    me = process_id()
    report.digests = schedule_digests(store, channels, now)
    if probes is not None:  # a channel that answers again: its waiting rows are due now
        await probes.run(store, channels, now)
    # Per channel, the id above which its rows wait for an older one: one that cannot go now
    # (a retry, an enrichment), or the one this delivery could not send. The query leaves
    # them out, so a long backlog of a channel that is down is not read page after page.
    waiting = store.blocked_channels(now)
    gate = asyncio.Semaphore(CHANNELS_AT_ONCE)

    async def drain(channel: Channel, rows: Sequence[DeliveryRow]) -> None:
        async with gate:
            for row in rows:
                if not await deliver_row(store, channel, row, clock, me, retry, report, on_delivery):
                    waiting[channel.id] = min(waiting.get(channel.id, row.id), row.id)
                    return  # keep order: later rows of this channel wait for this one

    last = 0
    while True:  # every due row, `limit` rows read at a time (a backlog after an outage is drained now)
        page = store.due_deliveries(now, limit=limit, after=last, waiting=waiting)
        queues: dict[str, list[DeliveryRow]] = {}
        for row in page:  # none waits for an older row of its channel: the query left those out
            if row.channel not in channels:
                store.fail_delivery(row.id, f"channel {row.channel!r} is no longer configured", clock())
                report.failed += 1
                continue
            queues.setdefault(row.channel, []).append(row)
        results = await asyncio.gather(
            *(drain(channels[cid], rows) for cid, rows in queues.items()), return_exceptions=True
        )
        for result in results:  # every channel has finished; now surface a storage failure
            if isinstance(result, BaseException):
                raise result
        if len(page) < limit:
            break
        last = page[-1].id
    return report


async def deliver_row(
    store: OutboxStore,
    channel: Channel,
    row: DeliveryRow,
    clock: Callable[[], datetime],
    me: str,
    retry: RetryPolicy,
    report: DeliveryReport,
    hooks: Sequence[DeliveryHook] = (),
) -> bool:
    """Reconcile, claim, send and record one row; False when the channel's later rows must wait."""
    if row.status == "sending" and is_held_by_other(row, clock(), me):
        return False
    alert, thread_key = with_thread(store, channel, row)
    claimed = False
    try:
        if row.status == "sending":
            since = row.claimed_at - timedelta(seconds=CLAIM_SLACK) if row.claimed_at else None
            receipt = await asyncio.to_thread(channel.reconcile, alert, since=since)
            if receipt is not None:
                store.ack_delivery(row.id, receipt, clock(), thread=thread_key)
                report.reconciled += 1
                logger.info("delivery %s to %s was already accepted; recorded", row.id, row.channel)
                return True
        if not store.claim_delivery(row.id, clock(), by=me, expect=(row.status, row.attempts)):
            return False  # another process took it
        claimed = True
        receipt = await send(channel, alert)
    except DeliveryError as exc:
        report.errors.append(f"{row.channel}: {exc}")
        if claimed:  # the channel refused a send (not a failed reconcile)
            tell(hooks, DeliveryEvent(row.channel, ok=False, retryable=exc.retryable))
        if not exc.retryable:
            store.fail_delivery(row.id, str(exc), clock())
            report.failed += 1
            logger.error("delivery %s to %s failed permanently: %s", row.id, row.channel, exc)
            return True
        delay = retry.delay(row.attempts + 1, exc.retry_after)
        # Still in doubt if this send may have reached the far end, or if the row was
        # in doubt and reconcile could not find out yet.
        doubt = exc.in_doubt if claimed else row.status == "sending"
        at = clock()
        pause = at + timedelta(seconds=exc.retry_after) if exc.retry_after else None
        store.retry_delivery(
            row.id, str(exc), at + timedelta(seconds=delay), in_doubt=doubt, not_before=pause
        )
        report.retried += 1
        logger.warning("delivery %s to %s will be retried in %.1fs: %s", row.id, row.channel, delay, exc)
        return False
    except Exception as exc:  # a bug in a channel must not stop other deliveries
        logger.exception("delivery %s to %s crashed", row.id, row.channel)
        delay = retry.delay(row.attempts + 1)
        store.retry_delivery(
            row.id,
            f"{type(exc).__name__}: {exc}",
            clock() + timedelta(seconds=delay),
            in_doubt=claimed or row.status == "sending",
        )
        report.retried += 1
        report.errors.append(f"{row.channel}: {type(exc).__name__}: {exc}")
        return False
    store.ack_delivery(row.id, receipt, clock(), thread=thread_key)
    report.sent += 1
    tell(hooks, DeliveryEvent(row.channel, ok=True))
    if row.attempts > 0:  # the channel works again: what waits behind this row is due now
        store.release_channel(row.channel, clock())
    return True


async def send(channel: Channel, alert: Alert) -> Receipt:
    """`channel.send(alert)` in a thread, so a slow far end never holds the event loop; a
    channel that only writes to a local stream (`Channel.sends_locally`) on the loop, then
    one turn for the other tasks, as awaiting the thread gave them."""
    if not channel.sends_locally:
        return await asyncio.to_thread(channel.send, alert)
    receipt = channel.send(alert)
    await asyncio.sleep(0)
    return receipt


def with_thread(
    store: OutboxStore, channel: Channel, row: DeliveryRow
) -> tuple[Alert, tuple[str, str] | None]:
    """For threaded channels: reply in the source's thread, or remember this as its start."""
    alert = row.alert
    if not channel.thread or row.kind != "change" or alert.change is None:
        return alert, None
    parent = store.thread_ref(row.channel, alert.source.id)
    if parent:
        return replace(alert, thread=parent), None
    return alert, (row.channel, alert.source.id)
