"""A click group that imports each command's module only when that command is wanted.

`regwatch check` needs the checking code, not the history browser, the Slack test or the
scheduler: importing all 14 command modules up front cost every run ~8% of the instructions
of a one-source check (callgrind, bench/README.md round 4). The
group knows each command's name and module (`COMMANDS` in `watcher.cli.commands`); the
module is imported when the command is looked up, and registers itself on the group as it
always did (`@main.command()`). `list_commands` still names every command, so `--help`
lists them all (importing their modules to read their help).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

import click

from watcher import startup


class LazyGroup(click.Group):
    """A `click.Group` whose commands may live in modules not imported yet."""

    #: command name -> module that registers it on this group when imported
    lazy_commands: Mapping[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy_commands.get(cmd_name)
        if cmd_name not in self.commands and module is not None:
            importlib.import_module(module)
        startup.resume()  # the command is loaded: start-up is over (watcher/startup.py)
        return super().get_command(ctx, cmd_name)
