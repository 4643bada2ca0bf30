"""`regwatch diff`: what a source changed between two moments, from its stored versions."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from typing import Any

import click

from watcher.check.diff import diff as diff_snapshots
from watcher.cli.app import Settings, main
from watcher.cli.history import moment_option, print_changes
from watcher.cli.output import closed_pipe_ok, to_json
from watcher.cli.sidebyside import side_by_side
from watcher.errors import WatchError
from watcher.history import queries as queries
from watcher.timespec import BARE_DATE


def _moment(value: str, hint: str) -> datetime:
    moment = moment_option(value, end=True, hint=hint)
    if BARE_DATE.match(value.strip()):
        moment -= timedelta(microseconds=1)  # a bare date means the end of that day
    return moment


@main.command("diff")
@click.argument("source_id")
@click.option(
    "--from", "start", required=True, help="YYYY-MM-DD (its end, UTC), an ISO datetime, or 30d (ago)."
)
@click.option("--to", "end", default="now", show_default=True, help="The later moment, in the same forms.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["unified", "side-by-side", "json"]),
    default="unified",
    show_default=True,
)
@click.option("--width", type=click.IntRange(min=60), default=None, help="Side-by-side width.")
@click.pass_obj
def compare(settings: Settings, source_id: str, start: str, end: str, fmt: str, width: int | None) -> None:
    """A source as it was at --from compared with how it was at --to (default: now).

    Uses the versions current at each moment (see `regwatch snapshot --list`); items are
    matched by identity, text by lines, as in alerts.

    \b
    Examples:
      regwatch diff us-hhs-security-rule --from 2024-03-01
      regwatch diff eu-edpb-news --from 2024-01-01 --to 2024-06-30 --format side-by-side
    """
    store = settings.store(readonly=True)
    try:
        queries.require_source(store.db, source_id)
        before_at, after_at = _moment(start, "--from"), _moment(end, "--to")
        if before_at > after_at:
            raise click.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
        versions = []
        for moment in (before_at, after_at):
            version = queries.version_at(store.db, source_id, moment)
            if version is None:
                raise WatchError(f"no version of {source_id} at or before {moment.isoformat()}")
            content = store.snapshot(version["snapshot"])
            if content is None:
                raise WatchError(
                    f"snapshot {version['snapshot']} of {source_id} is missing from the database"
                )
            versions.append((version, content))
        (old, before), (new, after) = versions
        change = diff_snapshots(source_id, before, after)
        record: dict[str, Any] = {
            "source_id": source_id,
            "from": {
                "at": before_at.isoformat(),
                "first_seen": old["first_seen"],
                "snapshot": old["snapshot"],
            },
            "to": {"at": after_at.isoformat(), "first_seen": new["first_seen"], "snapshot": new["snapshot"]},
            "same": change is None,
            "summary": change.summary if change else "no difference",
            "added": [i.to_dict() for i in change.added] if change else [],
            "removed": [i.to_dict() for i in change.removed] if change else [],
            "changed": [{"before": c.before.to_dict(), "after": c.after.to_dict()} for c in change.changed]
            if change
            else [],
            "diff": list(change.diff) if change else [],
        }
        click.echo(
            f"{source_id}: version of {old['first_seen']} (current at {before_at.isoformat()})"
            f" -> version of {new['first_seen']} (current at {after_at.isoformat()})",
            err=True,
        )
        with closed_pipe_ok():
            if fmt == "json":
                click.echo(to_json(record, indent=2))
            elif change is None:
                click.echo("no difference")
            elif fmt == "side-by-side":
                columns = width or shutil.get_terminal_size((160, 40)).columns
                for line in side_by_side(before.text.splitlines(), after.text.splitlines(), width=columns):
                    click.echo(line)
            else:
                click.echo(f"Summary: {record['summary']}")
                print_changes(record)
    finally:
        store.close()
