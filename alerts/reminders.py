"""Reminders of coming document dates (and corrections of moved ones), per channel.

A reminder reads: "⏰ Comments close in 3 days (Mon 12 Feb 2024): <document>", with the
document's type and source; a correction: "📅 Date moved: comments now close 1 Mar 2024
(was 12 Feb 2024)". Dates read from the document's words say "(from text)". Escaped per
channel like every alert; Slack posts them in the thread of the document's first alert.
"""

from __future__ import annotations

import html
from datetime import date
from typing import Any

from alerts.mrkdwn import clean, link, short, truncate
from watcher.model import Alert, Reminder

WHAT = {
    "comment": ("Comments close", "comments now close"),
    "effective": ("Takes effect", "now takes effect"),
}


def day_text(iso_day: str | None) -> str:
    if not iso_day:
        return ""
    try:
        return date.fromisoformat(iso_day).strftime("%a %d %b %Y")
    except ValueError:
        return iso_day


def when_text(days: int) -> str:
    if days <= 0:
        return "today"
    return "tomorrow" if days == 1 else f"in {days} days"


def headline(reminder: Reminder) -> str:
    """One line, plain (callers escape): what, when, and which document."""
    label, moved = WHAT[reminder.date.kind]
    marker = " (from text)" if reminder.date.from_text else ""
    title = " ".join(clean(reminder.title).split())
    if reminder.kind == "correction":
        was = f" (was {day_text(reminder.previous_on)})" if reminder.previous_on else ""
        return f"📅 Date moved: {moved} {day_text(reminder.date.on)}{marker}{was}: {title}"
    return f"⏰ {label} {when_text(reminder.days_left)} ({day_text(reminder.date.on)}){marker}: {title}"


def text(alert: Alert) -> str:
    reminder = alert.reminder
    assert reminder is not None
    name = alert.source.name or alert.source.id
    lines = [f"[regwatch] {truncate(headline(reminder), 400)}"]
    detail = [p for p in (reminder.type, name, alert.source.jurisdiction) if p]
    lines.append("  " + truncate(" · ".join(" ".join(clean(p).split()) for p in detail), 300))
    if reminder.link:
        lines.append(f"  {truncate(clean(reminder.link), 500)}")
    return "\n".join(lines)


def slack_blocks(alert: Alert) -> tuple[tuple[dict, ...], str]:
    """(blocks, fallback text) of a reminder message."""
    reminder = alert.reminder
    assert reminder is not None
    first = short(headline(reminder).rsplit(": ", 1)[0], 300)
    document = link(reminder.link, reminder.title, limit=200) if reminder.link else short(reminder.title, 200)
    name = alert.source.name or alert.source.id
    context = " · ".join(short(p, 100) for p in (reminder.type, name, alert.source.jurisdiction) if p)
    blocks = (
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{first}*\n{document}", "verbatim": True}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": context or "regwatch", "verbatim": True}],
        },
    )
    return blocks, truncate(short(headline(reminder), 900), 1000)


def html_body(alert: Alert) -> str:
    reminder = alert.reminder
    assert reminder is not None
    title = html.escape(truncate(headline(reminder), 400))
    parts = [f"<h3>{title}</h3>"]
    if reminder.link.startswith(("https://", "http://")):
        parts.append(
            f'<p><a href="{html.escape(reminder.link, quote=True)}">{html.escape(reminder.title)}</a></p>'
        )
    return "".join(parts)


def as_json(reminder: Reminder) -> dict[str, Any]:
    return {
        "kind": reminder.kind,
        "date_kind": reminder.date.kind,
        "on": reminder.date.on,
        "from_text": reminder.date.from_text,
        "previous_on": reminder.previous_on,
        "before": reminder.before,
        "days_left": reminder.days_left,
        "item_key": reminder.item_key,
        "title": reminder.title,
        "link": reminder.link,
        "type": reminder.type,
    }
