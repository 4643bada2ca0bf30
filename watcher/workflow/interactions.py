"""Slack button presses and modal submissions -> workflow actions, after checking them.

Each press is checked before anything changes:

1. the message is one regwatch posted and recorded (an outbox row with that ts, in that
   Slack channel) and it shows the change the control names;
2. the payload's team is the team the bot token belongs to (`auth.test`);
3. the user is allowed (`[slack] allowed_users`, or a member of `allowed_usergroups`,
   resolved with `usergroups.list` / `usergroups.users.list`, cached for 5 minutes);
   anyone else gets an ephemeral "you are not allowed to …" and nothing is recorded.

Store reads and writes run on the event loop; Slack calls run in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from alerts.base import Channel
from alerts.slack import Slack
from alerts.slack_actions import Press, dismiss_modal, parse_dismissal, parse_press
from watcher.db.store import Store
from watcher.db.workstate import USER_ID_LIKE, Action, ActionName, clean_reason, snooze_until
from watcher.workflow.actions import push, record, rewrites, slack_of
from watcher.workflow_config import SlackApp

logger = logging.getLogger(__name__)
GROUP_TTL = 300.0
VERBS = {
    "ack": "acknowledge",
    "assign": "assign",
    "dismiss": "dismiss",
    "dismiss_modal": "dismiss",
    "snooze": "snooze",
}
SLACK_ERRORS = (SlackApiError, SlackClientError, OSError)


class Interactions:
    """The engine's handler for `alerts.slack_app` receivers (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        channels: Callable[[], Mapping[str, Channel]],
        settings: SlackApp,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.channels = channels
        self.settings = settings
        self.clock = clock
        self._teams: dict[int, str] = {}
        self._groups: tuple[float, frozenset[str]] | None = None
        self._names: dict[str, str] = {}

    async def handle(self, payload: dict[str, Any], via: str) -> None:
        kind = payload.get("type")
        user = payload.get("user") or {}
        team = str((payload.get("team") or {}).get("id") or user.get("team_id") or "")
        if kind == "block_actions":
            container = payload.get("container") or {}
            channel_id = str((payload.get("channel") or {}).get("id") or container.get("channel_id") or "")
            ts = str(container.get("message_ts") or (payload.get("message") or {}).get("ts") or "")
            for element in payload.get("actions") or []:
                press = parse_press(element) if isinstance(element, dict) else None
                if press is not None:
                    await self.act(
                        press, user, team, channel_id, ts, via, str(payload.get("trigger_id") or "")
                    )
        elif kind == "view_submission":
            parsed = parse_dismissal(payload.get("view") or {})
            if parsed is not None:
                press, channel_id, ts = parsed
                await self.act(press, user, team, channel_id, ts, via, "")

    async def act(
        self,
        press: Press,
        user: Mapping[str, Any],
        team: str,
        channel_id: str,
        ts: str,
        via: str,
        trigger_id: str,
    ) -> bool:
        """Check and carry out one press; True if something was recorded or a modal opened."""
        user_id = str(user.get("id") or "")
        row = self.store.message_row(ts) if ts else None
        if (
            row is None
            or press.change_id not in self.store.message_changes(row)
            or not self.store.change_exists(press.change_id)
        ):
            logger.warning("ignored a Slack action on a message regwatch does not know (ts %r)", ts[:40])
            return False
        channel = self.channels().get(row["channel"])
        slack = slack_of(channel) if channel is not None else None
        if slack is None or not USER_ID_LIKE.match(user_id):
            return False
        if not team or team != await asyncio.to_thread(self.team_of, slack):
            logger.warning("ignored a Slack action from another workspace (team %r)", team[:20])
            return False
        if not await asyncio.to_thread(self.is_allowed, slack, user_id):
            verb = VERBS.get(press.action, "act on")
            text = f"You are not allowed to {verb} regwatch alerts here; nothing changed."
            await asyncio.to_thread(self.say_privately, slack, channel_id, user_id, text)
            logger.info("refused a Slack action by %s (not in [slack] allowed_users/usergroups)", user_id)
            return False
        if press.action == "dismiss_modal":
            view = dismiss_modal(press.change_id, channel_id, ts)
            await asyncio.to_thread(self.call, slack, "views_open", trigger_id=trigger_id, view=view)
            return True
        name = str(user.get("username") or user.get("name") or "") or await asyncio.to_thread(
            self.name_of, slack, user_id
        )
        fields: dict[str, Any] = {}
        action_name: ActionName
        if press.action == "assign":
            action_name = "assign"
            assignee = press.assignee_id or user_id
            fields["assignee_id"] = assignee
            fields["assignee_name"] = (
                name if assignee == user_id else await asyncio.to_thread(self.name_of, slack, assignee)
            )
        elif press.action == "snooze":
            action_name = "snooze"
            try:
                fields["until"] = snooze_until(press.snooze, self.clock())
            except ValueError as exc:
                await asyncio.to_thread(
                    self.say_privately, slack, channel_id, user_id, f"Cannot snooze: {exc}"
                )
                return False
        elif press.action == "dismiss":
            action_name = "dismiss"
            fields["reason"] = clean_reason(press.reason)
        else:
            action_name = "ack"
        action = Action(
            change_id=press.change_id,
            action=action_name,
            user_name=name or user_id,
            user_id=user_id,
            via=via,
            at=self.clock(),
            channel=row["channel"],
            slack_channel=channel_id,
            message_ts=ts,
            team_id=team,
            **fields,
        )
        record(self.store, action)
        todo = rewrites(self.store, self.channels(), press.change_id, known=(channel_id, ts))
        await asyncio.to_thread(push, todo)
        return True

    # -- Slack look-ups (worker thread) --------------------------------------------------------

    def call(self, slack: Slack, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(slack.client(), method)(**kwargs)
        except SLACK_ERRORS as exc:
            logger.warning("Slack %s failed: %s", method, type(exc).__name__)
            return None

    def team_of(self, slack: Slack) -> str:
        """The team the bot token belongs to (auth.test), remembered per channel object."""
        key = id(slack)
        if key not in self._teams:
            answer = self.call(slack, "auth_test")
            if answer is None:
                return ""
            self._teams[key] = str(answer.get("team_id") or "")
        return self._teams[key]

    def is_allowed(self, slack: Slack, user_id: str) -> bool:
        allowed_users, groups = self.settings.allowed_users, self.settings.allowed_usergroups
        if not allowed_users and not groups:
            return True
        if user_id in allowed_users:
            return True
        return bool(groups) and user_id in self.group_members(slack)

    def group_members(self, slack: Slack) -> frozenset[str]:
        now = time.monotonic()
        if self._groups is not None and now - self._groups[0] < GROUP_TTL:
            return self._groups[1]
        wanted = {g.lower() for g in self.settings.allowed_usergroups}
        listing = self.call(slack, "usergroups_list")
        if listing is None:
            return frozenset()  # cannot tell: refuse, and try again next time
        members: set[str] = set()
        for group in listing.get("usergroups") or []:
            if str(group.get("handle") or "").lower() in wanted:
                users = self.call(slack, "usergroups_users_list", usergroup=str(group.get("id")))
                members.update(str(u) for u in (users or {}).get("users") or [])
        self._groups = (now, frozenset(members))
        return self._groups[1]

    def name_of(self, slack: Slack, user_id: str) -> str:
        if user_id not in self._names:
            answer = self.call(slack, "users_info", user=user_id)
            user = (answer or {}).get("user") or {}
            self._names[user_id] = str(user.get("name") or user.get("real_name") or user_id)[:80]
        return self._names[user_id]

    def say_privately(self, slack: Slack, channel_id: str, user_id: str, text: str) -> None:
        self.call(slack, "chat_postEphemeral", channel=channel_id, user=user_id, text=text)
