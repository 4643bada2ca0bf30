"""When each source is checked: APScheduler triggers from `every` / `cron`, and the start-up plan.

Pure functions of (source, last check, now): the scheduler holds no business state, and
`regwatch status` computes the same next-run times from the database without a service.

Cron expressions use standard crontab meaning (0 or 7 = Sunday, `1-5` = Monday to
Friday). APScheduler 3.x numbers weekdays from Monday, so numeric weekday fields are
rewritten as names before they reach it. When both day-of-month and day-of-week are
restricted, a day must match both (APScheduler's rule; Vixie cron accepts either).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from watcher.model import Source
from watcher.timespec import cron_trigger, crontab_weekdays  # noqa: F401  (crontab_weekdays: tests)

MAX_JITTER = 900.0  # never delay a check by more than 15 minutes
STAGGER_STEP = 0.5  # seconds between catch-up checks at start-up
STAGGER_WINDOW = 60.0  # ... spread over at most this long
FIRST_DELAY = 0.2  # the first check starts once the scheduler runs


def jitter_for(source: Source, fraction: float) -> float:
    """How late a run may randomly be: a fraction of the interval (a minute's for cron), capped."""
    period = source.every if not source.cron and source.every else 60.0
    return max(0.0, min(period * fraction, MAX_JITTER))


def trigger_for(source: Source, *, jitter: float, start: datetime) -> BaseTrigger:
    """The APScheduler trigger for a source; interval runs are anchored at `start`."""
    if source.cron:
        return cron_trigger(source.cron, jitter=jitter_for(source, jitter))
    return IntervalTrigger(
        seconds=source.every or 3600.0,
        start_date=start,
        timezone=UTC,
        jitter=jitter_for(source, jitter) or None,
    )


def misfire_grace(source: Source) -> int:
    """How late a run may start and still run (a suspended machine, a blocked loop).

    With coalescing, the one run left after a gap is at most one interval late, so a grace
    of one interval (a week for cron) means a due check is never skipped, only delayed.
    """
    if source.cron:
        return 7 * 86400
    return int(max(30.0, source.every or 3600.0))


def next_due(source: Source, last_check: datetime | None, now: datetime) -> datetime:
    """When the schedule wants the next check, from the last check (None: never checked: now)."""
    if last_check is None:
        return now
    if source.cron:
        fire = cron_trigger(source.cron).get_next_fire_time(None, last_check + timedelta(microseconds=1))
        return fire if fire is not None else now
    return last_check + timedelta(seconds=source.every or 3600.0)


def plan_first_runs(
    sources: Sequence[Source],
    last_checks: Mapping[str, datetime],
    holds: Mapping[str, datetime],
    now: datetime,
    *,
    step: float = STAGGER_STEP,
    window: float = STAGGER_WINDOW,
) -> dict[str, datetime]:
    """Each source's first run after start-up.

    Sources due while the service was down (or never checked) run once soon, staggered,
    the longest-overdue first; the others keep their cadence (last check + interval, or
    the next cron time). A source held by a server's Retry-After waits until it ends.
    """
    dues = {s.id: next_due(s, last_checks.get(s.id), now) for s in sources}
    overdue = sorted((s for s in sources if dues[s.id] <= now), key=lambda s: (dues[s.id], s.id))
    spread = min(step, window / max(len(overdue), 1))
    first: dict[str, datetime] = {}
    for index, source in enumerate(overdue):
        first[source.id] = now + timedelta(seconds=FIRST_DELAY + index * spread)
    for source in sources:
        first.setdefault(source.id, dues[source.id])
        hold = holds.get(source.id)
        if hold is not None and hold > first[source.id]:
            first[source.id] = hold
    return first


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def held_until(stored: datetime | None, host_wait: float, now: datetime) -> datetime | None:
    """When a Retry-After hold ends: the source's stored one or its host's, whichever is later;
    None once it is over."""
    hold = stored
    if host_wait > 0:
        host_hold = now + timedelta(seconds=host_wait)
        hold = max(hold, host_hold) if hold else host_hold
    return hold if hold is not None and hold > now else None
