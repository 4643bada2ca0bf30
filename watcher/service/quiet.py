"""Sources gone quiet: a regulator's feed that silently stopped updating. Pure decisions.

A source's cadence is learnt from its history: the median gap between its changes (it
"normally changes" once it has `MIN_CHANGES` changes). When it has been silent for longer
than `factor` × that gap and at least `floor`, it is quiet: one notice goes to the health
channels, and one "active again" when it next changes. The engine records each notice as
an event (`quiet` / `active`) so each is sent once (watcher/service/notices.py).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from watcher.db.quietrows import HISTORY  # the most recent changes the cadence is learnt from

MIN_CHANGES = 5


@dataclass(frozen=True)
class Cadence:
    changes: int
    median_gap: timedelta
    last_change: datetime


@dataclass(frozen=True)
class Verdict:
    state: Literal["quiet", "active"]
    reason: str


def cadence(times: Sequence[datetime], *, min_changes: int = MIN_CHANGES) -> Cadence | None:
    """The median gap between the most recent changes, or None with too few to tell."""
    recent = sorted(times)[-HISTORY:]
    if len(recent) < min_changes:
        return None
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(recent)]
    return Cadence(len(recent), timedelta(seconds=statistics.median(gaps)), recent[-1])


def days(span: timedelta) -> str:
    value = span.total_seconds() / 86400
    return f"{value:.0f} days" if value >= 2 else f"{value * 24:.0f} hours"


def decide(
    times: Sequence[datetime],
    now: datetime,
    *,
    quiet_since: datetime | None,
    factor: float = 4.0,
    floor: timedelta = timedelta(days=30),
) -> Verdict | None:
    """ "quiet" when a regular source has been silent too long, "active" when a quiet one
    changed again, None otherwise (including "already said so")."""
    if quiet_since is not None:
        if times and max(times) > quiet_since:
            return Verdict("active", f"changed again on {max(times):%Y-%m-%d} after going quiet")
        return None
    learnt = cadence(times)
    if learnt is None or learnt.median_gap.total_seconds() <= 0:
        return None
    silent = now - learnt.last_change
    limit = max(learnt.median_gap * factor, floor)
    if silent <= limit:
        return None
    return Verdict(
        "quiet",
        f"no change for {days(silent)}; it usually changes every {days(learnt.median_gap)}"
        f" (median of the last {learnt.changes - 1} gaps). Is the feed still updated?",
    )
