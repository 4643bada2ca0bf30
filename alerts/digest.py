"""When a channel's digest is due: `digest = "hourly" | "daily" | "weekly" | "<cron>"` (UTC).

A digest has no schedule state of its own: the held alerts of a channel are due at the
first fire time of the schedule after the oldest of them was queued. So a deliverer that
was not running at 09:00 sends the digest the first time it runs after 09:00, and any
process that delivers (`regwatch deliver`, `regwatch check`, the service) can send it.
"""

from __future__ import annotations

from datetime import UTC, datetime

SCHEDULES = {
    "hourly": "0 * * * *",  # on the hour
    "daily": "0 9 * * *",  # 09:00 UTC
    "weekly": "0 9 * * 1",  # Monday 09:00 UTC
}


def digest_cron(spec: str) -> str:
    """The cron expression behind a digest setting."""
    return SCHEDULES.get(spec, spec)


def next_digest_at(spec: str, after: datetime) -> datetime:
    """The first time at or after `after` when a digest with this schedule goes out."""
    # Loaded when a digest is held, not whenever the outbox is imported (every `regwatch check`).
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(digest_cron(spec), timezone=UTC)
    moment = trigger.get_next_fire_time(None, after.astimezone(UTC))
    assert moment is not None  # a valid crontab always fires again
    return moment.astimezone(UTC)
