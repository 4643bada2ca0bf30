"""`regwatch db check`: a read-only report on the database file (see `watcher.db.integrity`)."""

from __future__ import annotations

import json
import sys

import click

from watcher.cli.app import EXIT_FAILED, Settings, main
from watcher.db.integrity import check_database


@main.group()
def db() -> None:
    """The database file: check it."""


@db.command("check")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@click.pass_obj
def check_command(settings: Settings, as_json: bool) -> None:
    """Integrity, foreign keys, migration state and row counts of the database, read-only.

    Exit 0 when every check passed, 1 when any failed (restore the file from a backup).
    """
    report = check_database(settings.database)
    if as_json:
        data = {
            "database": report.path,
            "ok": report.ok,
            "checks": [{"name": f.name, "ok": f.ok, "detail": f.detail} for f in report.findings],
            "rows": dict(report.counts),
        }
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(f"database {report.path}")
        for finding in report.findings:
            click.echo(f"  {'OK' if finding.ok else 'FAIL':<5} {finding.name:<13} {finding.detail}")
        if report.counts:
            click.echo("  rows: " + ", ".join(f"{table} {n:,}" for table, n in report.counts))
        if not report.ok:
            click.echo(
                "the database is not usable as it is: restore it from a backup, or move it aside "
                "to start a new history",
                err=True,
            )
    if not report.ok:
        sys.exit(EXIT_FAILED)
