"""`regwatch evidence`: export the responses behind a change or a version as a WARC file."""

from __future__ import annotations

from pathlib import Path

import click

from alerts.render import safe
from watcher.cli.app import Settings, main
from watcher.errors import WatchError
from watcher.service.runner import utcnow
from watcher.timespec import parse_moment


@main.command()
@click.argument("what", metavar="CHANGE_ID|SOURCE")
@click.option("--at", "at", default=None, help="For a SOURCE: the version current then (default: now).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The WARC file to write (e.g. change-12.warc.gz).",
)
@click.pass_obj
def evidence(settings: Settings, what: str, at: str | None, output: Path) -> None:
    """Write what the regulator's server answered (request, response, fetch time, sha256) as WARC.

    For a change: the response that produced it and the one it was compared with. For a
    source: the kept response of the version current at --at.
    """
    from watcher.history.evidence import export  # warcio only for this command

    store = settings.store(readonly=True)
    try:
        if what.isdigit():
            if not store.change_exists(int(what)):
                raise WatchError(f"no change with id {what} (see `regwatch history`)")
            kept = store.evidence_for_change(int(what))
        else:
            try:
                moment = parse_moment(at, utcnow(), end=True) if at else utcnow()
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--at") from None
            kept = store.evidence_at(what, moment)
        if not kept:
            raise WatchError(f"no evidence kept for {what!r} (responses are kept from this version on)")
        records = export(store, kept, output)
        for item in kept:
            click.echo(
                f"{item.fetched_at.isoformat(timespec='seconds')}  {item.kind:<8}  HTTP {item.status}"
                f"  sha256 {item.body_sha256}  {safe(item.final_url, 200)}"
            )
        click.echo(f"wrote {records} WARC records to {output}")
    finally:
        store.close()
