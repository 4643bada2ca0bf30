"""A change's workflow state, folded from its audit rows: pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from watcher.model import WorkState
from watcher.timespec import parse_duration

ActionName = Literal["ack", "assign", "dismiss", "snooze", "reopen"]
ACTIONS: tuple[ActionName, ...] = ("ack", "assign", "dismiss", "snooze", "reopen")
VIA = ("slack-socket", "slack-http", "cli")
MAX_REASON = 500
USER_ID_LIKE = re.compile(r"^[UW][A-Z0-9]{2,20}$")  # a Slack user id
SNOOZE_PRESETS = {"1d": timedelta(days=1), "1w": timedelta(days=7)}


@dataclass(frozen=True)
class Action:
    """One row of `alert_actions`: someone did something to a change's alert."""

    change_id: int
    action: ActionName
    user_name: str
    via: str
    at: datetime
    user_id: str = ""
    assignee_id: str = ""
    assignee_name: str = ""
    reason: str = ""
    until: datetime | None = None
    channel: str = ""
    slack_channel: str = ""
    message_ts: str = ""
    team_id: str = ""
    item_key: str = ""
    id: int | None = None


def fold(actions: Iterable[Action]) -> WorkState:
    """The state after these actions, oldest first. An assignment keeps the status."""
    state = WorkState()
    for act in actions:
        if act.action == "assign":
            state = replace(state, assignee_id=act.assignee_id, assignee_name=act.assignee_name)
            continue
        status: Literal["open", "acknowledged", "dismissed", "snoozed"] = {
            "ack": "acknowledged",
            "dismiss": "dismissed",
            "snooze": "snoozed",
            "reopen": "open",
        }[act.action]  # type: ignore[assignment]
        state = replace(
            state,
            status=status,
            by_id=act.user_id,
            by_name=act.user_name,
            at=act.at,
            reason=act.reason if act.action == "dismiss" else "",
            until=act.until if act.action == "snooze" else None,
        )
    return state


def is_open(state: WorkState, now: datetime) -> bool:
    """Open = nobody acknowledged or dismissed it, and any snooze has ended."""
    if state.status == "open":
        return True
    return state.status == "snoozed" and state.until is not None and state.until <= now


def open_since(state: WorkState, detected: datetime) -> datetime:
    """Since when the alert has been waiting: detection, or the end of its last snooze."""
    if state.status == "snoozed" and state.until is not None:
        return state.until
    return detected


def snooze_until(spec: str, now: datetime) -> datetime:
    """`1d`, `1w` (or any `Nd`/`Nh`/`Nw`) from now, or a date `YYYY-MM-DD` (its start, UTC)."""
    value = (spec or "").strip()
    if value in SNOOZE_PRESETS:
        return now + SNOOZE_PRESETS[value]
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{spec!r} is not a valid date (YYYY-MM-DD)") from exc
        until = datetime.combine(day, time(0), tzinfo=UTC)
    else:
        until = now + parse_duration(value)
    if until <= now:
        raise ValueError(f"a snooze must end in the future ({spec!r} does not)")
    return until


def clean_reason(text: str | None) -> str:
    """A reason as typed, bounded and without control characters (it is shown back later)."""
    kept = "".join(ch for ch in (text or "") if ch.isprintable() or ch == "\n")
    return kept.strip()[:MAX_REASON]
