"""`regwatch init`, `regwatch sources` and `regwatch kinds`: set up and inspect what is watched."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click

from alerts.registry import CHANNELS
from alerts.render import safe
from sources.catalog import find_entries
from sources.registry import KINDS
from watcher.cli.app import Settings, main
from watcher.cli.output import Column, closed_pipe_ok, format_options, write_rows
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


CATALOG_COLUMNS = (
    Column("id", "ID", 34),
    Column("jurisdiction", "JUR", 3),
    Column("kind", "KIND", 7),
    Column("regulator", "REGULATOR", 12),
    Column("name", "NAME", 40),
    Column("verified", "VERIFIED", 10, lambda v: v if isinstance(v, str) else ("yes" if v else "unverified")),
    Column("url", "URL"),
)


@main.command("catalog")
@_filters_option
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only entries of this source kind.")
@format_options
def list_catalog(
    jurisdictions: tuple[str, ...], tags: tuple[str, ...], kinds: tuple[str, ...], fmt: str
) -> None:
    """The built-in catalog of regulator sources (use ids or patterns in `catalog = [...]`)."""
    entries = find_entries(jurisdictions, tags, kinds)
    with closed_pipe_ok():
        write_rows(iter(entries), fmt, sys.stdout, columns=CATALOG_COLUMNS)
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


SOURCE_COLUMNS = (
    Column("id", "SOURCE", 34),
    Column("kind", "KIND", 7),
    Column("state", "STATE", 16),
    Column("last_check_at", "LAST CHECK", 16, lambda v: (v or "never")[:16].replace("T", " ")),
    Column("last_change_at", "LAST CHANGE", 16, lambda v: (v or "never")[:16].replace("T", " ")),
    Column("problem", "PROBLEM", 40),
    Column("url", "URL"),
)


@main.command("sources")
@format_options
@click.pass_obj
def list_sources(settings: Settings, fmt: str) -> None:
    """Configured sources with their last check, last change and state."""
    config = settings.config
    stored = settings.source_rows()
    rows = []
    for source in config.sources:
        row = stored.get(source.id) or {}
        problem = ""
        if row.get("failures"):
            problem = f"{row['failures']} failure(s): {safe(row.get('last_reason') or '', 60)}"
        elif row.get("last_warning"):
            problem = f"warning: {safe(row['last_warning'], 300)}"
        rows.append(
            {
                "id": source.id,
                "kind": source.kind,
                "state": row.get("state", "new"),
                "last_check_at": row.get("last_check_at"),
                "last_change_at": row.get("last_change_at"),
                "failures": row.get("failures") or 0,
                "problem": problem,
                "url": source.url,
            }
        )
    with closed_pipe_ok():
        write_rows(iter(rows), fmt, sys.stdout, columns=SOURCE_COLUMNS)


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
