"""`regwatch vacuum` (retention) and `regwatch ui` (browse the history in Datasette)."""

from __future__ import annotations

from pathlib import Path

import click

from watcher.cli.app import Settings, main
from watcher.db.trouble import ensure_readable
from watcher.errors import WatchError
from watcher.history.retention import prune
from watcher.service.runner import utcnow
from watcher.timespec import parse_duration


def duration_option(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@main.command()
@click.option(
    "--keep",
    default="365d",
    show_default=True,
    callback=duration_option,
    help="Delete checks older than this (s/m/h/d/w/y). Changes and versions are always kept.",
)
@click.option(
    "--compact-after",
    default=None,
    callback=duration_option,
    help="Merge runs of identical unchanged checks older than this into one counted row (e.g. 30d).",
)
@click.option("--dry-run", is_flag=True, help="Only count what would go.")
@click.option("--no-vacuum", is_flag=True, help="Skip VACUUM (which rewrites the file and needs free disk).")
@click.pass_obj
def vacuum(settings: Settings, keep, compact_after, dry_run: bool, no_vacuum: bool) -> None:
    """Prune old checks, drop unreferenced snapshots, and give the space back.

    Every change, every version, every document and the snapshots they refer to are kept.
    """
    if not Path(settings.database).exists():
        raise WatchError(f"no database at {settings.database}")
    store = settings.store()
    try:
        report = prune(
            store.db,
            utcnow(),
            keep=keep,
            compact_after=compact_after,
            dry_run=dry_run,
            vacuum=not no_vacuum,
            path=settings.database,
        )
    finally:
        store.close()
    verb = "would delete" if report.dry_run else "deleted"
    click.echo(
        f"{verb} {report.checks_deleted} check(s) older than {keep.days} day(s), "
        f"{'would merge' if report.dry_run else 'merged'} {report.checks_compacted} unchanged check(s)"
        " into runs, "
        f"{verb} {report.snapshots_deleted} unreferenced snapshot(s)",
        err=True,
    )
    if not report.dry_run:
        click.echo(
            f"database {report.bytes_before / 1e6:.1f} MB -> {report.bytes_after / 1e6:.1f} MB", err=True
        )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
@click.pass_obj
def ui(settings: Settings, host: str, port: int) -> None:
    """Browse the history in Datasette (read-only): facets, full-text search, canned queries.

    Needs the `ui` extra: pip install 'regwatch[ui]'.
    """
    try:
        from watcher.history import ui as datasette_ui  # optional dependency: imported only when asked for
    except ImportError as exc:
        raise WatchError(f"the UI needs Datasette: pip install 'regwatch[ui]' ({exc})") from exc
    if not Path(settings.database).exists():
        raise WatchError(f"no database at {settings.database} yet; run `regwatch check` first")
    ensure_readable(settings.database)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving the history on {host}, not only this machine", err=True)
    click.echo(f"regwatch history at http://{host}:{port}/ (read-only; Ctrl-C to stop)", err=True)
    datasette_ui.serve(settings.database, host=host, port=port)
