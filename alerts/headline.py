"""The line that leads every change alert, built from the change itself (no model).

e.g. `2 paragraphs edited under "Risk analysis"; comment deadline moved 7 March → 7 April
2025; 1 new Proposed Rule`. It only counts and names what the change holds (text edits with
the nearest heading the diff shows, field changes of updated documents, new documents by
type, removals), so it is right where the change is right. Pure: a Change and the documents'
facts in, plain text out. The text holds page words (a heading, a field value): every
channel escapes it like any page text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

from alerts.fieldchanges import LABELS, FieldChange, field_changes
from alerts.worddiff import pair_lines
from watcher.model import Change, DocumentFacts, Item

MAX_HEADING = 80  # a heading longer than this is a paragraph
MAX_LINE = 300
FIELDS_SHOWN = 3  # field changes named one by one; more read "N documents updated"
SHORT_VALUE = 40  # a longer field value (an abstract) is named as edited, not quoted
NONE = "(none)"  # alerts.fieldchanges' word for a value absent on one side
HEADING_END = (".", ",", ";", ":", "!", "?")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]{0,7}\b|\b(?:am|pm|utc|gmt)\b",
    re.IGNORECASE,
)
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def plural(n: int, word: str) -> str:
    """`1 paragraph`, `2 paragraphs`, `2 new Policies`, `3 new Press Releases`."""
    if n == 1 or word.endswith("s"):
        return f"{n} {word}"
    if word.endswith("y") and word[-2:-1].lower() not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


def is_heading(line: str) -> bool:
    """A short line that starts with a capital (or a number) and does not end a sentence;
    not a bare date ("October 20, 2024", "Fri, 05/03/2019 - 15:21"), which lists put above items."""
    text = " ".join(line.split())
    if not 2 <= len(text) <= MAX_HEADING or text.endswith(HEADING_END):
        return False
    if not any(c.isalpha() for c in DATE_WORDS.sub("", text)):
        return False
    return text[:1].isupper() or text[:1].isdigit()


def text_edits(diff: Sequence[str]) -> str:
    """`2 paragraphs edited, 1 added under "Heading"` from a unified diff of text blocks.

    A removed and an added line that are edits of each other (the pairing the alert body
    uses, `alerts.worddiff.pair_lines`) count as one edited paragraph; the heading is the
    nearest heading-like context line above each run of changes within its hunk.
    """
    counts = Counter[tuple[str, str]]()
    headings: list[str | None] = []
    seen: set[str | None] = set()
    removed: list[str] = []
    added: list[str] = []
    context: list[str] = []

    def close_run() -> None:
        if not (removed or added):
            return
        for i, j in pair_lines(removed, added):
            lines = [removed[i]] if i is not None else []
            lines += [added[j]] if j is not None else []
            unit = "heading" if all(is_heading(x) for x in lines) else "paragraph"
            verb = "edited" if len(lines) == 2 else "removed" if i is not None else "added"
            counts[unit, verb] += 1
        heading = next((" ".join(c.split()) for c in reversed(context) if is_heading(c)), None)
        if heading not in seen:
            seen.add(heading)
            headings.append(heading)
        removed.clear()
        added.clear()

    for line in diff:  # pair_lines bounds its own work (MAX_PAIRING)
        marker = line[:1]
        if line.startswith("@@"):
            close_run()
            context.clear()
        elif marker == "-":
            if added:  # a new run: "-a +b -c +d" is two runs, as the alert body reads it
                close_run()
            removed.append(line[1:])
        elif marker == "+":
            added.append(line[1:])
        else:
            close_run()
            context.append(line[1:])
    close_run()
    words = []
    for unit in ("paragraph", "heading"):
        first = True
        for verb in ("edited", "added", "removed"):
            n = counts[unit, verb]
            if n:
                words.append(f"{plural(n, unit)} {verb}" if first else f"{n} {verb}")
                first = False
    if not words:
        return ""
    named = [h for h in headings if h]
    where = ""
    if len(headings) == 1 and named:
        where = f' under "{named[0]}"'
    elif len(headings) == 2 and len(named) == 2:
        where = f' under "{named[0]}" and "{named[1]}"'
    return ", ".join(words) + where


def day(text: str) -> date | None:
    if not ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def day_text(text: str) -> str:
    """`7 March 2025` for an ISO day, anything else as it is."""
    d = day(text)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else text


def moved(before: str, after: str) -> str:
    """`7 → 21 March 2025`, `7 March → 7 April 2025`, or the two values as they are."""
    a, b = day(before), day(after)
    if a is None or b is None:
        return f"{before} → {after}"
    if a.year != b.year:
        return f"{a.day} {MONTHS[a.month - 1]} {a.year} → {b.day} {MONTHS[b.month - 1]} {b.year}"
    if a.month != b.month:
        return f"{a.day} {MONTHS[a.month - 1]} → {b.day} {MONTHS[b.month - 1]} {b.year}"
    return f"{a.day} → {b.day} {MONTHS[b.month - 1]} {b.year}"


def field_phrase(change: FieldChange) -> str:
    """`comment deadline moved 7 March → 7 April 2025`, `type Proposed Rule → Rule`,
    `abstract edited` (a long value is not quoted in one line)."""
    label = LABELS.get(change.name, change.name.replace("_", " "))
    if day(change.before) and day(change.after):
        return f"{label} moved {moved(change.before, change.after)}"
    if change.before == NONE and day(change.after):
        return f"{label} set to {day_text(change.after)}"
    if change.after == NONE and day(change.before):
        return f"{label} {day_text(change.before)} withdrawn"
    if max(len(change.before), len(change.after)) > SHORT_VALUE:
        return f"{label} edited"
    return change.text()


def same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def updated(pairs: Sequence[tuple[Item, Item]]) -> list[str]:
    """What changed in updated documents: each field by name when there are few, else a count."""
    phrases: list[str] = []
    for before, after in pairs:
        if before.title != after.title:
            phrases.append("title edited")
        fields = field_changes(before, after)
        phrases.extend(field_phrase(fc) for fc in fields)
        if before.summary != after.summary and not any(same_text(fc.after, after.summary) for fc in fields):
            phrases.append("summary edited")  # unless a field (the abstract) is the summary
        if before.link != after.link and before.title == after.title:
            phrases.append(
                "1 PDF revised" if after.link.lower().split("?")[0].endswith(".pdf") else "1 document revised"
            )
    distinct = list(dict.fromkeys(phrases))
    if len(pairs) == 1:
        return distinct[:FIELDS_SHOWN] or ["1 document updated"]
    if len(distinct) <= FIELDS_SHOWN and len(phrases) == len(distinct):
        return distinct  # each document's one change, by name
    return [f"{len(pairs)} documents updated"]


def new_documents(items: Sequence[Item], facts: Mapping[str, DocumentFacts]) -> str:
    """`1 new Proposed Rule`, `2 new Rules, 1 new document`: by type where the type is known."""

    def kind(item: Item) -> str:
        known = dict(item.fields).get("type") or (facts[item.key].type if item.key in facts else "")
        return " ".join(known.split())[:60]

    kinds = Counter(kind(i) for i in items)
    parts = []
    for name, n in sorted(kinds.items(), key=lambda kv: (kv[0] == "", -kv[1], kv[0])):
        parts.append(plural(n, f"new {name or 'document'}"))
    comment = facts[items[0].key].comment if len(items) == 1 and items[0].key in facts else None
    if comment is not None:
        parts[-1] += f" (comments close {day_text(comment.on)}{', from text' if comment.from_text else ''})"
    return ", ".join(parts)


def headline_of(change: Change, facts: Mapping[str, DocumentFacts] | None = None) -> str:
    """One line that says what the change holds, most telling first; "" when it holds nothing."""
    facts = facts or {}
    parts = []
    edits = text_edits(change.diff)
    if edits:
        parts.append(edits)
    if change.changed:
        parts.extend(updated([(p.before, p.after) for p in change.changed]))
    if change.added:
        parts.append(new_documents(change.added, facts))
    if change.removed:
        parts.append(f"{plural(len(change.removed), 'document')} no longer listed")
    line = " ".join("; ".join(parts).split())  # one line, whatever the page's values hold
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 1] + "…"
