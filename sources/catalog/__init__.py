"""The built-in catalog of regulator sources: data in `*.toml` files beside this module.

Each file holds `[[sources]]` tables with the usual source keys plus `regulator`,
`jurisdiction`, `tags` and `verified` (false until checked against the live site).
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Any], ...]:
    entries: list[dict[str, Any]] = []
    for path in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
        if path.name.endswith(".toml"):
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            for entry in data.get("sources", []):
                entries.append({**entry, "_file": path.name})
    return tuple(entries)


def load_catalog() -> list[dict[str, Any]]:
    """Every catalog entry as a raw source table (copies; callers may modify them)."""
    return [{k: v for k, v in e.items() if k != "_file"} for e in _load()]
