"""What the service serves at `/calendar.ics`: the deadlines of the past 30 and next 365 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from watcher.dates.calendar import to_ics
from watcher.dates.deadlines import order
from watcher.db.store import Store

PAST = timedelta(days=30)
AHEAD = timedelta(days=366)


def service_calendar(store: Store, now: datetime) -> bytes:
    today = now.astimezone(UTC).date()
    return to_ics(order(store.document_dates(today - PAST, today + AHEAD)), stamp=now)
