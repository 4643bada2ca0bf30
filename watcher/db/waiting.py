"""Alerts waiting for a retry, per channel: what `status`/`deliver` show, and releasing them.

A row waits when its channel failed transiently (`next_attempt_at` in the future, backoff)
or asked for a pause (`not_before`, Retry-After). When the channel is known to work again
(a send succeeded, a probe answered, or someone ran `regwatch deliver`), `release_channel`
makes its waiting rows due at once, in their order, but never before their Retry-After.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from watcher.db.savepoint import atomic
from watcher.db.values import iso, parse_iso

WAITING = "status IN ('pending', 'sending') AND next_attempt_at > ?"


@dataclass(frozen=True)
class WaitingChannel:
    """One channel's alerts that wait: how many, until when, since when, and why."""

    channel: str
    count: int
    until: datetime  # the earliest next attempt
    oldest: datetime  # when the oldest waiting alert was queued
    not_before: datetime | None  # a Retry-After in force, if any
    last_error: str

    def to_dict(self) -> dict[str, object]:
        return {
            "channel": self.channel,
            "waiting": self.count,
            "next_attempt_at": iso(self.until),
            "oldest_queued_at": iso(self.oldest),
            "not_before": iso(self.not_before) if self.not_before else None,
            "last_error": self.last_error,
        }


class WaitingAlerts:
    """Store mixin: the outbox rows that wait for a retry, per channel."""

    db: Database

    def waiting_channels(self, now: datetime) -> list[WaitingChannel]:
        """Channels whose first unsent row is not due yet, with what waits behind it."""
        # A database opened read-only before its next migration has no not_before yet.
        pause = "max(not_before)" if "not_before" in self.db["outbox"].columns_dict else "NULL"
        blocked = {
            row["channel"]: row
            for row in self.db.query(
                f"SELECT channel, min(next_attempt_at) AS until, {pause} AS not_before FROM outbox"
                f" WHERE {WAITING} GROUP BY channel",
                [iso(now)],
            )
        }
        result = []
        for channel, row in sorted(blocked.items()):
            count, oldest = self.db.execute(
                "SELECT count(*), min(created_at) FROM outbox"
                " WHERE channel = ? AND status IN ('pending', 'sending')",
                [channel],
            ).fetchone()
            error = self.db.execute(
                "SELECT last_error FROM outbox WHERE channel = ? AND status IN ('pending', 'sending')"
                " AND last_error IS NOT NULL ORDER BY id LIMIT 1",
                [channel],
            ).fetchone()
            not_before = parse_iso(row["not_before"])
            result.append(
                WaitingChannel(
                    channel=channel,
                    count=count,
                    until=parse_iso(row["until"]) or now,
                    oldest=parse_iso(oldest) or now,
                    not_before=not_before if not_before and not_before > now else None,
                    last_error=(error[0] if error else "") or "",
                )
            )
        return result

    def release_channel(self, channel: str, now: datetime) -> int:
        """Make the channel's waiting rows due now (not before a Retry-After); returns how many."""
        return self.release(now, channels=[channel])

    def release(self, now: datetime, *, channels: Sequence[str] | None = None) -> int:
        """Make waiting rows (of some channels, or all) due now, never before their `not_before`."""
        sql = (
            "UPDATE outbox SET next_attempt_at = CASE WHEN not_before > ? THEN not_before ELSE ? END"
            f" WHERE {WAITING}"
        )
        params: list[object] = [iso(now), iso(now), iso(now)]
        if channels is not None:
            marks = ",".join("?" for _ in channels) or "''"
            sql += f" AND channel IN ({marks})"
            params.extend(channels)
        with atomic(self.db):
            cursor = self.db.execute(sql, params)
        return cursor.rowcount
