"""Load httpx without its own command-line client (imported by the CLI before anything else).

`import httpx` imports `httpx._main`, httpx's `httpx` command, whenever rich, pygments and
click are installed, as they are here: ~40 ms of CPU and ~5 MB for every `regwatch` process,
for a command regwatch never runs. With `httpx._main` marked absent, httpx defines a stub
`httpx.main` instead (it says the command line is not installed) and is otherwise the same.
"""

from __future__ import annotations

import sys


def load() -> None:
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # import raises ImportError


load()
