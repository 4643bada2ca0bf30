"""Carry out a workflow action: append it to the audit trail, then show it in Slack.

The audit row is written first, in its own transaction; the Slack messages that show the
change (its alerts, and the digests it is part of) are then rewritten in place with
`chat.update`. A message that cannot be updated now (Slack down) is logged and left as it
was: the trail is the record, and the next action on that change rewrites the message
with the whole state again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

from alerts.base import Channel
from alerts.slack import Slack
from watcher.db.store import Store
from watcher.errors import DeliveryError, WatchError
from watcher.model import WorkState
from watcher.workflow.state import Action

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    """What an action did: the change's new state and how many messages show it now."""

    state: WorkState
    updated: int
    failed: tuple[str, ...] = ()


def slack_of(channel: Channel) -> Slack | None:
    """The Slack channel behind a (possibly metered) channel, if it has buttons."""
    inner = getattr(channel, "inner", channel)
    return inner if isinstance(inner, Slack) and inner.has_buttons else None


def apply(store: Store, channels: Mapping[str, Channel], action: Action) -> Applied:
    """Record `action` and rewrite every Slack message of its change (see the module doc)."""
    if not store.change_exists(action.change_id):
        raise WatchError(f"no change with id {action.change_id} (see `regwatch history`)")
    store.record_action(action)
    state = store.work_states([action.change_id])[action.change_id]
    updated, failed = refresh(
        store, channels, action.change_id, known=(action.slack_channel, action.message_ts)
    )
    return Applied(state, updated, failed)


def refresh(
    store: Store, channels: Mapping[str, Channel], change_id: int, *, known: tuple[str, str] = ("", "")
) -> tuple[int, tuple[str, ...]]:
    """Rewrite the Slack messages showing `change_id`; (how many, what failed)."""
    updated = 0
    failed: list[str] = []
    for row in store.alert_messages(change_id):
        channel = channels.get(row["channel"])
        slack = slack_of(channel) if channel is not None else None
        if slack is None:
            continue
        members = store.message_changes(row)
        alert = replace(store.alert_for(row), workflow=store.work_states(members))
        channel_id = known[0] if known[1] == row["ref"] else ""
        try:
            slack.update(alert, row["ref"], channel_id)
        except DeliveryError as exc:
            logger.warning("could not update the Slack message of change %s: %s", change_id, exc)
            failed.append(str(exc))
            continue
        updated += 1
    return updated, tuple(failed)
