"""The model-free summary line that leads every alert, built from the change itself.

e.g. "2 paragraphs edited under "Risk analysis"; comment deadline 2025-03-07 → 2025-04-07;
1 new Proposed Rule". It only counts and names what the change holds, so it is right by
construction where the change is right.
"""

from __future__ import annotations

from collections import Counter

from watcher.model import Change, Item

FIELD_NAMES = {
    "comments_close_on": "comment deadline",
    "effective_on": "effective date",
    "type": "type",
    "removed": "removed",
    "amendment_date": "amendment date",
    "issue_date": "issue date",
    "status": "status",
    "version": "version",
}
MAX_HEADING = 80


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s" if not word.endswith("y") else f"{n} {word[:-1]}ies"


def _looks_like_heading(line: str) -> bool:
    text = line.strip()
    return 2 <= len(text) <= MAX_HEADING and not text.endswith((".", ",", ";", ":")) and text[:1].isupper()


def text_edits(diff: tuple[str, ...]) -> str:
    """ "2 paragraphs edited, 1 added under "Heading"" from a unified diff of text blocks."""
    edited = added = removed = 0
    headings: list[str | None] = []
    run_minus = run_plus = 0
    context: list[str] = []

    def close_run() -> None:
        nonlocal edited, added, removed, run_minus, run_plus
        pairs = min(run_minus, run_plus)
        edited += pairs
        added += run_plus - pairs
        removed += run_minus - pairs
        if run_minus or run_plus:
            heading = next((c for c in reversed(context) if _looks_like_heading(c)), None)
            if heading not in headings:
                headings.append(heading)  # None: an edit whose section is not known
        run_minus = run_plus = 0

    for line in diff:
        if line.startswith("@@"):
            close_run()
            context = []
        elif line.startswith("-"):
            run_minus += 1
        elif line.startswith("+"):
            run_plus += 1
        else:
            close_run()
            context.append(line[1:] if line.startswith(" ") else line)
    close_run()
    parts = []
    if edited:
        parts.append(f"{_plural(edited, 'paragraph')} edited")
    if added:
        parts.append(f"{added} added" if parts else f"{_plural(added, 'paragraph')} added")
    if removed:
        parts.append(f"{removed} removed" if parts else f"{_plural(removed, 'paragraph')} removed")
    if not parts:
        return ""
    where = f' under "{headings[0]}"' if len(headings) == 1 and headings[0] else ""
    return ", ".join(parts) + where


def field_changes(before: Item, after: Item) -> list[str]:
    old, new = dict(before.fields), dict(after.fields)
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (k not in FIELD_NAMES, k)):
        if old.get(key) != new.get(key):
            name = FIELD_NAMES.get(key, key.replace("_", " "))
            out.append(f"{name} {old.get(key) or '-'} → {new.get(key) or '-'}")
    if before.date != after.date and not out:
        out.append(f"date {before.date or '-'} → {after.date or '-'}")
    return out


def new_documents(items: tuple[Item, ...]) -> str:
    kinds = Counter(dict(i.fields).get("type") or "" for i in items)
    parts = []
    for kind, n in sorted(kinds.items(), key=lambda kv: (kv[0] == "", -kv[1], kv[0])):
        parts.append(f"{n} new {kind}" if kind else f"{n} new document{'s' if n != 1 else ''}")
    return ", ".join(parts)


def extractive_summary(change: Change) -> str:
    """One line that says what the change holds, most telling first."""
    parts = []
    edits = text_edits(change.diff)
    if edits:
        parts.append(edits)
    if len(change.changed) == 1:
        pair = change.changed[0]
        changes = field_changes(pair.before, pair.after)
        if pair.before.title != pair.after.title:
            changes.insert(0, "title changed")
        parts.extend(changes[:3] or ["1 document changed"])
    elif change.changed:
        parts.append(f"{len(change.changed)} documents changed")
    if change.added:
        parts.append(new_documents(change.added))
    if change.removed:
        parts.append(f"{len(change.removed)} no longer listed")
    return "; ".join(parts)
