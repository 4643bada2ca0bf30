"""`regwatch doctor` (is everything ready?) and `regwatch channels test` (a marked test message)."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from rich.console import Console

from watcher.cli.app import EXIT_FAILED, Settings, main
from watcher.config_tables import suggest as _suggest
from watcher.doctor.checks import run_checks
from watcher.doctor.report import has_failures, render
from watcher.errors import ConfigError, DeliveryError
from watcher.model import Alert, Change, SourceInfo
from watcher.service.runner import build_channels, utcnow

TEST_SOURCE = "regwatch-test"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON document: every row.")
@click.pass_obj
def doctor(settings: Settings, as_json: bool) -> None:
    """Check the config, the database, every channel, robots.txt per source and Chromium.

    Sends nothing. Prints one row per check, OK, WARN or FAIL, with the fix for each
    problem. Exit 0 when nothing FAILed, 1 otherwise.
    """
    rows = run_checks(lambda: settings.config, lambda: settings.database)
    if as_json:
        click.echo(
            json.dumps({"ok": not has_failures(rows), "checks": [r.to_dict() for r in rows]}, indent=2)
        )
    else:
        render(rows, Console(highlight=False))
    if has_failures(rows):
        sys.exit(EXIT_FAILED)


@main.group()
def channels() -> None:
    """Alert channels: send a test message."""


@channels.command("test")
@click.argument("channel_id", required=False)
@click.pass_obj
def test_command(settings: Settings, channel_id: str | None) -> None:
    """Send a clearly marked test message to one channel (or every channel), now.

    It does not go through the outbox and is not stored. Exit 1 when a channel failed.
    """
    config = settings.config
    built = build_channels(config)
    try:
        if channel_id is not None and channel_id not in built:
            raise ConfigError(
                f"no channel with id {channel_id!r}"
                + _suggest(channel_id, list(built))
                + f"; channels: {', '.join(built)}"
            )
        failed = False
        for cid in [channel_id] if channel_id else list(built):
            try:
                receipt = built[cid].send(test_alert(cid, utcnow()))
            except DeliveryError as exc:
                click.echo(f"{cid}: FAILED: {exc}", err=True)
                failed = True
                continue
            link = f" {receipt.permalink}" if receipt.permalink else ""
            click.echo(f"{cid}: test message sent{link}")
    finally:
        for channel in built.values():
            channel.close()
    if failed:
        sys.exit(EXIT_FAILED)


def test_alert(channel_id: str, now: datetime) -> Alert:
    """A message no one can mistake for a regulator's change."""
    source = SourceInfo(
        id=TEST_SOURCE, name="TEST MESSAGE from regwatch (not a regulator change)", url="", kind="test"
    )
    change = Change(
        source_id=TEST_SOURCE,
        before="",
        after="",
        diff=(
            # As added lines: alerts show the changed lines of a text edit.
            f"+This is a test message sent by `regwatch channels test` to channel {channel_id}.",
            "+Nothing changed at any regulator; no action is needed.",
        ),
        summary="test message",
        detected_at=now,
    )
    return Alert(
        key=f"regwatch:test:{now.timestamp():.6f}:{channel_id}",
        channel=channel_id,
        source=source,
        change=change,
    )
