"""Load sqlite-utils without its optional numpy and pandas support (first thing the CLI does),
and with its module-level regexes compiled when first used.

sqlite-utils imports numpy and pandas when they are installed, only to store their values;
regwatch never passes any. Importing numpy costs every `regwatch` process ~0.1 s of CPU and
~12 MB of memory (`python -m watcher --help`: 70 -> 58 MB peak RSS). They are hidden only
while sqlite-utils loads: anything importing them later gets them as usual.

`sqlite_utils.db` compiles two patterns at import; one (the name of a virtual table's
module in its `CREATE VIRTUAL TABLE`, a verbose, case-insensitive pattern over the whole
`\u0080-\uffff` range) costs ~19 ms of CPU to compile, ~2% of a no-change check of 1,000
sources, for a property regwatch's checks never read. While sqlite-utils loads, `re.compile`
called from `sqlite_utils.db` in the importing thread returns a `LazyPattern`, which
compiles the same pattern (through `re`'s own cache) on its first use and then answers
exactly as the compiled pattern does.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from typing import Any

OPTIONAL = ("numpy", "pandas")
LAZY_MODULES = ("sqlite_utils.db",)


class LazyPattern:
    """A compiled regex made on first use: attribute access goes to `re.compile(pattern, flags)`."""

    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._source = (pattern, flags)
        self._compiled: re.Pattern[Any] | None = None

    def __getattr__(self, name: str) -> Any:  # what the instance lacks: all of `re.Pattern`'s
        if name in ("_source", "_compiled"):  # not set yet (a copy being made)
            raise AttributeError(name)
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return getattr(self._compiled, name)


def _import_with_lazy_patterns(name: str) -> None:
    real = re.compile
    importer = threading.get_ident()

    def compile_(pattern: Any, flags: int = 0) -> Any:
        if (
            threading.get_ident() == importer
            and isinstance(pattern, str | bytes)
            and sys._getframe(1).f_globals.get("__name__") in LAZY_MODULES
        ):
            return LazyPattern(pattern, flags)
        return real(pattern, flags)

    re.compile = compile_  # type: ignore[assignment]
    try:
        importlib.import_module(name)
    finally:
        re.compile = real


def load() -> None:
    if "sqlite_utils" in sys.modules:
        return
    hidden = [name for name in OPTIONAL if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        _import_with_lazy_patterns("sqlite_utils")
    finally:
        for name in hidden:
            del sys.modules[name]


load()
