"""Load sqlite-utils without its optional numpy and pandas support (first thing the CLI does).

sqlite-utils imports numpy and pandas when they are installed, only to store their values;
regwatch never passes any. Importing numpy costs every `regwatch` process ~0.1 s of CPU and
~12 MB of memory (`python -m watcher --help`: 70 -> 58 MB peak RSS). They are hidden only
while sqlite-utils loads: anything importing them later gets them as usual.
"""

from __future__ import annotations

import importlib
import sys

OPTIONAL = ("numpy", "pandas")


def load() -> None:
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        importlib.import_module("sqlite_utils")
    finally:
        for name in hidden:
            del sys.modules[name]


load()
