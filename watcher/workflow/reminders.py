"""Threaded follow-ups on open alerts: one nudge after `[workflow] remind_after`, and a reply
when a snooze ends. Both go through the outbox as 'notice' rows, so they are durable and,
by the outbox's UNIQUE(subject, channel), posted once, across restarts too.

Subjects: `remind:<change id>` (once per change and channel) and
`snooze:<change id>:<until>` (once per snooze). Only Slack channels with buttons get
notices, as replies in the thread of the message that showed the change (for a digest
member, the digest).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from alerts.base import Channel
from watcher.db.store import Store
from watcher.db.workstate import is_open, open_since
from watcher.workflow.actions import slack_of

logger = logging.getLogger(__name__)


def schedule_notices(
    store: Store, channels: Mapping[str, Channel], now: datetime, *, remind_after: timedelta | None
) -> int:
    """Queue the reminders and snooze returns due at `now`; how many rows were added."""
    slack_channels = sorted(cid for cid, ch in channels.items() if slack_of(ch) is not None)
    if not slack_channels:
        return 0
    added = 0
    for change_id, until in store.ended_snoozes(now):
        subject = f"snooze:{change_id}:{until}"
        added += store.add_notices(change_id, subject, slack_channels, now)
    if remind_after is not None:
        candidates = store.remind_candidates(now - remind_after, slack_channels)
        states = store.work_states(sorted(candidates))
        for change_id, detected in candidates.items():
            state = states[change_id]
            # open that long: since detection, or since its snooze ended (that has its own reply)
            if is_open(state, now) and now - open_since(state, detected) >= remind_after:
                added += store.add_notices(change_id, f"remind:{change_id}", slack_channels, now)
    if added:
        logger.info("workflow: %d reminder(s) or snooze return(s) queued", added)
    return added
