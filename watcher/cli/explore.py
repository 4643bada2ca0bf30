"""`regwatch snapshot`, `regwatch search` and `regwatch export`: look into the past."""

from __future__ import annotations

import sys
from datetime import timedelta

import click

from alerts.render import safe
from watcher.cli.app import EXIT_FAILED, Settings, main
from watcher.cli.history import build_filters, filter_options, moment_option
from watcher.cli.output import Column, closed_pipe_ok, format_options, to_json, write_rows
from watcher.db.changesummaries import summary_columns
from watcher.errors import WatchError
from watcher.history import queries as queries
from watcher.history.search import GROUPS, MARK_CLOSE, MARK_OPEN, SCOPES, count_by
from watcher.history.search import search as run_search
from watcher.timespec import BARE_DATE

BOLD, RESET = "\x1b[1m", "\x1b[0m"
EXPORTS = {
    "changes": lambda db, f: (summary_columns(db, r) for r in queries.changes(db, f, oldest_first=True)),
    "items": lambda db, f: queries.items(db, f),
    "versions": lambda db, f: queries.versions(db, f),
    "checks": lambda db, f: queries.checks(db, f),
}


@main.command()
@click.argument("source_id")
@click.option(
    "--at",
    default="now",
    show_default=True,
    help="When: YYYY-MM-DD (its end, UTC), an ISO datetime, or 30d (ago).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--list", "list_versions", is_flag=True, help="List the source's versions instead.")
@click.pass_obj
def snapshot(settings: Settings, source_id: str, at: str, fmt: str, list_versions: bool) -> None:
    """A source's content as it was at a moment (the version current then).

    The version shown is the newest one first seen at or before --at; a note on stderr
    says when it was first and last seen and when it was replaced.
    """
    store = settings.store(readonly=True)
    try:
        queries.require_source(store.db, source_id)
        if list_versions:
            filters = build_filters(sources=(source_id,))
            with closed_pipe_ok():
                for row in queries.versions(store.db, filters):
                    change = f"change {row['change_id']}" if row["change_id"] else "baseline"
                    click.echo(f"{row['first_seen']}  {row['last_seen']}  {row['snapshot'][:12]}  {change}")
            return
        moment = moment_option(at, end=True, hint="--at")
        if BARE_DATE.match(at.strip()):
            moment -= timedelta(microseconds=1)  # the last instant of that day
        version = queries.version_at(store.db, source_id, moment)
        if version is None:
            first = next(iter(queries.versions(store.db, build_filters(sources=(source_id,)), limit=1)), None)
            when = (
                f"; its first version is from {first['first_seen']}" if first else "; it has no version yet"
            )
            raise WatchError(f"no version of {source_id} at or before {moment.isoformat()}{when}")
        content = store.snapshot(version["snapshot"])
        if content is None:
            raise WatchError(f"snapshot {version['snapshot']} of {source_id} is missing from the database")
        replaced = queries.next_version(store.db, source_id, version["id"], version["first_seen"])
        note = (
            f"{source_id} as of {moment.isoformat()}: version first seen {version['first_seen']},"
            f" last seen {version['last_seen']}"
        )
        note += f", replaced {replaced['first_seen']}" if replaced else " (still current)"
        day = at.strip() if BARE_DATE.match(at.strip()) else ""
        if day and version["first_seen"][:10] == day and version["change_id"]:
            note += (
                f"\nnote: this version appeared during {day} (at {version['first_seen'][11:16]} UTC);"
                " for the one before, give --at an earlier time"
            )
        click.echo(note, err=True)
        with closed_pipe_ok():
            if fmt == "json":
                data = {
                    "source_id": source_id,
                    "at": moment.isoformat(),
                    "version": {k: version[k] for k in ("first_seen", "last_seen", "snapshot", "change_id")},
                    "replaced_at": replaced["first_seen"] if replaced else None,
                    **content.to_dict(),
                    "text": content.text,
                }
                click.echo(to_json(data, indent=2))
            else:
                for line in content.text.splitlines():
                    click.echo(safe(line, 20_000))
    finally:
        store.close()


@main.command()
@click.argument("query")
@filter_options
@click.option("--limit", "-n", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
@click.option(
    "--in",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="Search only documents (items), changes, or page versions (repeatable; default all).",
)
@click.option("--newest", is_flag=True, help="Newest first instead of most relevant first.")
@click.option("--raw", is_flag=True, help="QUERY is FTS5 syntax (NEAR, column:term, parentheses).")
@click.option(
    "--count-by",
    "count_by_field",
    type=click.Choice(list(GROUPS)),
    default=None,
    help="Count every match per source, regulator, jurisdiction or tag instead of listing hits.",
)
@format_options
@click.pass_obj
def search(settings: Settings, query, limit, scopes, newest, raw, count_by_field, fmt, **filters) -> None:
    """Full-text search of documents, changes and every version's text, with snippets.

    Words must all appear (any order); "quoted phrases", prefix*, and OR / NOT between
    words work. Documents include their followed text (sources with follow = true) and
    are dated by publication; changes and versions by when they were detected.

    \b
    Examples:
      regwatch search "security rule" --source us-hhs-hipaa-news --since 2025-01-01
      regwatch search AI --in items --since 2024-07-01 --until 2024-09-30 --count-by regulator
    """
    chosen = build_filters(**filters)
    store = settings.store(readonly=True)
    try:
        queries.require_sources(store.db, chosen.sources)
        if count_by_field:
            rows = count_by(store.db, query, chosen, count_by_field, scopes=tuple(scopes) or SCOPES, raw=raw)
            columns = [Column(count_by_field, count_by_field.upper(), 40)]
            columns += [Column(k, k.upper(), 9) for k in (*(tuple(scopes) or SCOPES), "total")]
            with closed_pipe_ok():
                write_rows(iter(rows), fmt, sys.stdout, columns=columns)
            return
        hits = run_search(
            store.db, query, chosen, limit=limit, scopes=tuple(scopes) or SCOPES, raw=raw, newest_first=newest
        )
        with closed_pipe_ok():
            if fmt != "table":
                write_rows((h.to_dict() for h in hits), fmt, sys.stdout)
            elif not hits:
                click.echo("no matches", err=True)
            else:
                _print_hits(hits)
        if not hits:
            raise SystemExit(EXIT_FAILED)  # like grep: 1 when nothing matched
    finally:
        store.close()


def _print_hits(hits) -> None:
    bold = sys.stdout.isatty()
    for hit in hits:
        click.echo(_hit_line(hit))
        snippet = safe(hit.snippet.replace("\n", " "), 1000)
        start, end = (BOLD, RESET) if bold else ("**", "**")
        click.echo("    " + snippet.replace(MARK_OPEN, start).replace(MARK_CLOSE, end))


def _hit_line(hit) -> str:
    when = hit.at[:10]
    if hit.scope == "change":
        source, title = safe(hit.source_id, 60), safe(hit.title, 200)
        return f"change {hit.id}  {when}  {source}  {title}  (regwatch show {hit.id})"
    if hit.scope == "item":
        state = f", removed {hit.removed_at[:10]}" if hit.removed_at else ""
        return f"document  {when}{state}  {safe(hit.source_id, 60)}  {safe(hit.title, 200)}  {safe(hit.link)}"
    return (
        f"version  {when}  {safe(hit.source_id, 60)}  "
        f"(regwatch snapshot {safe(hit.source_id, 60)} --at {hit.at})"
    )


@main.command()
@filter_options
@click.option(
    "--what",
    type=click.Choice(list(EXPORTS)),
    default="changes",
    show_default=True,
    help="Which history to export.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "json"]), default="jsonl", show_default=True
)
@click.option("--raw-csv", is_flag=True, help="CSV cells as stored (no spreadsheet formula guard).")
@click.pass_obj
def export(settings: Settings, what: str, fmt: str, raw_csv: bool, **filters) -> None:
    """Stream history for other tools, oldest first: changes, items, versions or checks."""
    chosen = build_filters(**filters)
    store = settings.store(readonly=True)
    try:
        queries.require_sources(store.db, chosen.sources)
        with closed_pipe_ok():
            write_rows(EXPORTS[what](store.db, chosen), fmt, sys.stdout, guard=not raw_csv)
    finally:
        store.close()
