"""Plain-text rendering of alerts (console, email text part), safe for terminals.

Page text is untrusted: control characters and terminal escape sequences are removed
before anything is printed.
"""

from __future__ import annotations

import re

from watcher.model import Alert, Change, Item, RelatedLink

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_ITEMS = 10
MAX_DIFF_LINES = 12


def safe(text: str | None, limit: int = 500) -> str:
    """Untrusted text made terminal-safe and bounded."""
    text = CONTROL.sub("", ANSI.sub("", text or ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def headline(alert: Alert) -> str:
    name = safe(alert.source.name or alert.source.id, 150)
    if alert.health is not None:
        state = "BROKEN" if alert.health.state == "broken" else "recovered"
        return f"[regwatch] {name}: source {state}"
    if alert.change is not None:
        return f"[regwatch] {name}: {safe(alert.change.summary, 150) or 'changed'}"
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


def change_lines(alert: Alert, change: Change) -> list[str]:
    lines: list[str] = []
    for label, items in (("New", change.added), ("Removed", change.removed)):
        for item in items[:MAX_ITEMS]:
            lines.append(f"  {label}: {item_line(item)}")
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
        if pair.before.title != pair.after.title:
            lines.append(f"      was: {safe(pair.before.title, 300)}")
        elif revised:
            lines.append(f"      previous file: {safe(pair.before.link, 500)}")
    if len(change.changed) > MAX_ITEMS:
        lines.append(f"  … and {len(change.changed) - MAX_ITEMS} more changed item(s)")
    if change.diff:
        lines.append("  Diff:")
        for line in change.diff[:MAX_DIFF_LINES]:
            lines.append(f"    {safe(line, 300)}")
        if len(change.diff) > MAX_DIFF_LINES:
            lines.append(f"    … {len(change.diff) - MAX_DIFF_LINES} more diff line(s)")
        for link in alert.related.get("", ())[:3]:
            lines.append(f"  Related: {related_line(link)}")
    return lines


def render_text(alert: Alert) -> str:
    """A readable multi-line summary of one alert (or a digest of several)."""
    if alert.batch:
        out = [f"[regwatch] digest: {len(alert.batch)} alert(s)"]
        for member in alert.batch:
            out.append("")
            out.append(render_text(member))
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
        lines.extend(change_lines(alert, alert.change))
        if alert.change.id is not None:
            lines.append(f"  Full change: regwatch show {alert.change.id}")
    return "\n".join(lines)
