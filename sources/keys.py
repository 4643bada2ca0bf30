"""Items that share a key within one snapshot: kept apart and reported, never merged silently.

Two records of an API with the same `key` (eCFR versions sharing identifier and
amendment date) are different documents unless they are identical: the first keeps the
key, the next ones get `key#2`, `key#3` in the order the source lists them, and the
snapshot carries a warning (stored with the check, shown by `regwatch status` and
`regwatch sources`) so the source's key can be made more specific. Identical repeats
are one item, and are reported too.
"""

from __future__ import annotations

from dataclasses import replace

from sources.links import identity
from watcher.model import Item


def unique_items(
    items: list[Item], known: dict[str, str] | None = None
) -> tuple[list[Item], tuple[str, ...]]:
    """The items with distinct keys, and a warning when some had to be told apart or merged.
    `known` learns the identity of each key read (for the diff: `sources.links.remember_identities`)."""
    first: dict[str, Item] = {}
    counts: dict[str, int] = {}
    result: list[Item] = []
    renamed: list[str] = []
    merged = 0
    for item in items:
        same = identity(item.key)  # `http://x/a` and `https://x/a/` are one key too
        if known is not None:
            known[item.key] = same
        seen = first.get(same)
        if seen is None:
            first[same] = item
            counts[same] = 1
            result.append(item)
            continue
        if _same(seen, item):
            merged += 1
            continue
        counts[same] += 1
        result.append(replace(item, key=f"{seen.key}#{counts[same]}"))
        renamed.append(seen.key)
    warnings = []
    if renamed:
        keys = sorted(set(renamed))
        warnings.append(
            f"{len(renamed)} item(s) share a key with another ({keys[0]}"
            + (f" and {len(keys) - 1} more" if len(keys) > 1 else "")
            + "); kept apart as key#2, #3…; make the source's key more specific"
        )
    if merged:
        warnings.append(f"{merged} identical repeated item(s) read once")
    return result, tuple(warnings)


def _same(a: Item, b: Item) -> bool:
    """Identical but for the form of the key and link (a repeated entry, not another record)."""
    blank = {"key": "", "link": ""}
    return identity(a.link) == identity(b.link) and {**a.to_dict(), **blank} == {**b.to_dict(), **blank}
