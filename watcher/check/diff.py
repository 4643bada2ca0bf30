"""Compare two snapshots of one source: added/removed/changed items and a line diff of text."""

from __future__ import annotations

import difflib

from alerts.fieldchanges import field_changes
from sources.links import known_identities
from watcher.check.matching import match_items
from watcher.check.window import classify
from watcher.model import Change, Item, Snapshot

CONTEXT_LINES = 1


def diff(source_id: str, previous: Snapshot, current: Snapshot, *, removals: str = "alert") -> Change | None:
    """The change from `previous` to `current`, or None when nothing differs at all.

    Items are matched by identity (watcher/check/matching.py); order changes are not
    changes; items that left the list are split into removed and aged out by the
    `removals` policy (watcher/check/window.py). Text blocks are compared as lines.
    Snapshots are already normalized, so whitespace and ignored text never reach this
    point. A change that is only aged-out items or cosmetic key renames is returned
    (it is recorded) but `is_empty` (it is not alerted).
    """
    before_fp, after_fp = previous.fingerprint, current.fingerprint
    if before_fp == after_fp:
        return None
    # The identities of the current keys the extraction knew (sources/links.py): most
    # stored keys are among them.
    known = known_identities(current)
    matched = match_items(previous.items, current.items, known)
    added, changed = matched.added, matched.changed
    vanished = classify(previous.items, current.items, matched.vanished, removals, known)
    removed = vanished.removed
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
        aged_out=vanished.aged_out,
        evidence=vanished.evidence,
        renamed=matched.renamed,
    )
    if change.is_empty and not (change.aged_out or change.renamed):
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
        part = f"{len(change.changed) - len(revised)} item(s) changed"
        pair = next((c for c in change.changed if c not in revised), None)
        moved = field_changes(pair.before, pair.after) if pair is not None else []
        if moved and pair is not None and pair.before.title == pair.after.title:
            part += f" ({moved[0].text()}" + (f", +{len(moved) - 1} more" if len(moved) > 1 else "") + ")"
        parts.append(part)
    if change.diff:
        plus = sum(1 for line in change.diff if line.startswith("+"))
        minus = sum(1 for line in change.diff if line.startswith("-"))
        parts.append(f"text edited (+{plus} / -{minus} lines)")
    if not parts and change.aged_out:
        parts.append(f"{len(change.aged_out)} older item(s) left the window")
    return "; ".join(parts)


def _short(item: Item, limit: int = 120) -> str:
    title = item.title or item.link
    return title if len(title) <= limit else title[: limit - 1] + "…"
