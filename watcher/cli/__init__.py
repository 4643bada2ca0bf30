"""The `regwatch` command line: a thin click layer over the engine.

Commands live in modules by topic (`alerts`, `checking`, `compare`, `deadlines`, `explore`,
`history`, `maintenance`, `related`, `service`, `setup`) and register on the `main` group; errors
become a message and an exit code, never a traceback: 0 ok, 1 a source or delivery failed, 2 a
configuration error.
"""

from __future__ import annotations

from watcher.cli import (  # noqa: F401  (register commands)
    alerts,
    checking,
    compare,
    deadlines,
    explore,
    history,
    maintenance,
    related,
    service,
    setup,
)
from watcher.cli.app import main

__all__ = ["main"]
