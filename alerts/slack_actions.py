"""The workflow controls of a Slack alert, and what a press on one means: pure functions.

Under every change alert:

    context  ✅ Acknowledged by @dana · 09:14  · assigned to @lee       (once someone acted)
    actions  [Acknowledge] [Assign to me] [Assign… (users)] [Not relevant] [Snooze… ▾] [until 📅]

A digest gets one line per change with an overflow menu (acknowledge, assign to me, not
relevant, snooze a day or a week), so an action applies to that change only. Every
control's block id names the change (`regwatch-actions-12.<state>`, `regwatch-member-12`); a press
is parsed back into a `Press` here and carried out by the engine (watcher/workflow),
which checks who pressed and on which message. User ids come from Slack's own payload and
are validated before they go into a `<@U…>` mention; names and reasons are escaped.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.mrkdwn import escape, short, truncate
from watcher.model import Alert, WorkState

MAX_BLOCKS = 50
PREFIX = "regwatch:"
ACTIONS_BLOCK = "regwatch-actions-"
MEMBER_BLOCK = "regwatch-member-"
STATE_BLOCK = "regwatch-state-"
DISMISS_CALLBACK = "regwatch:dismiss"
REASON_BLOCK = "reason"
REASON_INPUT = "reason"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SNOOZE_CHOICES = (("1d", "Snooze 1 day"), ("1w", "Snooze 1 week"))
MEMBER_CHOICES = (
    ("ack", "Acknowledge"),
    ("assign_me", "Assign to me"),
    ("dismiss", "Not relevant"),
    ("snooze:1d", "Snooze 1 day"),
    ("snooze:1w", "Snooze 1 week"),
)


@dataclass(frozen=True)
class Press:
    """A press on a control: `action` ack | assign | dismiss | snooze | dismiss_modal."""

    change_id: int
    action: str
    assignee_id: str = ""  # assign: the chosen user ("" = the presser)
    snooze: str = ""  # snooze: 1d, 1w or YYYY-MM-DD
    reason: str = ""


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, label: str) -> dict:
    return {"text": _plain(label), "value": value}


def mention(user_id: str, name: str) -> str:
    """`<@U123>` for a real Slack user id, else the escaped name (CLI users have no id)."""
    if USER_ID.match(user_id or ""):
        return f"<@{user_id}>"
    return escape(name or "someone")


def when(moment: datetime | None, fmt: str = "{time}") -> str:
    if moment is None:
        return ""
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"


def state_line(state: WorkState) -> str:
    """ "✅ Acknowledged by @dana · 09:14", or "" while nobody has done anything."""
    who = mention(state.by_id, state.by_name)
    if state.status == "acknowledged":
        line = f"✅ Acknowledged by {who} · {when(state.at)}"
    elif state.status == "dismissed":
        line = f"🚫 Not relevant — {who} · {when(state.at)}"
        if state.reason:
            line += f": “{short(state.reason, 300)}”"
    elif state.status == "snoozed":
        line = f"💤 Snoozed by {who} until {when(state.until, '{date_short_pretty} {time}')}"
    else:
        line = ""
    if state.assignee_id or state.assignee_name:
        owner = f"👤 Assigned to {mention(state.assignee_id, state.assignee_name)}"
        line = f"{line} · {owner}" if line else owner
    return line


def change_controls(change_id: int, state: WorkState) -> list[dict]:
    """The state line (if any) and the row of buttons under one change alert."""
    blocks: list[dict] = []
    line = state_line(state)
    if line:
        blocks.append(
            {
                "type": "context",
                "block_id": f"{STATE_BLOCK}{change_id}",
                "elements": [{"type": "mrkdwn", "text": truncate(line, 2000)}],
            }
        )
    value = str(change_id)
    ack: dict[str, Any] = {
        "type": "button",
        "action_id": PREFIX + "ack",
        "text": _plain("Acknowledge"),
        "value": value,
    }
    if state.status != "acknowledged":
        ack["style"] = "primary"
    blocks.append(
        {
            "type": "actions",
            # a new id per state: Slack keeps a select's choice per block id across chat.update
            "block_id": f"{ACTIONS_BLOCK}{change_id}.{zlib.crc32(repr(state).encode()):08x}",
            "elements": [
                ack,
                {
                    "type": "button",
                    "action_id": PREFIX + "assign_me",
                    "text": _plain("Assign to me"),
                    "value": value,
                },
                {
                    "type": "users_select",
                    "action_id": PREFIX + "assign",
                    "placeholder": _plain("Assign…"),
                },
                {
                    "type": "button",
                    "action_id": PREFIX + "dismiss",
                    "text": _plain("Not relevant"),
                    "value": value,
                },
                {
                    "type": "static_select",
                    "action_id": PREFIX + "snooze",
                    "placeholder": _plain("Snooze…"),
                    "options": [_option(v, label) for v, label in SNOOZE_CHOICES],
                },
                {
                    "type": "datepicker",
                    "action_id": PREFIX + "snooze_until",
                    "placeholder": _plain("Snooze until…"),
                },
            ],
        }
    )
    return blocks


def member_control(member: Alert, state: WorkState) -> dict | None:
    """One digest line: the change, its state, and an overflow menu acting on it alone."""
    change = member.change
    if change is None or change.id is None:
        return None
    name = short(member.source.name or member.source.id, 80)
    line = state_line(state) or "open"
    return {
        "type": "section",
        "block_id": f"{MEMBER_BLOCK}{change.id}",
        "text": {"type": "mrkdwn", "text": truncate(f"*#{change.id}* {name} — {line}", 3000)},
        "accessory": {
            "type": "overflow",
            "action_id": PREFIX + "member",
            "options": [_option(v, label) for v, label in MEMBER_CHOICES],
        },
    }


def add_controls(blocks: Sequence[dict], alert: Alert) -> list[dict]:
    """The message's blocks with its workflow controls, within Slack's 50 blocks.

    Health alerts get none. A change alert whose body fills the budget gives up its last
    body blocks (before the closing context) for the controls: they are what a reader acts on,
    and `regwatch show` has the whole change.
    """
    out = list(blocks)
    if alert.batch:
        controls = []
        for member in alert.batch:
            block = member_control(member, alert.workflow.get(_cid(member), WorkState()))
            if block is not None:
                controls.append(block)
        room = MAX_BLOCKS - len(out)
        if len(controls) > room:
            hidden = len(controls) - room + 1
            more = f"…{hidden} more change(s): act with `regwatch ack ID` and the like"
            note = {"type": "context", "elements": [{"type": "mrkdwn", "text": more}]}
            controls = [*controls[: room - 1], note]
        return out + controls
    change = alert.change
    if change is None or change.id is None or alert.health is not None or alert.notice:
        return out
    controls = change_controls(change.id, alert.workflow.get(change.id, WorkState()))
    while len(out) + len(controls) > MAX_BLOCKS and len(out) > 2:
        del out[-2]  # keep the header, the source context and the closing context
    return out + controls


def _cid(member: Alert) -> int:
    return member.change.id if member.change is not None and member.change.id is not None else -1


def notice_message(alert: Alert) -> tuple[list[dict], str]:
    """A threaded follow-up (`alert.notice` = its outbox subject): a reminder that the change
    is still open, or that its snooze is over; with the buttons, so it can be acted on there."""
    change = alert.change
    if change is None or change.id is None:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "regwatch"}}], "regwatch"
    state = alert.workflow.get(change.id, WorkState())
    name = short(alert.source.name or alert.source.id, 80)
    if alert.notice.startswith("snooze:"):
        text = f"⏰ Snooze over: change #{change.id} ({name}) is open again."
    else:
        text = f"⏰ Still open: nobody has acknowledged change #{change.id} ({name}) yet."
    if state.assignee_id or state.assignee_name:
        text += f" Owner: {mention(state.assignee_id, state.assignee_name)}."
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    controls = [b for b in change_controls(change.id, state) if b["type"] == "actions"]
    return [section, *controls], text


# -- reading presses ----------------------------------------------------------------------


def change_of_block(block_id: str) -> int | None:
    """The change id a control's block names (`regwatch-actions-12.<state>`, `regwatch-member-12`)."""
    for prefix in (ACTIONS_BLOCK, MEMBER_BLOCK):
        if block_id.startswith(prefix):
            number = block_id[len(prefix) :].split(".", 1)[0]
            return int(number) if number.isdigit() and len(number) <= 12 else None
    return None


def parse_press(action: Mapping[str, Any]) -> Press | None:
    """One element of a `block_actions` payload's `actions` -> a Press (None if not ours)."""
    action_id = str(action.get("action_id") or "")
    if not action_id.startswith(PREFIX):
        return None
    change_id = change_of_block(str(action.get("block_id") or ""))
    if change_id is None:
        return None
    what = action_id[len(PREFIX) :]
    if what == "ack":
        return Press(change_id, "ack")
    if what == "assign_me":
        return Press(change_id, "assign")
    if what == "assign":
        user = str(action.get("selected_user") or "")
        return Press(change_id, "assign", assignee_id=user) if USER_ID.match(user) else None
    if what == "dismiss":
        return Press(change_id, "dismiss_modal")
    if what == "snooze":
        value = str((action.get("selected_option") or {}).get("value") or "")
        return Press(change_id, "snooze", snooze=value) if value in dict(SNOOZE_CHOICES) else None
    if what == "snooze_until":
        day = str(action.get("selected_date") or "")
        return Press(change_id, "snooze", snooze=day) if DATE.match(day) else None
    if what == "member":
        value = str((action.get("selected_option") or {}).get("value") or "")
        if value == "ack":
            return Press(change_id, "ack")
        if value == "assign_me":
            return Press(change_id, "assign")
        if value == "dismiss":
            return Press(change_id, "dismiss_modal")
        if value.startswith("snooze:") and value[7:] in dict(SNOOZE_CHOICES):
            return Press(change_id, "snooze", snooze=value[7:])
    return None


def dismiss_modal(change_id: int, channel_id: str, ts: str) -> dict:
    """The "Not relevant" modal: an optional reason; the message it came from rides along."""
    return {
        "type": "modal",
        "callback_id": DISMISS_CALLBACK,
        "private_metadata": json.dumps({"change": change_id, "channel": channel_id, "ts": ts}),
        "title": _plain("Not relevant"),
        "submit": _plain("Dismiss"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "optional": True,
                "label": _plain(f"Why is change #{change_id} not relevant?"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 500,
                },
            }
        ],
    }


def parse_dismissal(view: Mapping[str, Any]) -> tuple[Press, str, str] | None:
    """A submitted "Not relevant" modal -> (Press with reason, Slack channel id, message ts)."""
    if view.get("callback_id") != DISMISS_CALLBACK:
        return None
    try:
        meta = json.loads(str(view.get("private_metadata") or ""))
        change_id = int(meta["change"])
        channel_id, ts = str(meta["channel"]), str(meta["ts"])
    except (ValueError, KeyError, TypeError):
        return None
    values = (view.get("state") or {}).get("values") or {}
    reason = str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "")
    return Press(change_id, "dismiss", reason=reason), channel_id, ts
