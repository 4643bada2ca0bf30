"""Where each `regwatch` command lives: the one list the command line loads commands from.

A new command: write it in a module of `watcher/cli/` with `@main.command()` and add its
name here (tests/test_cli_lazy.py fails when a registered command is missing).
"""

from __future__ import annotations

#: command name -> the module that defines it
COMMANDS: dict[str, str] = {
    "ack": "watcher.cli.workflow",
    "alerts": "watcher.cli.alerts",
    "assign": "watcher.cli.workflow",
    "audit": "watcher.cli.workflow",
    "catalog": "watcher.cli.setup",
    "channels": "watcher.cli.doctor",
    "check": "watcher.cli.checking",
    "db": "watcher.cli.database",
    "deadlines": "watcher.cli.deadlines",
    "deliver": "watcher.cli.checking",
    "demo": "watcher.cli.checking",
    "diff": "watcher.cli.compare",
    "digest": "watcher.cli.alerts",
    "dismiss": "watcher.cli.workflow",
    "doctor": "watcher.cli.doctor",
    "evidence": "watcher.cli.evidence",
    "export": "watcher.cli.explore",
    "history": "watcher.cli.history",
    "inbox": "watcher.cli.workflow",
    "init": "watcher.cli.setup",
    "kinds": "watcher.cli.setup",
    "related": "watcher.cli.related",
    "run": "watcher.cli.service",
    "search": "watcher.cli.explore",
    "show": "watcher.cli.history",
    "snapshot": "watcher.cli.explore",
    "snooze": "watcher.cli.workflow",
    "sources": "watcher.cli.setup",
    "status": "watcher.cli.service",
    "ui": "watcher.cli.maintenance",
    "vacuum": "watcher.cli.maintenance",
}

#: Every module that defines commands (imported all at once by `all_commands`).
MODULES = tuple(sorted(set(COMMANDS.values())))
