"""When a channel's weekly summary is due (`summary = "weekly"`): Monday 09:00 UTC, for the
week before. Each summary is an outbox row `summary:<week end>` per channel, written once
(INSERT OR IGNORE), so any process that delivers sends it, and it goes out once. A summary
more than a day late (the service was down) is skipped rather than sent stale, and so is a
week regwatch did not watch (no check before its end: a new install)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from watcher.config import Config
from watcher.db.savepoint import atomic
from watcher.db.store import Store
from watcher.db.values import iso

LATE = timedelta(days=1)


def week_end(now: datetime) -> datetime:
    """The latest Monday 09:00 UTC at or before `now`."""
    now = now.astimezone(UTC)
    monday = now.date() - timedelta(days=now.weekday())
    end = datetime.combine(monday, time(9), tzinfo=UTC)
    return end if end <= now else end - timedelta(days=7)


def enqueue_summaries(store: Store, config: Config, now: datetime) -> int:
    chosen = [c.id for c in config.channels if c.summary == "weekly"]
    end = week_end(now)
    if not chosen or now >= end + LATE:
        return 0
    if store.db.execute("SELECT 1 FROM checks WHERE at < ? LIMIT 1", [iso(end)]).fetchone() is None:
        return 0  # nothing was watched that week
    added = 0
    with atomic(store.db):
        for channel in chosen:
            cursor = store.db.execute(
                "INSERT OR IGNORE INTO outbox (subject, kind, source_id, channel, status, next_attempt_at,"
                " created_at) VALUES (?, 'summary', '', ?, 'pending', ?, ?)",
                [f"summary:{iso(end)}", channel, iso(now), iso(now)],
            )
            added += cursor.rowcount
    return added
