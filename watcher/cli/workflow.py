"""`regwatch ack|assign|dismiss|snooze|audit|inbox`: the alert workflow from the command line.

Actions are recorded under `--as NAME` (a Slack user id such as U0123ABCD is shown as a
mention) and rewrite the change's Slack messages like a button press does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import click

from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.cli.output import Column, closed_pipe_ok, format_options, write_rows
from watcher.db.workstate import USER_ID_LIKE, Action, ActionName, clean_reason, snooze_until
from watcher.service.runner import build_channels, utcnow
from watcher.timespec import parse_duration, parse_moment
from watcher.workflow.actions import apply
from watcher.workflow.inbox import open_alerts

AUDIT_COLUMNS = (
    Column("at", "when (UTC)", 19, lambda v: str(v)[:19]),
    Column("change_id", "change", 6),
    Column("action", "action", 7),
    Column("user", "who", 20),
    Column("via", "via", 12),
    Column("detail", "detail"),
)


def as_option(func):
    return click.option(
        "--as",
        "who",
        required=True,
        metavar="NAME",
        help="Who acts: a name, or a Slack user id (U0123ABCD) to show as a mention.",
    )(func)


def _act(settings: Settings, change_ids: Iterable[int], name: ActionName, who: str, **fields: Any) -> None:
    who = who.strip()
    if not who:
        raise click.BadParameter("give a name", param_hint="--as")
    user_id = who if USER_ID_LIKE.match(who) else ""
    store = settings.store()
    try:
        channels = build_channels(settings.config)
        try:
            for change_id in change_ids:
                action = Action(
                    change_id=change_id,
                    action=name,
                    user_name=who,
                    user_id=user_id,
                    via="cli",
                    at=utcnow(),
                    **fields,
                )
                done = apply(store, channels, action)
                note = f"; {done.updated} Slack message(s) updated" if done.updated else ""
                if done.failed:
                    note += f"; {len(done.failed)} could not be updated (see the log)"
                click.echo(f"change {change_id}: {done.state.status}{note}")
        finally:
            for channel in channels.values():
                channel.close()
    finally:
        store.close()


@main.command()
@click.argument("change_ids", type=int, nargs=-1, required=True)
@as_option
@click.pass_obj
def ack(settings: Settings, change_ids: tuple[int, ...], who: str) -> None:
    """Acknowledge changes: someone has looked at them."""
    _act(settings, change_ids, "ack", who)


@main.command()
@click.argument("change_id", type=int)
@click.argument("assignee")
@as_option
@click.pass_obj
def assign(settings: Settings, change_id: int, assignee: str, who: str) -> None:
    """Make ASSIGNEE (a name or a Slack user id) the owner of a change."""
    assignee = assignee.strip().lstrip("@")
    if not assignee:
        raise click.BadParameter("give a name or a Slack user id", param_hint="ASSIGNEE")
    is_id = bool(USER_ID_LIKE.match(assignee))
    _act(
        settings,
        [change_id],
        "assign",
        who,
        assignee_id=assignee if is_id else "",
        assignee_name="" if is_id else assignee,
    )


@main.command()
@click.argument("change_ids", type=int, nargs=-1, required=True)
@click.option("--reason", default="", help="Why it is not relevant (kept in the audit trail).")
@as_option
@click.pass_obj
def dismiss(settings: Settings, change_ids: tuple[int, ...], reason: str, who: str) -> None:
    """Mark changes as not relevant, with an optional reason."""
    _act(settings, change_ids, "dismiss", who, reason=clean_reason(reason))


@main.command()
@click.argument("change_id", type=int)
@click.argument("until", metavar="1d|1w|YYYY-MM-DD")
@as_option
@click.pass_obj
def snooze(settings: Settings, change_id: int, until: str, who: str) -> None:
    """Put a change aside until a day or a week from now, or a date; it comes back then."""
    try:
        end = snooze_until(until, utcnow())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="UNTIL") from None
    _act(settings, [change_id], "snooze", who, until=end)


def detail(action: Action) -> str:
    if action.action == "assign":
        return f"to {action.assignee_name or action.assignee_id}"
    if action.action == "snooze" and action.until is not None:
        return f"until {action.until.isoformat(timespec='minutes')}"
    if action.action == "dismiss":
        return action.reason
    return ""


def audit_rows(actions: Iterable[Action]) -> Iterator[dict[str, Any]]:
    for act in actions:
        yield {
            "id": act.id,
            "at": act.at.isoformat(),
            "change_id": act.change_id,
            "action": act.action,
            "user_id": act.user_id,
            "user_name": act.user_name,
            "user": act.user_name or act.user_id,
            "assignee_id": act.assignee_id,
            "assignee_name": act.assignee_name,
            "reason": act.reason,
            "until": act.until.isoformat() if act.until else None,
            "via": act.via,
            "channel": act.channel,
            "slack_channel": act.slack_channel,
            "message_ts": act.message_ts,
            "team_id": act.team_id,
            "detail": detail(act),
        }


@main.command()
@click.option("--since", default=None, help="Only actions since (2024-03-01, 7d, today).")
@click.option("--user", default=None, help="Only actions by this user (Slack id or name).")
@format_options
@click.pass_obj
def audit(settings: Settings, since: str | None, user: str | None, fmt: str) -> None:
    """The audit trail: who acknowledged, assigned, dismissed or snoozed which change, and when."""
    start = None
    if since:
        try:
            start = parse_moment(since, utcnow())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--since") from None
    store = settings.store(readonly=True)
    try:
        rows = audit_rows(store.actions(since=start, user=user))
        with closed_pipe_ok():
            if fmt == "table":
                rows = ({**r, "user": safe(r["user"], 40), "detail": safe(r["detail"], 300)} for r in rows)
            write_rows(rows, fmt, sys.stdout, columns=AUDIT_COLUMNS)
    finally:
        store.close()


def trail_lines(actions: Iterable[Action]) -> list[str]:
    """The audit trail of one change, for `regwatch show`."""
    lines = []
    for act in actions:
        more = detail(act)
        lines.append(
            f"  {act.at.isoformat(timespec='minutes')}  {act.action:<7} {safe(act.user_name, 60)}"
            f" ({act.via}){'  ' + safe(more, 300) if more else ''}"
        )
    return lines


@main.command()
@click.option("--owner", default=None, help="Only alerts assigned to this name or Slack user id.")
@click.option("--older-than", "older", default=None, help="Only alerts open for longer than this (2d).")
@format_options
@click.pass_obj
def inbox(settings: Settings, owner: str | None, older: str | None, fmt: str) -> None:
    """Open alerts: not acknowledged, not dismissed, or snoozed until a time now past."""
    age = None
    if older:
        try:
            age = parse_duration(older)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--older-than") from None
    store = settings.store(readonly=True)
    try:
        now: datetime = utcnow()
        rows = open_alerts(store, now, owner=owner, older_than=age)
        with closed_pipe_ok():
            if fmt != "table":
                write_rows(iter(rows), fmt, sys.stdout)
                return
            if not rows:
                click.echo("inbox empty: every alert was acknowledged, dismissed or is snoozed")
                return
            for row in rows:
                owner_text = f"  owner {safe(row['owner'], 40)}" if row["owner"] else ""
                click.echo(
                    f"#{row['change_id']:<6} open {row['open_for']:<8} {safe(row['source'], 50)}:"
                    f" {safe(row['summary'], 120)}{owner_text}"
                )
    finally:
        store.close()
