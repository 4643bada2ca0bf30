"""Dates and durations as analysts type them: `2024-03-01`, `2024-03-01T09:30`, `7d`, `365d`.

Dates without a zone are UTC. A bare date given as an end bound (`--until`, `--at`)
means the end of that day, so `--until 2024-03-31` includes all of 31 March.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
PART = re.compile(r"(\d+(?:\.\d+)?)([smhdwy])", re.IGNORECASE)
DURATION = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*[smhdwy]\s*)+$", re.IGNORECASE)
BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `12h`, `1h30m`, `7d`, `2w`, `1y` (365 days) -> timedelta. ValueError otherwise.

    The one duration parser: history bounds, retention and `every = "1h30m"` all use it.
    """
    if not DURATION.match(text or ""):
        raise ValueError(
            f"{text!r} is not a duration; use a number and a unit s, m, h, d, w or y (e.g. 365d)"
        )
    parts = PART.findall(text.replace(" ", ""))
    return timedelta(seconds=sum(float(n) * UNITS[u.lower()] for n, u in parts))


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
