"""Dates, durations and cron expressions as people type them: `2024-03-01`, `7d`, `1h30m`, `0 9 * * 1-5`.

Cron expressions use standard crontab meaning (0 or 7 = Sunday, `1-5` = Monday to
Friday). APScheduler 3.x numbers weekdays from Monday, so numeric weekday fields are
rewritten as names before they reach it.

Dates without a zone are UTC. A bare date given as an end bound (`--until`, `--at`)
means the end of that day, so `--until 2024-03-31` includes all of 31 March.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
PART = re.compile(r"(\d+(?:\.\d+)?)([smhdwy])", re.IGNORECASE)
DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdwy]\s*)+$", re.IGNORECASE)
BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `12h`, `1h30m`, `7d`, `2w`, `1y` (365 days) -> timedelta. ValueError otherwise.

    The one duration parser: history bounds, retention and `every = "1h30m"` all use it.
    """
    seconds = parse_seconds(text)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"{text!r} is too long a duration") from None


def parse_seconds(text: str) -> float:
    """A duration as `parse_duration` reads it, in seconds, unbounded (may be huge or infinite):
    for callers that range-check the value themselves (the config's `every`)."""
    if not DURATION.match(text or ""):
        raise ValueError(
            f"{text!r} is not a duration; use a number and a unit s, m, h, d, w or y (e.g. 365d)"
        )
    parts = PART.findall(text.replace(" ", ""))
    return sum(float(n) * UNITS[u.lower()] for n, u in parts)


def parse_moment(text: str, now: datetime, *, end: bool = False) -> datetime:
    """A point in time: an ISO date or datetime, `today`, `now`, or a duration ago (`7d`).

    With `end=True` a bare date (or `today`) means the first instant of the next day,
    to be used as an exclusive upper bound.
    """
    value = (text or "").strip()
    lowered = value.lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        day = now.astimezone(UTC).date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return _day_bound(day, end)
    if DURATION.match(value):
        return now - parse_duration(value)
    if BARE_DATE.match(value):
        try:
            return _day_bound(date.fromisoformat(value), end)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid date") from exc
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError as exc:
        raise ValueError(
            f"{text!r} is not a date; use YYYY-MM-DD, an ISO datetime (2024-03-01T09:30), "
            "today, or a duration ago such as 7d"
        ) from exc
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _day_bound(day: date, end: bool) -> datetime:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field (0/7 = Sunday) as APScheduler weekday names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad step in day-of-week {part!r}")
        if base in ("*", "?"):
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _weekday(start), _weekday(end)
            if last == 0 and first > 0:
                last = 7  # '5-0' or 'fri-sun' run through Sunday
        else:
            first = _weekday(base)
            last = 6 if step_text else first
        if first > last:
            raise ValueError(f"day-of-week range {base!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def _weekday(text: str) -> int:
    text = text.strip().lower()
    if text.isdigit():
        value = int(text)
        if not 0 <= value <= 7:
            raise ValueError(f"day-of-week {text!r} is not 0-7")
        return value
    if text[:3] in WEEKDAYS:
        return WEEKDAYS.index(text[:3])
    raise ValueError(f"day-of-week {text!r} is not a day")


def cron_trigger(expr: str, *, jitter: float | None = None) -> CronTrigger:
    """A UTC CronTrigger for a five-field crontab expression (standard weekday numbering)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields: got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    # apscheduler is loaded by the first cron schedule, not at start-up: ~15-40 ms of CPU
    # (it reads its own version from the installed metadata) that a `regwatch check` of
    # sources without `cron` never needs.
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=UTC,
        jitter=int(jitter) if jitter else None,
    )
