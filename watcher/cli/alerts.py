"""`regwatch alerts`: the alert outbox (what was sent where, what waits, what failed) and retries."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.service.runner import utcnow

WAITING = ("pending", "held", "batched", "sending")


def describe(row: dict) -> str:
    """One line per outbox row: id, status, channel, what, source, attempts, when, detail."""
    status = row["status"]
    if status == "sending":
        status = "in doubt"  # claimed but not acknowledged: reconciled before any resend
    when = (row["sent_at"] or row["next_attempt_at"] or row["created_at"] or "")[:19]
    if row["status"] == "batched":
        detail = f"in digest #{row.get('batch_id')}"
    elif row["status"] == "sent":
        detail = row["permalink"] or row["ref"] or ""
    else:
        detail = row["last_error"] or ""
    source = safe(row["source_id"], 40) or "-"
    return (
        f"{row['id']:>6}  {status:<8}  {safe(row['channel'], 24):<14}  {safe(row['subject'], 40):<22}  "
        f"{source:<28}  tries {row['attempts']:<2}  {when:<19}  {safe(detail, 300)}"
    )


@main.group(invoke_without_command=True)
@click.option("--failed", is_flag=True, help="Only deliveries that failed permanently.")
@click.option("--pending", is_flag=True, help="Only deliveries still waiting (pending, held, in doubt).")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one delivery per line.")
@click.pass_context
def alerts(ctx: click.Context, failed: bool, pending: bool, limit: int, as_json: bool) -> None:
    """Alert deliveries, newest first: sent (with the Slack permalink), waiting, failed (with why).

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
    finally:
        store.close()
    for row in rows:
        if as_json:
            click.echo(json.dumps({k: row[k] for k in row}, ensure_ascii=False))
        else:
            click.echo(describe(row))
    if not rows and not as_json:
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
