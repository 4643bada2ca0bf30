"""The `main` click group, shared options and the translation of errors to exit codes."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from watcher import __version__
from watcher.cli.commands import COMMANDS
from watcher.cli.lazy import LazyGroup
from watcher.config import Config, load_config
from watcher.db.store import Store
from watcher.db.trouble import explain
from watcher.db.waiting import WaitingChannel
from watcher.errors import ConfigError, DatabaseError, UnknownName, WatchError
from watcher.settings import resolve

if TYPE_CHECKING:
    from rich.console import Console

EXIT_FAILED = 1
EXIT_CONFIG = 2  # also a database that cannot be used: restarting will not fix either
EXIT_USAGE = 2  # like click's usage errors: the command line named something that is not there
EXIT_UNDELIVERED = 3  # check/deliver: changes are stored but some alerts failed permanently


#: Global options, accepted before or after the subcommand (`regwatch check --config x.toml`).
GLOBAL_VALUE_OPTIONS = frozenset(["--config", "--db", "--log-format"])
GLOBAL_FLAG_OPTIONS = frozenset(["-v", "--verbose"])


def hoist_global_options(args: Sequence[str], commands: Sequence[str]) -> list[str]:
    """Move global options written after the subcommand to before it, so click sees them.

    Everything after `--` is left alone, and so is everything when no subcommand is named.
    """
    args = list(args)
    position, index = None, 0
    while index < len(args):
        token = args[index]
        if token == "--":
            break
        if token in GLOBAL_VALUE_OPTIONS:
            index += 2
            continue
        if token in commands:
            position = index
            break
        index += 1
    if position is None:
        return args
    head, tail, hoisted = args[: position + 1], [], []
    index = position + 1
    while index < len(args):
        token = args[index]
        if token == "--":
            tail.extend(args[index:])
            break
        name = token.split("=", 1)[0]
        if name in GLOBAL_VALUE_OPTIONS:
            if "=" in token:
                hoisted.append(token)
            else:
                hoisted.extend(args[index : index + 2])
                index += 1
        elif token in GLOBAL_FLAG_OPTIONS or (
            len(token) > 2 and token.startswith("-v") and set(token[1:]) == {"v"}
        ):
            hoisted.append(token)
        else:
            tail.append(token)
        index += 1
    return hoisted + head + tail


class RegwatchGroup(LazyGroup):
    """Turns regwatch errors into one clear line and an exit code; loads commands lazily."""

    lazy_commands = COMMANDS

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_global_options(args, self.list_commands(ctx)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"regwatch: configuration error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except sqlite3.DatabaseError as exc:  # found damaged after it opened: the same one message
            settings = ctx.obj if isinstance(ctx.obj, Settings) else None
            problem = explain(settings.database if settings else "the database", exc)
            click.echo(f"regwatch: database error: {problem}", err=True)
            sys.exit(EXIT_CONFIG)
        except DatabaseError as exc:
            click.echo(f"regwatch: database error: {exc}", err=True)
            sys.exit(EXIT_CONFIG)
        except UnknownName as exc:
            click.echo(f"regwatch: error: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except WatchError as exc:
            click.echo(f"regwatch: error: {exc}", err=True)
            sys.exit(EXIT_FAILED)


@dataclass
class Settings:
    """What every command may need, resolved lazily from the global options."""

    config_path: str | None
    db_path: str | None
    verbose: int
    log_format: str
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            say_config(self._config, self.log_format)
        return self._config

    @property
    def database(self) -> str:
        """--db, else $REGWATCH_DB, else `database` in the config file, else regwatch.db."""
        chosen = resolve("database", flag=self.db_path)
        if chosen.origin in ("flag", "environment"):
            return str(chosen.value)
        database = self.config.database
        if self.config.path is not None and not os.path.isabs(database):
            # A relative database path in a config file is relative to that file.
            return str(self.config.path.parent / database)
        return database

    def source_rows(self) -> dict[str, dict[str, Any]]:
        """Each source's stored state by id; empty before the first check created the database."""
        if not Path(self.database).exists():
            return {}
        store = self.store(readonly=True)
        try:
            return {row["id"]: row for row in store.source_rows()}
        finally:
            store.close()

    def waiting_alerts(self, now: datetime) -> list[WaitingChannel]:
        """Alerts waiting for a retry, per channel; none before the first check."""
        if not Path(self.database).exists():
            return []
        store = self.store(readonly=True)
        try:
            return store.waiting_channels(now)
        finally:
            store.close()

    def store(self, *, readonly: bool = False) -> Store:
        if readonly and not Path(self.database).exists():
            raise WatchError(f"no database at {self.database} yet; run `regwatch check` first")
        return Store(self.database, readonly=readonly)


def say_config(config: Config, log_format: str) -> None:
    """Say once, on stderr, which configuration a command uses (a file, or the built-in default)."""
    if config.path is not None:
        message = f"config: {config.path} ({len(config.sources)} source(s))"
    else:
        message = (
            f"config: none found (no --config, $REGWATCH_CONFIG or ./regwatch.toml); using the built-in"
            f" default: the whole catalog ({len(config.sources)} sources), console alerts"
        )
    if log_format == "json":
        logging.getLogger("watcher.cli").info(message)
    else:
        click.echo(f"regwatch: {message}", err=True)


def setup_logging(verbose: int, log_format: str) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING if verbose < 2 else logging.INFO)


#: Structured fields that log calls pass with `extra=` and JSON lines carry as keys.
LOG_FIELDS = ("source_id", "status", "reason", "duration", "http_status", "change_id", "event")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in LOG_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


@click.group(cls=RegwatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regwatch")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./regwatch.toml, else the built-in default).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    help="SQLite database (default: from config, regwatch.db).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Log line format on stderr.",
)
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, db_path: str | None, verbose: int, log_format: str
) -> None:
    """regwatch: know within minutes, without noise, that a regulator changed something."""
    setup_logging(verbose, log_format)
    ctx.obj = Settings(config_path, db_path, verbose, log_format)


def console() -> Console:
    """A rich console that never interprets page text as markup (callers pass markup=False)."""
    from rich.console import Console  # only the commands that print tables load rich

    return Console(highlight=False, soft_wrap=True)


def select_sources(config: Config, ids: Sequence[str]):
    if not ids:
        return list(config.sources)
    return [config.source(i) for i in ids]
