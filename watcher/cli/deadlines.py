"""`regwatch deadlines`: upcoming (or recent) comment deadlines and effective dates."""

from __future__ import annotations

import sys
from datetime import UTC, date, timedelta

import click

from watcher.cli.app import Settings, main
from watcher.cli.history import build_filters, filter_options
from watcher.cli.output import Column, closed_pipe_ok, write_rows
from watcher.dates.calendar import to_ics
from watcher.dates.deadlines import KIND_LABEL, order, window
from watcher.history.queries import source_clause
from watcher.service.runner import utcnow
from watcher.timespec import parse_duration

COLUMNS = (
    Column("date", "DATE", 10),
    Column("days", "IN", 5, lambda v: "" if v is None else f"{v}d"),
    Column("kind", "WHAT", 26),
    Column("jurisdiction", "JUR", 4),
    Column("source_id", "SOURCE", 24),
    Column("title", "DOCUMENT", 60),
    Column("link", "LINK"),
)


def parse_within(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@main.command()
@click.option("--within", default="30d", show_default=True, help="How far ahead (or back, with --past).")
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice(["comment", "effective"]), help="Only this kind."
)
@click.option("--past", is_flag=True, help="Recent dates instead of upcoming ones (most recent first).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "jsonl", "csv", "ics"]),
    default="table",
    show_default=True,
    help="table, json (one array), jsonl, csv, or ics (an iCalendar file).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Count from this day (UTC).")
@filter_options
@click.pass_obj
def deadlines(settings: Settings, within, kinds, past, fmt, as_json, today, **filters) -> None:
    """Comment deadlines and effective dates across all documents, soonest first.

    Dates come from each source's structured fields, or from the document's words ("from
    text"). `--format ics` writes an iCalendar file: one all-day event per date, with
    stable UIDs so a re-import updates moved dates instead of duplicating them.
    """
    fmt = "json" if as_json else fmt
    filters.pop("since", None)
    filters.pop("until", None)
    day: date = today.date() if today else utcnow().astimezone(UTC).date()
    start, end = window(day, parse_within(within), past=past)
    where, params = source_clause(build_filters(**filters), "d.source_id")
    store = settings.store(readonly=True)
    try:
        found = order(store.document_dates(start, end, kinds=kinds, where=where, params=params), past=past)
    finally:
        store.close()
    with closed_pipe_ok():
        if fmt == "ics":
            sys.stdout.buffer.write(to_ics(found, stamp=utcnow()))
            sys.stdout.flush()
            return
        rows = []
        for deadline in found:
            row = deadline.to_row(day)
            if fmt == "table":
                row["kind"] = KIND_LABEL[deadline.kind] + (" (from text)" if deadline.from_text else "")
            rows.append(row)
        write_rows(rows, fmt, sys.stdout, columns=COLUMNS)
