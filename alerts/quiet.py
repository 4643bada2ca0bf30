"""Health notices of sources gone quiet (silent far longer than usual) and active again."""

from __future__ import annotations

from alerts.mrkdwn import clean, escape, short
from watcher.model import Alert

TITLES = {"quiet": "🔕 Source quiet", "active": "🔔 Source active again"}
WORDS = {"broken": "BROKEN", "recovered": "recovered", "quiet": "quiet", "active": "active again"}


def is_quiet_notice(alert: Alert) -> bool:
    return alert.health is not None and alert.health.state in TITLES


def slack_blocks(alert: Alert) -> tuple[tuple[dict, ...], str]:
    """(blocks, fallback text) of a quiet / active-again notice."""
    event = alert.health
    assert event is not None
    name = alert.source.name or alert.source.id
    title = f"{TITLES[event.state]}: {' '.join(clean(name).split())}"
    body = f"*{escape(title)}*\n{short(event.reason, 1000)}"
    if event.state == "quiet":
        body += "\nCheck the source page; `regwatch status` lists quiet sources."
    blocks = ({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000], "verbatim": True}},)
    return blocks, short(title, 900)
