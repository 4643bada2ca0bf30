"""The `regwatch` command line: a thin click layer over the engine.

Commands live in modules by topic (`alerts`, `checking`, `history`, `service`, `setup`) and
register on the `main` group; errors become a message and an exit code, never a traceback:
0 ok, 1 a source or delivery failed, 2 a configuration error.
"""

from __future__ import annotations

from watcher.cli import alerts, checking, history, related, service, setup  # noqa: F401
from watcher.cli.app import main

__all__ = ["main"]
