"""Compare two snapshots of one source: added/removed/changed items and a line diff of text."""

from __future__ import annotations

import difflib

from watcher.model import Change, Item, ItemChange, Snapshot

CONTEXT_LINES = 1


def diff(source_id: str, previous: Snapshot, current: Snapshot) -> Change | None:
    """The change from `previous` to `current`, or None when nothing meaningful differs.

    Items are matched by key; order changes are not changes. Text blocks are compared
    as lines. Snapshots are already normalized, so whitespace and ignored text never
    reach this point.
    """
    before_fp, after_fp = previous.fingerprint, current.fingerprint
    if before_fp == after_fp:
        return None
    old = {i.key: i for i in previous.items}
    new = {i.key: i for i in current.items}
    added = tuple(i for k, i in new.items() if k not in old)
    removed = tuple(i for k, i in old.items() if k not in new)
    changed = tuple(
        ItemChange(old[k], i) for k, i in new.items() if k in old and old[k].content() != i.content()
    )
    lines: tuple[str, ...] = ()
    if previous.blocks != current.blocks:
        lines = tuple(
            line
            for line in difflib.unified_diff(previous.blocks, current.blocks, lineterm="", n=CONTEXT_LINES)
            if not line.startswith(("---", "+++"))
        )
    change = Change(
        source_id=source_id,
        before=before_fp,
        after=after_fp,
        added=added,
        removed=removed,
        changed=changed,
        diff=lines,
    )
    if change.is_empty:
        return None
    return Change(**{**change.__dict__, "summary": summarize(change)})


def summarize(change: Change) -> str:
    """One line: '1 new item: "Title"', '+2 / -1 items', '3 lines edited'."""
    parts = []
    if change.added:
        first = _short(change.added[0])
        parts.append(
            f"1 new item: \u201c{first}\u201d"
            if len(change.added) == 1
            else f"{len(change.added)} new items, first \u201c{first}\u201d"
        )
    if change.removed:
        parts.append(f"{len(change.removed)} item(s) removed")
    # Same document, new file (a PDF re-uploaded under the same title): say "revised".
    revised = [c for c in change.changed if c.before.link != c.after.link and c.before.title == c.after.title]
    if revised:
        first = _short(revised[0].after)
        parts.append(
            f"1 document revised: \u201c{first}\u201d"
            if len(revised) == 1
            else f"{len(revised)} documents revised, first \u201c{first}\u201d"
        )
    if len(change.changed) > len(revised):
        parts.append(f"{len(change.changed) - len(revised)} item(s) changed")
    if change.diff:
        plus = sum(1 for line in change.diff if line.startswith("+"))
        minus = sum(1 for line in change.diff if line.startswith("-"))
        parts.append(f"text edited (+{plus} / -{minus} lines)")
    return "; ".join(parts)


def _short(item: Item, limit: int = 120) -> str:
    title = item.title or item.link
    return title if len(title) <= limit else title[: limit - 1] + "…"
