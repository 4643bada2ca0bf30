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


def find_entries(
    jurisdictions: tuple[str, ...] = (), tags: tuple[str, ...] = (), kinds: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Catalog entries in any of `jurisdictions`, with any of `tags`, of any of `kinds`
    (each filter ignored when empty; case-insensitive), in catalog order."""
    wanted_j = {j.upper() for j in jurisdictions}
    wanted_t = {t.lower() for t in tags}
    wanted_k = {k.lower() for k in kinds}
    result = []
    for entry in load_catalog():
        if wanted_j and str(entry.get("jurisdiction", "")).upper() not in wanted_j:
            continue
        if wanted_t and not wanted_t & {str(t).lower() for t in entry.get("tags", [])}:
            continue
        if wanted_k and str(entry.get("kind", "")).lower() not in wanted_k:
            continue
        result.append(entry)
    return result
