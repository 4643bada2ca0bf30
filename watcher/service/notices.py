"""Notices that come from time passing rather than from a check: reminders of coming
document dates (watcher/dates/reminders.py) and sources gone quiet (watcher/service/quiet.py).
Called before each delivery round (`regwatch check`, `regwatch deliver`, the service)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from alerts.routing import route_health
from watcher.config import Config
from watcher.dates.reminders import enqueue_reminders
from watcher.db.store import Store
from watcher.service.quiet import decide
from watcher.service.summary import enqueue_summaries

logger = logging.getLogger(__name__)

#: Reminders are due at midnight and quiet takes weeks: the service, which delivers every
#: few seconds, looks at most this often (per database); each command run looks once.
EVERY = timedelta(minutes=10)
_last_run: dict[str, datetime] = {}


def note_quiet_sources(store: Store, config: Config, now: datetime) -> int:
    """One "quiet" event (and health alert) per source that went silent, one "active" when it
    changes again. Returns how many were recorded."""
    channels = route_health(config.channels, config.health.channels)
    floor = timedelta(days=config.health.quiet_min_days)
    noted = 0
    times = store.all_change_times()  # one query each, whatever the number of sources
    quiet = store.quiet_sources()
    for source in config.sources:
        if source.role != "watch":
            continue
        verdict = decide(
            times.get(source.id, []),
            now,
            quiet_since=quiet[source.id][0] if source.id in quiet else None,
            factor=config.health.quiet_factor,
            floor=floor,
        )
        if verdict is not None:
            store.record_notice(source.id, verdict.state, verdict.reason, now, channels)
            logger.warning("%s: %s (%s)", source.id, verdict.state, verdict.reason)
            noted += 1
    return noted


def enqueue_due_notices(store: Store, config: Config, now: datetime) -> None:
    last = _last_run.get(str(store.path))
    if last is not None and last <= now < last + EVERY:
        return
    _last_run[str(store.path)] = now
    enqueue_reminders(store, config, now)
    note_quiet_sources(store, config, now)
    enqueue_summaries(store, config, now)
