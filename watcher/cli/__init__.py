"""The `regwatch` command line: a thin click layer over the engine.

Commands live in modules by topic (`alerts`, `checking`, `compare`, `database`, `deadlines`,
`doctor`, `explore`, `history`, `maintenance`, `related`, `service`, `setup`) and register on the
`main` group; a module is imported only when one of its commands runs (`watcher.cli.commands`
says which module holds which command). Errors become a message and an exit code, never a
traceback: 0 ok, 1 a source or delivery failed, 2 a configuration error or a database that
cannot be used.
"""

from __future__ import annotations

from watcher import startup

startup.pause_for("regwatch")  # the console script: no garbage collection while it loads

import watcher.cli.httpxlib  # noqa: E402  (first: httpx without its command line (rich, pygments))
import watcher.cli.sqlitelib  # noqa: E402, F401  (first: sqlite-utils without numpy, 12 MB less)
from watcher.cli.app import main  # noqa: E402

__all__ = ["main"]
