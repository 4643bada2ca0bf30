"""The `regwatch` command line: a thin click layer over the engine.

Commands live in modules by topic (`alerts`, `checking`, `compare`, `database`, `deadlines`,
`doctor`, `explore`, `history`, `maintenance`, `related`, `service`, `setup`) and register on the
`main` group; a module is imported only when one of its commands runs (`watcher.cli.commands`
says which module holds which command). Errors become a message and an exit code, never a
traceback: 0 ok, 1 a source or delivery failed, 2 a configuration error or a database that
cannot be used.
"""

from __future__ import annotations

import watcher.cli.httpxlib  # first: httpx without its command line (rich, pygments)
import watcher.cli.sqlitelib  # noqa: F401  (first: sqlite-utils without numpy, 12 MB less)
from watcher.cli.app import main

__all__ = ["main"]
