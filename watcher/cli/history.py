"""`regwatch history` and `regwatch show`: the changes detected, filtered and formatted."""

from __future__ import annotations

import shutil
import sys

import click

from alerts.facts import text_lines
from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.cli.output import Column, closed_pipe_ok, format_options, to_json, write_rows
from watcher.cli.sidebyside import side_by_side
from watcher.cli.workflow import audit_rows, trail_lines
from watcher.dates.facts import change_facts
from watcher.errors import UnknownName
from watcher.history import queries as queries
from watcher.history.headline import record_headline
from watcher.history.queries import CHANGE_KINDS, Filters
from watcher.service.runner import utcnow
from watcher.timespec import parse_moment

HISTORY_COLUMNS = (
    Column("id", "ID", 6),
    Column("detected_at", "DETECTED (UTC)", 16, lambda v: (v or "")[:16].replace("T", " ")),
    Column("source_id", "SOURCE", 30),
    Column("kinds", "KIND", 15),
    Column("summary", "SUMMARY"),
)


def moment_option(value: str | None, *, end: bool = False, hint: str | None = None):
    """Parse a --since/--until value, or raise click.BadParameter with the accepted forms."""
    if not value:
        return None
    try:
        return parse_moment(value, utcnow(), end=end)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc


def filter_options(func):
    """--source/--tag/--jurisdiction/--regulator/--since/--until, shared by history commands."""
    options = [
        click.option(
            "--source", "-s", "sources", multiple=True, metavar="ID", help="Only this source (repeatable)."
        ),
        click.option(
            "--tag", "-t", "tags", multiple=True, help="Only sources with this tag (repeatable: any)."
        ),
        click.option(
            "--jurisdiction",
            "-j",
            "jurisdictions",
            multiple=True,
            help="Only this jurisdiction, e.g. US (repeatable).",
        ),
        click.option("--regulator", "regulators", multiple=True, help="Only this regulator (repeatable)."),
        click.option("--since", help="From this date: YYYY-MM-DD, an ISO datetime, today, or 7d (ago). UTC."),
        click.option("--until", help="Up to this date; a bare date includes that whole day. UTC."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def build_filters(
    sources=(), tags=(), jurisdictions=(), regulators=(), since=None, until=None, kinds=()
) -> Filters:
    return Filters(
        sources=tuple(sources),
        tags=tuple(tags),
        jurisdictions=tuple(jurisdictions),
        regulators=tuple(regulators),
        kinds=tuple(kinds),
        since=moment_option(since, hint="--since"),
        until=moment_option(until, end=True, hint="--until"),
    )


@main.command()
@filter_options
@click.option(
    "--kind",
    "-k",
    "kinds",
    multiple=True,
    type=click.Choice(list(CHANGE_KINDS)),
    help="Only changes with items added/removed/changed, or text edited (repeatable: any).",
)
@click.option("--limit", "-n", type=click.IntRange(min=1), default=None, help="At most this many changes.")
@format_options
@click.option("--raw-csv", is_flag=True, help="CSV cells as stored (no spreadsheet formula guard).")
@click.pass_obj
def history(settings: Settings, kinds, limit, fmt, raw_csv, **filters) -> None:
    """Detected changes, newest first, filtered by source, tag, jurisdiction, kind and date.

    \b
    Examples:
      regwatch history --tag hipaa --since 2025-01-01
      regwatch history --jurisdiction US --kind added --since 2024-07-01 --until 2024-09-30
      regwatch history --source us-hhs-hipaa-news --format csv > changes.csv
    """
    chosen = build_filters(kinds=kinds, **filters)
    store = settings.store(readonly=True)
    try:
        queries.require_sources(store.db, chosen.sources)
        rows = queries.changes(store.db, chosen, limit=limit)
        with closed_pipe_ok():
            write_rows(rows, fmt, sys.stdout, columns=HISTORY_COLUMNS, guard=not raw_csv)
    finally:
        store.close()


@main.command()
@click.argument("change_id", type=int)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["unified", "side-by-side", "json"]),
    default="unified",
    show_default=True,
    help="unified: items and a unified text diff; side-by-side: before | after columns.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--width", type=click.IntRange(min=60), default=None, help="Side-by-side width (default: terminal)."
)
@click.pass_obj
def show(settings: Settings, change_id: int, fmt: str, as_json: bool, width: int | None) -> None:
    """One change in full: items added, removed, changed, and the text diff."""
    store = settings.store(readonly=True)
    try:
        record = queries.change(store.db, change_id)
        if record is None:
            raise UnknownName(f"no change with id {change_id} (see `regwatch history`)")
        record["facts"] = change_facts(record)  # type, abstract, dates… per new/changed document
        record["headline"] = record_headline(record, record["facts"])  # the alert's leading line
        fmt = "json" if as_json else fmt
        with closed_pipe_ok():
            trail = store.actions(change_ids=[change_id]) if "alert_actions" in store.db.table_names() else []
            if fmt == "json":
                facts = {key: found.to_dict() for key, found in record["facts"].items()}
                record["actions"] = list(audit_rows(trail))
                click.echo(to_json({**record, "facts": facts}, indent=2))
            elif fmt == "side-by-side":
                _header(record)
                before = store.snapshot(record["before"])
                after = store.snapshot(record["after"])
                columns = width or shutil.get_terminal_size((160, 40)).columns
                for line in side_by_side(
                    before.text.splitlines() if before else [],
                    after.text.splitlines() if after else [],
                    width=columns,
                ):
                    click.echo(line)
            else:
                _header(record)
                print_changes(record)
            if fmt != "json" and trail:
                click.echo("Workflow:")
                for line in trail_lines(trail):
                    click.echo(line)
            if fmt != "json" and "evidence" in store.db.table_names():
                for kept in store.evidence_for_change(change_id)[-1:]:
                    click.echo(
                        f"Evidence: HTTP {kept.status} fetched {kept.fetched_at.isoformat()}"
                        f" sha256 {kept.body_sha256} (`regwatch evidence {change_id} -o FILE`)"
                    )
    finally:
        store.close()


def _header(record: dict) -> None:
    name = record["source_name"] or record["source_id"]
    click.echo(
        f"Change {record['id']} of {safe(name)} ({safe(record['source_id'])}),"
        f" detected {record['detected_at']}"
    )
    if record.get("headline"):
        click.echo(f"What changed: {safe(record['headline'], 300)}")
    click.echo(f"Source: {safe(record['url'])}")
    meta = [
        safe(record["jurisdiction"], 20),
        safe(record["regulator"], 80),
        ", ".join(safe(t, 40) for t in record["tags"]),
    ]
    if any(meta):
        click.echo(f"Jurisdiction: {meta[0] or '-'}  Regulator: {meta[1] or '-'}  Tags: {meta[2] or '-'}")
    click.echo(f"Summary: {safe(record['summary'])}")


def print_changes(record: dict) -> None:
    """Items added, removed and changed, then the text diff (show and diff)."""
    for label, key in (("Added", "added"), ("Removed", "removed")):
        for item in record[key]:
            date = f" ({safe(item.get('date'))})" if item.get("date") else ""
            click.echo(f"{label}: {safe(item.get('title'))}{date} {safe(item.get('link'))}".rstrip())
            if label == "Added" and item.get("key") in record["facts"]:
                for line in text_lines(record["facts"][item["key"]], indent="    "):
                    click.echo(line)
    for pair in record["changed"]:
        before, after = pair["before"], pair["after"]
        click.echo(
            f"Changed: {safe(before.get('title'))} -> {safe(after.get('title'))} {safe(after.get('link'))}"
        )
        for field in ("date", "link", "summary"):
            if before.get(field) != after.get(field):
                click.echo(f"    {field}: {safe(before.get(field))} -> {safe(after.get(field))}")
    if record["diff"]:
        click.echo("Diff:")
        for line in record["diff"]:
            click.echo(f"  {safe(line, 2000)}")
