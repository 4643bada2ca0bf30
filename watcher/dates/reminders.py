"""Reminders before documents' comment deadlines and effective dates: which are due, pure.

For each stored document date, each channel its source routes to, and each offset of that
channel (the first `[[reminders.rules]]` entry that fits the source, channel, kind of date
and document type; else the channel's `reminders = [...]`; else `[reminders] before`), a
reminder is due from
midnight UTC of (date − offset) until the end of the date itself. Only offsets that fall
after the date was first seen (or last moved) count: a date already past when first seen
gets none, and a document first seen five days ahead gets no "14 days before" note. A
date that moved gets one correction per channel (once per new date), and reminders for the
new date from then on.

Durability is the outbox's: each reminder is an outbox row whose subject names the date
row, the day and the offset (`reminder:12:2024-02-12:3d`), so `INSERT OR IGNORE` with
`UNIQUE(subject, channel)` makes planning idempotent and delivery exactly-once as for any
alert (claim, send, ack; in-doubt rows reconciled).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Protocol

from alerts.routing import route
from watcher.model import Source
from watcher.timespec import parse_duration

if TYPE_CHECKING:  # only a type here: the config sits above dates in the layers
    from watcher.config import Config

logger = logging.getLogger(__name__)


class ReminderStore(Protocol):
    def reminder_dates(self, today: date) -> list[DateRow]: ...
    def enqueue_planned(self, planned: Sequence[Planned], now: datetime) -> int: ...


@dataclass(frozen=True)
class DateRow:
    """What planning needs of a stored document date."""

    id: int
    source_id: str
    on: date
    first_seen: datetime
    moved_at: datetime | None = None
    previous_on: date | None = None
    change_id: int | None = None
    kind: str = ""  # comment | effective
    type: str = ""  # the document's type ("Proposed Rule"), "" when unknown


@dataclass(frozen=True)
class Offsets:
    """A channel's offsets for one source's dates: those of the first rule whose kinds and
    document types fit the date (empty sets: any), else `default`."""

    default: tuple[timedelta, ...]
    rules: tuple[tuple[frozenset[str], frozenset[str], tuple[timedelta, ...]], ...] = ()

    def of(self, row: DateRow) -> tuple[timedelta, ...]:
        for kinds, types, offsets in self.rules:
            if (not kinds or row.kind in kinds) and (not types or row.type.casefold() in types):
                return offsets
        return self.default


@dataclass(frozen=True)
class Planned:
    """One outbox row to write: a reminder or correction of one date for one channel."""

    subject: str
    kind: str  # reminder | correction
    source_id: str
    channel: str
    change_id: int | None


def offset_label(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds}s"


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def plan(
    dates: Sequence[DateRow],
    routes: Mapping[str, Sequence[tuple[str, Sequence[timedelta] | Offsets]]],
    now: datetime,
) -> list[Planned]:
    """The reminders and corrections due at `now` (the outbox drops those already written)."""
    due: list[Planned] = []
    for row in dates:
        end = midnight(row.on) + timedelta(days=1)
        if now >= end:
            continue  # the day is over
        known_since = max(row.first_seen, row.moved_at or row.first_seen)
        for channel, chosen in routes.get(row.source_id, ()):
            offsets = chosen.of(row) if isinstance(chosen, Offsets) else chosen
            if not offsets:
                continue
            if row.moved_at is not None and row.previous_on is not None and row.previous_on != row.on:
                due.append(
                    Planned(
                        f"correction:{row.id}:{row.on.isoformat()}",
                        "correction",
                        row.source_id,
                        channel,
                        row.change_id,
                    )
                )
            for offset in offsets:
                at = midnight(row.on) - offset
                if known_since < at <= now:
                    subject = f"reminder:{row.id}:{row.on.isoformat()}:{offset_label(offset)}"
                    due.append(Planned(subject, "reminder", row.source_id, channel, row.change_id))
    return due


def durations(offsets: Sequence[str]) -> tuple[timedelta, ...]:
    return tuple(parse_duration(o) for o in offsets)


def routes_for(config: Config, sources: Sequence[Source]) -> dict[str, list[tuple[str, Offsets]]]:
    """Per source: the channels its alerts go to, each with its reminder offsets (the rules
    that fit the source and channel, in order, before the channel's or the default ones)."""
    by_id = {c.id: c for c in config.channels}
    out: dict[str, list[tuple[str, Offsets]]] = {}
    for source in sources:
        for channel_id in route(source, config.channels):
            chosen = by_id[channel_id].reminders
            default = durations(config.reminders.before if chosen is None else chosen)
            rules = tuple(
                (frozenset(r.kinds), frozenset(t.casefold() for t in r.types), durations(r.before))
                for r in config.reminders.rules
                if r.fits(channel_id, source)
            )
            out.setdefault(source.id, []).append((channel_id, Offsets(default, rules)))
    return out


def has_reminders(config: Config) -> bool:
    return (
        bool(config.reminders.before)
        or any(c.reminders for c in config.channels)
        or any(r.before for r in config.reminders.rules)
    )


def enqueue_reminders(store: ReminderStore, config: Config, now: datetime) -> int:
    """Write the outbox rows of the reminders due now (one transaction); how many are new."""
    if not has_reminders(config):
        return 0
    routes = routes_for(config, config.sources)
    planned = plan(store.reminder_dates(now.astimezone(UTC).date()), routes, now)
    added = store.enqueue_planned(planned, now) if planned else 0
    if added:
        logger.info("%d reminder(s) of coming document dates queued", added)
    return added
