"""Carry out a workflow action: append it to the audit trail, then show it in Slack.

The audit row is written first, in its own transaction; the Slack messages that show the
change (its alerts, and the digests it is part of) are then rewritten in place with
`chat.update`. A message that cannot be updated now (Slack down) is logged and left as it
was: the trail is the record, and the next action on that change rewrites the message
with the whole state again.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alerts.base import Channel
from watcher.db.store import Store
from watcher.db.workstate import Action
from watcher.errors import DeliveryError, WatchError
from watcher.model import Alert, WorkState

if TYPE_CHECKING:
    from alerts.slack import Slack

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    """What an action did: the change's new state and how many messages show it now."""

    state: WorkState
    updated: int
    failed: tuple[str, ...] = ()


def slack_of(channel: Channel) -> Slack | None:
    """The channel as a Slack channel, if it is one with buttons."""
    # Until a Slack channel is built its module is not loaded (the channel registry imports
    # a channel's module when its kind is configured), and then no channel can be one.
    module = sys.modules.get("alerts.slack")
    if module is None or not isinstance(channel, module.Slack):
        return None
    return channel if channel.has_buttons else None


@dataclass(frozen=True)
class Rewrite:
    """One Slack message to rewrite: the channel, the alert with its states, where it is."""

    slack: Slack
    alert: Alert
    ref: str
    channel_id: str


def apply(store: Store, channels: Mapping[str, Channel], action: Action) -> Applied:
    """Record `action` and rewrite every Slack message of its change (see the module doc)."""
    state = record(store, action)
    updated, failed = push(
        rewrites(store, channels, action.change_id, known=(action.slack_channel, action.message_ts))
    )
    return Applied(state, updated, failed)


def record(store: Store, action: Action) -> WorkState:
    """Append the action to the trail; the change's state after it."""
    if not store.change_exists(action.change_id):
        raise WatchError(f"no change with id {action.change_id} (see `regwatch history`)")
    store.record_action(action)
    return store.work_states([action.change_id])[action.change_id]


def rewrites(
    store: Store, channels: Mapping[str, Channel], change_id: int, *, known: tuple[str, str] = ("", "")
) -> list[Rewrite]:
    """The Slack messages showing `change_id`, rendered with the current states (store reads only)."""
    out = []
    for row in store.alert_messages(change_id):
        channel = channels.get(row["channel"])
        slack = slack_of(channel) if channel is not None else None
        if slack is None:
            continue
        alert = replace(store.alert_for(row), workflow=store.work_states(store.message_changes(row)))
        out.append(Rewrite(slack, alert, row["ref"], known[0] if known[1] == row["ref"] else ""))
    return out


def push(todo: list[Rewrite]) -> tuple[int, tuple[str, ...]]:
    """`chat.update` each message (Slack calls only: run it off the event loop); (done, failures)."""
    updated = 0
    failed: list[str] = []
    for item in todo:
        try:
            item.slack.update(item.alert, item.ref, item.channel_id)
        except DeliveryError as exc:
            logger.warning("could not update a Slack message (%s): %s", item.ref, exc)
            failed.append(str(exc))
            continue
        updated += 1
    return updated, tuple(failed)
