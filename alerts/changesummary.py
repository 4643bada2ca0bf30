"""The model's summary of a change, as each channel shows it: always marked machine-written
with the model's name, escaped per channel like page text (it is untrusted text), and
"summary unavailable" when the model did not answer. Also the importance verdict of a
channel with `important_when`, with its one-line reason. Pure functions of `ChangeSummary`.
"""

from __future__ import annotations

import html
from typing import Any

from alerts.mrkdwn import clean, short, truncate
from watcher.model import ChangeSummary

MAX_TEXT = 1000  # characters of summary shown (watcher/summary/safety.py caps it lower)
MAX_REASON = 300


def mark(summary: ChangeSummary) -> str:
    """ "machine-written, model X": said wherever the summary is shown."""
    return f"machine-written, model {' '.join(clean(summary.model).split())[:80]}"


def verdict(summary: ChangeSummary) -> str:
    """ "Not important here: <reason>" (or "Important: ..."); '' without a verdict."""
    if summary.important is None:
        return ""
    word = "Important" if summary.important else "Not important here (sent to the digest)"
    reason = " ".join(clean(summary.reason).split())
    return f"{word}{': ' + truncate(reason, MAX_REASON) if reason else ''}"


def plain_lines(summary: ChangeSummary | None) -> list[str]:
    """For text channels (console, email text, Teams): the caller makes them terminal-safe."""
    if summary is None:
        return []
    lines = []
    if summary.text:
        lines.append(f"Summary ({mark(summary)}): {truncate(' '.join(summary.text.split()), MAX_TEXT)}")
    elif summary.error:
        lines.append(f"Summary unavailable ({summary.error}; {mark(summary)})")
    if verdict(summary):
        lines.append(f"{verdict(summary)} ({mark(summary)})")
    return lines


def mrkdwn(summary: ChangeSummary | None) -> str:
    """Slack mrkdwn: every word of the model escaped, so it can neither mention nor link."""
    if summary is None:
        return ""
    lines = []
    if summary.text:
        lines.append(f"*Summary* _({short(mark(summary), 120)})_\n{short(summary.text, MAX_TEXT)}")
    elif summary.error:
        lines.append(f"_Summary unavailable ({short(summary.error, 60)}; {short(mark(summary), 120)})_")
    if verdict(summary):
        lines.append(f"_{short(verdict(summary), MAX_REASON + 60)}_")
    return "\n".join(lines)


def html_block(summary: ChangeSummary | None) -> str:
    """The email's HTML part: escaped, no links."""
    if summary is None:
        return ""
    return "".join(
        f'<p style="border-left:3px solid #999;padding-left:8px">{html.escape(clean(line), quote=True)}</p>'
        for line in plain_lines(summary)
    )


def as_json(summary: ChangeSummary) -> dict[str, Any]:
    """Webhook and export JSON: structured, the text as data (receivers escape it)."""
    return {
        "text": summary.text,
        "model": summary.model,
        "machine_written": True,
        "available": bool(summary.text),
        "error": summary.error,
        "important": summary.important,
        "reason": summary.reason,
    }


def weekly_lines(briefs: tuple[tuple[str, ChangeSummary], ...]) -> list[str]:
    """The weekly summary's "changes in brief" (plain text; the caller makes it safe)."""
    if not briefs:
        return []
    lines = [f"  Changes in brief ({mark(briefs[0][1])}):"]
    lines.extend(
        f"    {truncate(clean(name), 80)}: {truncate(' '.join(s.text.split()), 400)}" for name, s in briefs
    )
    return lines


def weekly_mrkdwn(briefs: tuple[tuple[str, ChangeSummary], ...]) -> str:
    """The same in Slack mrkdwn, escaped; '' without briefs."""
    if not briefs:
        return ""
    lines = [f"*Changes in brief* _({short(mark(briefs[0][1]), 120)})_"]
    lines.extend(f"• *{short(name, 80)}*: {short(s.text, 400)}" for name, s in briefs)
    return "\n".join(lines)
