"""The weekly summary message (`summary = "weekly"`), per channel: one message, within limits.

header   regwatch weekly summary: 14 new documents, 9 changes
context  22 Jan – 29 Jan 2024
fields   By jurisdiction · By regulator · By type
section  Deadlines in the next 14 days: • Mon 12 Feb 2024 · Comments close: <document>
section  Sources broken: … · Sources quiet: …
"""

from __future__ import annotations

import html
from typing import Any

from alerts import changesummary
from alerts.mrkdwn import clean, escape, link, short, truncate
from alerts.reminders import day_text
from watcher.model import Alert, DocumentDate, Summary

DEADLINES_SHOWN = 15
SECTION = 2900
LABEL = {"comment": "Comments close", "effective": "Takes effect"}


def title(summary: Summary) -> str:
    docs = "document" if summary.new_documents == 1 else "documents"
    changes = "change" if summary.changes == 1 else "changes"
    return f"regwatch weekly summary: {summary.new_documents} new {docs}, {summary.changes} {changes}"


def period(summary: Summary) -> str:
    return f"{summary.start:%d %b} – {summary.end:%d %b %Y}"


def when(date: DocumentDate) -> str:
    return f"{day_text(date.on)} · {LABEL[date.kind]}" + (" (from text)" if date.from_text else "")


def counts_text(rows: tuple[tuple[str, int], ...]) -> str:
    return "\n".join(f"{name} {count}" for name, count in rows) or "none"


def text(alert: Alert) -> str:
    summary = alert.summary
    assert summary is not None
    lines = [f"[regwatch] {title(summary)} ({period(summary)})"]
    for label, rows in (
        ("By jurisdiction", summary.by_jurisdiction),
        ("By regulator", summary.by_regulator),
        ("By type", summary.by_type),
    ):
        lines.append(f"  {label}: " + (", ".join(f"{clean(n)} {c}" for n, c in rows) or "none"))
    lines.append(f"  Deadlines in the next 14 days: {len(summary.deadlines) or 'none'}")
    for date, name, url in summary.deadlines[:DEADLINES_SHOWN]:
        lines.append(
            f"    {when(date)}: {truncate(' '.join(clean(name).split()), 150)} {clean(url)}".rstrip()
        )
    if len(summary.deadlines) > DEADLINES_SHOWN:
        lines.append(
            f"    … and {len(summary.deadlines) - DEADLINES_SHOWN} more: regwatch deadlines --within 14d"
        )
    lines.append("  Sources broken: " + (", ".join(summary.broken) or "none"))
    lines.append("  Sources quiet: " + (", ".join(summary.quiet) or "none"))
    lines.extend(changesummary.weekly_lines(summary.briefs))  # machine-written, [summary]
    return "\n".join(lines)


def field(label: str, rows: tuple[tuple[str, int], ...]) -> dict:
    body = "\n".join(f"{short(n, 60)} {c}" for n, c in rows) or "none"
    return {"type": "mrkdwn", "text": truncate(f"*{label}*\n{body}", 2000), "verbatim": True}


def slack_blocks(alert: Alert) -> tuple[tuple[dict, ...], str]:
    summary = alert.summary
    assert summary is not None

    def section(body: str) -> dict:
        return {
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(body, SECTION), "verbatim": True},
        }

    deadline_lines: list[str] = []
    for date, name, url in summary.deadlines[:DEADLINES_SHOWN]:
        line = f"• {escape(when(date))}: {link(url, name, limit=150) if url else short(name, 150)}"
        if sum(len(x) + 1 for x in deadline_lines) + len(line) > SECTION - 200:
            break
        deadline_lines.append(line)
    more = len(summary.deadlines) - len(deadline_lines)
    if more > 0:
        deadline_lines.append(f"…and {more} more: `regwatch deadlines --within 14d`")
    sources = [
        "*Sources broken:* " + (", ".join(short(s, 60) for s in summary.broken[:20]) or "none"),
        "*Sources quiet:* " + (", ".join(short(s, 60) for s in summary.quiet[:20]) or "none"),
    ]
    blocks = (
        {
            "type": "header",
            "text": {"type": "plain_text", "text": truncate(title(summary), 150), "emoji": False},
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": period(summary), "verbatim": True}]},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*New documents this week*", "verbatim": True},
            "fields": [
                field("By jurisdiction", summary.by_jurisdiction),
                field("By regulator", summary.by_regulator),
                field("By type", summary.by_type),
            ],
        },
        section("*Deadlines in the next 14 days*\n" + ("\n".join(deadline_lines) or "none")),
        section("\n".join(sources)),
    )
    briefs = (section(changesummary.weekly_mrkdwn(summary.briefs)),) if summary.briefs else ()
    return (*blocks, *briefs), truncate(f"{title(summary)} ({period(summary)})", 1000)


def html_body(alert: Alert) -> str:
    return "<pre>" + html.escape(text(alert)) + "</pre>"


def as_json(summary: Summary) -> dict[str, Any]:
    return {
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "changes": summary.changes,
        "new_documents": summary.new_documents,
        "by_jurisdiction": dict(summary.by_jurisdiction),
        "by_regulator": dict(summary.by_regulator),
        "by_type": dict(summary.by_type),
        "deadlines": [
            {"kind": d.kind, "on": d.on, "from_text": d.from_text, "title": t, "link": u}
            for d, t, u in summary.deadlines
        ],
        "broken": list(summary.broken),
        "quiet": list(summary.quiet),
        "briefs": [{"source": name, **changesummary.as_json(s)} for name, s in summary.briefs],
    }
