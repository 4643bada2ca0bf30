"""`regwatch init`, `regwatch sources` and `regwatch kinds`: set up and inspect what is watched."""

from __future__ import annotations

import inspect
from pathlib import Path

import click

from alerts.registry import CHANNELS
from alerts.render import safe
from sources.registry import KINDS
from watcher.cli.app import Settings, main
from watcher.config import DEFAULT_CONFIG_NAME

STARTER = """# regwatch configuration: see README.md for every key.
database = "regwatch.db"
# allow_private = false   # true lets sources reach loopback/private addresses (local tests)
# contact = "mailto:compliance@example.com"   # added to the User-Agent, so sites can reach you

# Built-in regulator sources by id pattern (see `regwatch catalog`):
# catalog = ["us-hhs-*", "eu-edpb-*"]

[[sources]]
id = "us-hhs-hipaa-news"
name = "HHS OCR HIPAA newsroom"
url = "https://www.hhs.gov/hipaa/newsroom/index.html"
kind = "listing"
select = "li.usa-collection__item"
title = "h3 a"
link = "h3 a"
date = "time[datetime]"
every = "1h"
tags = ["hipaa", "privacy"]
jurisdiction = "US"
ignore = ['Page last reviewed: .*']

[[channels]]
id = "console"
kind = "console"

# [[channels]]
# id = "compliance"
# kind = "slack"
# slack_channel = "#compliance-alerts"
# token_env = "SLACK_BOT_TOKEN"
"""


@main.command()
@click.option(
    "--path",
    type=click.Path(dir_okay=False),
    default=DEFAULT_CONFIG_NAME,
    show_default=True,
    help="Where to write the config.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, force: bool) -> None:
    """Write a starter config file."""
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite)")
    target.write_text(STARTER, encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then run `regwatch check`")


@main.command("sources")
@click.pass_obj
def list_sources(settings: Settings) -> None:
    """Configured sources with their last check, last change and state."""
    config = settings.config
    rows = {}
    if Path(settings.database).exists():
        store = settings.store(readonly=True)
        try:
            rows = {row["id"]: row for row in store.source_rows()}
        finally:
            store.close()
    for source in config.sources:
        row = rows.get(source.id) or {}
        state = row.get("state", "new")
        if row.get("failures"):
            state += f" ({row['failures']} failure(s): {safe(row.get('last_reason') or '', 40)})"
        click.echo(
            f"{source.id:<36} {source.kind:<8} {state:<24} "
            f"checked {(row.get('last_check_at') or 'never')[:19]:<19}  "
            f"changed {(row.get('last_change_at') or 'never')[:19]:<19}  {source.url}"
        )


@main.command()
def kinds() -> None:
    """Source kinds and alert channels, with their documentation."""
    click.echo("Source kinds:\n")
    for name, cls in sorted(KINDS.items()):
        click.echo(f"  {name}")
        for line in (inspect.getdoc(cls) or "").splitlines():
            click.echo(f"      {line}")
        click.echo()
    click.echo("Alert channels:\n")
    for name, cls in sorted(CHANNELS.items()):
        click.echo(f"  {name}")
        for line in (inspect.getdoc(cls) or "").splitlines():
            click.echo(f"      {line}")
        click.echo()
