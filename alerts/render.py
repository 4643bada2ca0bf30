"""Plain-text rendering of alerts (console, email text part), safe for terminals.

Page text is untrusted: control characters, invisible format characters (bidi controls,
zero-width characters: all of Unicode category Cf) and terminal escape sequences are
removed before anything is printed. `FORMAT_CHARACTERS` is shared by every channel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from alerts import changesummary, quiet, reminders, summary
from alerts.excerpt import diff_excerpts, field_excerpt
from alerts.excerpt_render import to_text
from alerts.facts import text_lines
from alerts.fieldchanges import evidence_for, field_changes, seen_by_line
from alerts.headline import headline_of
from alerts.invisible import FORMAT_CHARACTERS, JOINERS
from watcher.model import Alert, Change, Item, RelatedLink

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
FORMAT = re.compile(f"[{FORMAT_CHARACTERS}]")
CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{FORMAT_CHARACTERS}]")
__all__ = ["FORMAT", "FORMAT_CHARACTERS", "JOINERS", "render_text", "safe"]
MAX_ITEMS = 10
MAX_DIFF_LINES = 12
LINE_BUDGET = 500  # characters of one changed line: its changed words first, then context
LINE_CONTEXT = 100


def safe(text: str | None, limit: int = 500) -> str:
    """Untrusted text made terminal-safe and bounded."""
    text = text or ""
    # Printable ASCII (space to `~`) holds nothing either pattern removes (an escape sequence
    # starts with ESC, the other characters are controls or not ASCII): most titles, links,
    # dates and outcome lines, ~15 a delivered alert, skip both substitutions (~1-2 µs each).
    if not (text.isascii() and text.isprintable()):
        text = CONTROL.sub("", ANSI.sub("", text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def headline(alert: Alert) -> str:
    name = safe(alert.source.name or alert.source.id, 150)
    if alert.reminder is not None:
        return f"[regwatch] {safe(reminders.headline(alert.reminder), 300)}"
    if alert.summary is not None:
        return f"[regwatch] {summary.title(alert.summary)}"
    if alert.health is not None:
        state = quiet.WORDS[alert.health.state]
        return f"[regwatch] {name}: source {state}"
    if alert.change is not None:  # the line built from the change leads (alerts/headline.py)
        line = safe(headline_of(alert.change, alert.facts), 300) or safe(alert.change.summary, 150)
        return f"[regwatch] {name}: {line or 'changed'}"
    return f"[regwatch] {name}"


def item_line(item: Item) -> str:
    parts = [safe(item.title, 300)]
    if item.date:
        parts.append(f"({safe(item.date, 40)})")
    if item.link:
        parts.append(safe(item.link, 500))
    return " ".join(parts)


def related_line(link: RelatedLink) -> str:
    source = safe(link.source_name or link.source_id, 80)
    why = f" — {safe(link.reason, 120)}" if link.reason else ""
    return f"{safe(link.title, 200)} ({source}) {safe(link.link)}{why}"


def change_lines(alert: Alert, change: Change, *, color: bool = False) -> list[str]:
    lines = [f"  {safe(line, 1500)}" for line in changesummary.plain_lines(alert.change_summary)]
    for label, items in (("New", change.added), ("Removed", change.removed)):
        for item in items[:MAX_ITEMS]:
            lines.append(f"  {label}: {item_line(item)}")
            if label == "Removed" and evidence_for(change, item):
                lines.append(f"      {safe(evidence_for(change, item), 200)}")
            if label == "New" and item.key in alert.facts:
                lines.extend(text_lines(alert.facts[item.key]))
            document = alert.documents.get(item.key)
            if document:
                # The first lines of the followed document, folded to one quoted line.
                lines.append(f"      \u201c{safe(' '.join(document.split()), 300)}\u201d")
            for link in alert.related.get(item.key, ())[:3]:
                lines.append(f"      Related: {related_line(link)}")
        if len(items) > MAX_ITEMS:
            lines.append(f"  … and {len(items) - MAX_ITEMS} more {label.lower()} item(s)")
    for pair in change.changed[:MAX_ITEMS]:
        revised = pair.before.link != pair.after.link and pair.before.title == pair.after.title
        lines.append(f"  {'Revised' if revised else 'Changed'}: {item_line(pair.after)}")
        if pair.after.key in alert.facts:
            lines.extend(text_lines(alert.facts[pair.after.key]))
        if pair.before.title != pair.after.title:
            lines.append(f"      was: {safe(pair.before.title, 300)}")
        if pair.before.summary and pair.after.summary and pair.before.summary != pair.after.summary:
            summary = field_excerpt(pair.before.summary, pair.after.summary, budget=LINE_BUDGET, context=80)
            lines.append(f"      summary: {to_text(summary, color=color, mark=False)}")
        elif revised:
            lines.append(f"      previous file: {safe(pair.before.link, 500)}")
        lines.extend(f"      {safe(fc.text(), 300)}" for fc in field_changes(pair.before, pair.after))
    if len(change.changed) > MAX_ITEMS:
        lines.append(f"  … and {len(change.changed) - MAX_ITEMS} more changed item(s)")
    if change.also_seen_by:
        lines.append(f"  {safe(seen_by_line(change), 500)}")
    if change.diff:
        lines.append("  Diff:")
        lines.extend(f"    {line}" for line in diff_text_lines(change.diff, color=color))
        for link in alert.related.get("", ())[:3]:
            lines.append(f"  Related: {related_line(link)}")
    return lines


def diff_text_lines(diff: Sequence[str], *, color: bool = False) -> list[str]:
    """Changed lines as word-diff excerpts (`~ …context [-old-]{+new+} context… (+312 chars)`)."""
    excerpts = diff_excerpts(diff, budget=LINE_BUDGET, context=LINE_CONTEXT, limit=MAX_DIFF_LINES)
    out = [to_text(e, color=color) for e in excerpts]
    shown = sum(2 if e.kind == "edit" else 1 for e in excerpts)
    more = sum(1 for line in diff if line[:1] in "+-") - shown
    if more > 0:
        out.append(f"… {more} more changed line(s)")
    return out


def render_text(alert: Alert, *, color: bool = False) -> str:
    """A readable multi-line summary of one alert (or a digest of several); `color` marks
    deletions red and insertions green with terminal escapes (for a terminal only)."""
    if alert.reminder is not None:
        return safe(reminders.text(alert), 2000)
    if alert.summary is not None:
        return safe(summary.text(alert), 8000)
    if alert.batch:
        out = [f"[regwatch] digest: {len(alert.batch)} alert(s)"]
        for member in alert.batch:
            out.append("")
            out.append(render_text(member, color=color))
        return "\n".join(out)
    lines = [headline(alert)]
    meta = [safe(alert.source.url)]
    if alert.source.jurisdiction:
        meta.append(safe(alert.source.jurisdiction, 20))
    if alert.source.tags:
        meta.append(", ".join(safe(t, 40) for t in alert.source.tags))
    lines.append("  " + " · ".join(meta))
    if alert.health is not None:
        lines.append(f"  {safe(alert.health.reason, 500)}")
        if alert.health.failures:
            lines.append(f"  consecutive failures: {alert.health.failures}")
    if alert.change is not None:
        lines.extend(change_lines(alert, alert.change, color=color))
        if alert.change.id is not None:
            lines.append(f"  Full change: regwatch show {alert.change.id}")
    return "\n".join(lines)
