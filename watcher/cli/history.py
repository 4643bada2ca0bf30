"""`regwatch history` and `regwatch show`: read what was detected."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.errors import WatchError
from watcher.model import Change


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD or an ISO datetime") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def change_json(change: Change) -> dict:
    return {
        "id": change.id,
        "source_id": change.source_id,
        "detected_at": change.detected_at.isoformat() if change.detected_at else None,
        "summary": change.summary,
        "added": [i.to_dict() for i in change.added],
        "removed": [i.to_dict() for i in change.removed],
        "changed": [{"before": c.before.to_dict(), "after": c.after.to_dict()} for c in change.changed],
        "diff": list(change.diff),
    }


@main.command()
@click.option(
    "--source", "-s", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable)."
)
@click.option("--since", help="Only changes detected at or after this date (YYYY-MM-DD).")
@click.option("--limit", type=int, default=None, help="At most this many changes.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one change per line.")
@click.pass_obj
def history(
    settings: Settings, source_ids: tuple[str, ...], since: str | None, limit: int | None, as_json: bool
) -> None:
    """Detected changes, newest first."""
    store = settings.store(readonly=True)
    try:
        for change in store.changes(source_ids=source_ids, since=parse_since(since), limit=limit):
            if as_json:
                click.echo(json.dumps(change_json(change), ensure_ascii=False))
            else:
                when = change.detected_at.strftime("%Y-%m-%d %H:%M") if change.detected_at else "?"
                click.echo(
                    f"{change.id:>6}  {when}  {safe(change.source_id, 80)}  {safe(change.summary, 200)}"
                )
    finally:
        store.close()


@main.command()
@click.argument("change_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The change as JSON.")
@click.pass_obj
def show(settings: Settings, change_id: int, as_json: bool) -> None:
    """One change in full: items added, removed, changed, and the text diff."""
    store = settings.store(readonly=True)
    try:
        change = store.change(change_id)
        if change is None:
            raise WatchError(f"no change with id {change_id} (see `regwatch history`)")
        if as_json:
            click.echo(json.dumps(change_json(change), ensure_ascii=False, indent=2))
            return
        source = store.source_info(change.source_id)
        when = change.detected_at.isoformat() if change.detected_at else "?"
        click.echo(f"Change {change.id} of {safe(source.name)} ({safe(source.id)}), detected {when}")
        click.echo(f"Source: {safe(source.url)}")
        click.echo(f"Summary: {safe(change.summary)}")
        for label, items in (("Added", change.added), ("Removed", change.removed)):
            for item in items:
                date = f" ({safe(item.date)})" if item.date else ""
                click.echo(f"{label}: {safe(item.title)}{date} {safe(item.link)}")
        for pair in change.changed:
            click.echo(
                f"Changed: {safe(pair.before.title)} -> {safe(pair.after.title)} {safe(pair.after.link)}"
            )
        if change.diff:
            click.echo("Diff:")
            for line in change.diff:
                click.echo(f"  {safe(line, 2000)}")
    finally:
        store.close()
