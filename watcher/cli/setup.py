"""`regwatch init`, `regwatch sources` and `regwatch kinds`: set up and inspect what is watched."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import click

from alerts.registry import CHANNELS
from alerts.render import safe
from sources.catalog import find_entries
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


CATALOG_STARTER = """# regwatch configuration: see README.md for every key.
# Written by `regwatch init{filters}`: built-in catalog entries chosen for you.
database = "regwatch.db"
# contact = "mailto:compliance@example.com"   # added to the User-Agent, so sites can reach you

# Built-in regulator sources (see `regwatch catalog`); patterns such as "us-fr-*" work too.
catalog = [
{entries}
]

# Override any catalog entry with a [[sources]] table of the same id, e.g.:
# [[sources]]
# id = "{example}"
# every = "30m"

[[channels]]
id = "console"
kind = "console"

# [[channels]]
# id = "compliance"
# kind = "slack"
# slack_channel = "#compliance-alerts"
# token_env = "SLACK_BOT_TOKEN"
"""


def _filters_option(command):
    command = click.option(
        "--jurisdiction",
        "-j",
        "jurisdictions",
        multiple=True,
        metavar="CODE",
        help="Only entries of this jurisdiction (IN, US, EU, UK; repeatable).",
    )(command)
    return click.option(
        "--tag", "-t", "tags", multiple=True, metavar="TAG", help="Only entries with this tag (repeatable)."
    )(command)


@main.command()
@click.option(
    "--path",
    type=click.Path(dir_okay=False),
    default=DEFAULT_CONFIG_NAME,
    show_default=True,
    help="Where to write the config.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@_filters_option
def init(path: str, force: bool, jurisdictions: tuple[str, ...], tags: tuple[str, ...]) -> None:
    """Write a starter config file; with --jurisdiction/--tag, one watching those catalog entries."""
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists (use --force to overwrite)")
    if jurisdictions or tags:
        entries = find_entries(jurisdictions, tags)
        if not entries:
            raise click.ClickException(
                "no catalog entry matches "
                + _describe_filters(jurisdictions, tags)
                + " (see `regwatch catalog` for jurisdictions and tags)"
            )
        lines = ",\n".join(f'    "{e["id"]}",   # {_comment(e)}' for e in entries)
        text = CATALOG_STARTER.format(
            filters=_filter_args(jurisdictions, tags), entries=lines, example=entries[0]["id"]
        )
        target.write_text(text, encoding="utf-8")
        click.echo(f"wrote {target} watching {len(entries)} catalog source(s); run `regwatch check`")
        return
    target.write_text(STARTER, encoding="utf-8")
    click.echo(f"wrote {target}; edit it, then run `regwatch check`")


@main.command("catalog")
@_filters_option
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only entries of this source kind.")
@click.option("--json", "as_json", is_flag=True, help="The entries as JSON (one object per line).")
def list_catalog(
    jurisdictions: tuple[str, ...], tags: tuple[str, ...], kinds: tuple[str, ...], as_json: bool
) -> None:
    """The built-in catalog of regulator sources (use ids or patterns in `catalog = [...]`)."""
    entries = find_entries(jurisdictions, tags, kinds)
    if as_json:
        for entry in entries:
            click.echo(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        return
    for entry in entries:
        flag = "" if entry.get("verified") else "  (unverified)"
        click.echo(
            f"{entry['id']:<34} {entry.get('jurisdiction', ''):<3} {entry['kind']:<8} "
            f"{entry.get('regulator', ''):<10} {entry.get('name', '')}{flag}"
        )
        click.echo(f"{'':<34} tags: {', '.join(entry.get('tags', []))}  {entry['url']}")
    click.echo(
        f"{len(entries)} catalog source(s)"
        + (f" matching {_describe_filters(jurisdictions, tags)}" if jurisdictions or tags else ""),
        err=True,
    )


def _comment(entry: dict) -> str:
    return " ".join(f"{entry.get('regulator', '')}: {entry.get('name', '')}".split())[:90]


def _describe_filters(jurisdictions: tuple[str, ...], tags: tuple[str, ...]) -> str:
    parts = []
    if jurisdictions:
        parts.append("jurisdiction " + "/".join(jurisdictions))
    if tags:
        parts.append("tag " + "/".join(tags))
    return " and ".join(parts)


def _filter_args(jurisdictions: tuple[str, ...], tags: tuple[str, ...]) -> str:
    return "".join(f" --jurisdiction {j}" for j in jurisdictions) + "".join(f" --tag {t}" for t in tags)


@main.command("sources")
@click.pass_obj
def list_sources(settings: Settings) -> None:
    """Configured sources with their last check, last change and state."""
    config = settings.config
    rows = settings.source_rows()
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
        if row.get("last_warning"):
            click.echo(f"{'':<36} warning: {safe(row['last_warning'], 300)}")


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
    for name, channel_cls in sorted(CHANNELS.items()):
        click.echo(f"  {name}")
        for line in (inspect.getdoc(channel_cls) or "").splitlines():
            click.echo(f"      {line}")
        click.echo()
