"""`regwatch alerts`: the alert outbox (what was sent where, what waits, what failed) and retries."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import datetime
from pathlib import Path

import click

from alerts.digest import next_digest_at
from alerts.outbox import deliver_due
from alerts.render import render_text, safe
from watcher.cli.app import Settings, main
from watcher.cli.output import Column, closed_pipe_ok, format_options, write_rows
from watcher.db.lock import DatabaseLock
from watcher.errors import UnknownName
from watcher.model import Alert, SourceInfo
from watcher.service.runner import build_channels, utcnow

WAITING = ("pending", "held", "batched", "sending")


def _status(row: dict) -> str:
    # claimed but not acknowledged: reconciled before any resend
    return "in doubt" if row["status"] == "sending" else row["status"]


def _when(row: dict) -> str:
    return (row["sent_at"] or row["next_attempt_at"] or row["created_at"] or "")[:19]


def _detail(row: dict, digest_due: dict[str, datetime | None]) -> str:
    if row["status"] == "batched":
        return f"in digest #{row.get('batch_id')}"
    if row["status"] == "held":
        due = digest_due.get(row["channel"])
        return f"held for the digest, goes out {due:%Y-%m-%d %H:%M} UTC" if due else "held for the digest"
    if row["status"] == "sent":
        return row["permalink"] or row["ref"] or ""
    return row["last_error"] or ""


ALERT_COLUMNS = (
    Column("id", "ID", 6),
    Column("state", "STATUS", 8),
    Column("channel", "CHANNEL", 14),
    Column("subject", "WHAT", 22),
    Column("source_id", "SOURCE", 28, lambda v: v or "-"),
    Column("attempts", "TRIES", 5),
    Column("when", "WHEN (UTC)", 19),
    Column("detail", "DETAIL"),
)


def digest_due_times(settings: Settings, store, now: datetime) -> dict[str, datetime | None]:
    """When each digest channel's held alerts go out (None: nothing held)."""
    due: dict[str, datetime | None] = {}
    for channel in settings.config.channels:
        if channel.digest or channel.important_when:  # important_when: "not important" waits
            oldest = store.oldest_held(channel.id)
            due[channel.id] = next_digest_at(channel.digest or "daily", oldest) if oldest else None
    return due


@main.group(invoke_without_command=True)
@click.option("--failed", is_flag=True, help="Only deliveries that failed permanently.")
@click.option("--pending", is_flag=True, help="Only deliveries still waiting (pending, held, in doubt).")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many rows.")
@format_options
@click.pass_context
def alerts(ctx: click.Context, failed: bool, pending: bool, limit: int, fmt: str) -> None:
    """Alert deliveries, newest first: sent (with the Slack permalink), waiting (held ones with
    when their digest goes out), failed (with why).

    `regwatch alerts retry ID` sends a failed one again.
    """
    if ctx.invoked_subcommand is not None:
        return
    settings: Settings = ctx.obj
    if not Path(settings.database).exists():
        click.echo("no alerts yet (no database; run `regwatch check`)", err=True)
        return
    statuses: list[str] = []
    if failed:
        statuses.append("failed")
    if pending:
        statuses.extend(WAITING)
    store = settings.store(readonly=True)
    try:
        rows = store.deliveries(status=statuses or None, limit=limit)
        due = digest_due_times(settings, store, utcnow()) if any(r["status"] == "held" for r in rows) else {}
    finally:
        store.close()
    shown = [{**row, "state": _status(row), "when": _when(row), "detail": _detail(row, due)} for row in rows]
    with closed_pipe_ok():
        write_rows(iter(shown), fmt, sys.stdout, columns=ALERT_COLUMNS)
    if not rows and fmt == "table":
        click.echo("no alert deliveries match", err=True)


@alerts.command()
@click.argument("delivery_ids", type=int, nargs=-1)
@click.option("--all-failed", is_flag=True, help="Retry every failed delivery.")
@click.pass_obj
def retry(settings: Settings, delivery_ids: tuple[int, ...], all_failed: bool) -> None:
    """Queue failed deliveries to be sent again (by the next `deliver`, `check` or the service)."""
    if not delivery_ids and not all_failed:
        raise click.UsageError("give delivery ids (see `regwatch alerts --failed`) or --all-failed")
    store = settings.store()
    try:
        ids = list(delivery_ids)
        if all_failed:
            ids += [row["id"] for row in store.deliveries(status="failed", limit=100_000)]
        for delivery_id in dict.fromkeys(ids):
            row = store.requeue_delivery(delivery_id, utcnow())
            click.echo(f"queued delivery {row['id']} to {safe(row['channel'])} again")
    finally:
        store.close()
    click.echo("run `regwatch deliver` to send now", err=True)


@main.command()
@click.argument("channel_ids", nargs=-1, metavar="[CHANNEL]...")
@click.option("--preview", is_flag=True, help="Print the digest as it would go out now; send nothing.")
@click.option("--now", "send_now", is_flag=True, help="Send the held alerts as a digest now.")
@click.pass_obj
def digest(settings: Settings, channel_ids: tuple[str, ...], preview: bool, send_now: bool) -> None:
    """Held digest alerts: when they go out (default), a preview, or send them now.

    \b
    Examples:
      regwatch digest                      # each digest channel: held alerts, when they go out
      regwatch digest weekly-ops --preview # the message as it would go out
      regwatch digest weekly-ops --now     # send it now instead of at its time
    """
    if preview and send_now:
        raise click.UsageError("--preview shows, --now sends: choose one")
    config = settings.config
    digests = {c.id: c for c in config.channels if c.digest or c.important_when}
    for channel_id in channel_ids:
        if channel_id not in digests:
            known = ", ".join(sorted(digests)) or "none"
            raise UnknownName(f"no digest channel {channel_id!r} (digest channels: {known})")
    chosen = [digests[c] for c in channel_ids] or list(digests.values())
    if not Path(settings.database).exists():
        click.echo("nothing held (no database yet)", err=True)
        return
    with DatabaseLock(settings.database, "digest") if send_now else contextlib.nullcontext():
        store = settings.store(readonly=not send_now)
        try:
            for channel in chosen:
                _one_digest(store, channel, preview=preview, send_now=send_now)
            if send_now:
                _deliver_now(store, config)
        finally:
            store.close()


def _one_digest(store, channel, *, preview: bool, send_now: bool) -> None:
    held = [r for r in store.deliveries(status="held", limit=10_000) if r["channel"] == channel.id]
    held = [r for r in held if r.get("batch_id") is None]
    if not held:
        click.echo(f"{channel.id}: nothing held ({channel.digest or 'daily'} digest)")
        return
    oldest = store.oldest_held(channel.id)
    when = f"{next_digest_at(channel.digest or 'daily', oldest):%Y-%m-%d %H:%M} UTC" if oldest else "now"
    if preview:
        members = tuple(store.alert_for(row) for row in reversed(held))
        digest_source = SourceInfo("", "regwatch digest", "")
        click.echo(f"--- {channel.id}: preview of the {channel.digest or 'daily'} digest due {when}")
        click.echo(render_text(Alert(key="preview", channel=channel.id, source=digest_source, batch=members)))
    elif send_now:
        now = utcnow()
        store.create_digest(channel.id, now, now)
        click.echo(f"{channel.id}: {len(held)} held alert(s) go out as a digest now", err=True)
    else:
        click.echo(
            f"{channel.id}: {len(held)} held alert(s); the {channel.digest or 'daily'} digest goes out {when}"
        )


def _deliver_now(store, config) -> None:
    channels = build_channels(config)
    try:
        report = asyncio.run(deliver_due(store, channels, utcnow, retry=config.delivery))
    finally:
        for built in channels.values():
            built.close()
    click.echo(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}", err=True)
