"""How `regwatch deliver` and `regwatch status` say which alerts wait, per channel, and until when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alerts.render import safe
from watcher.db.waiting import WaitingChannel


def waiting_lines(waiting: Sequence[WaitingChannel], now: datetime) -> list[str]:
    """One line per channel with waiting alerts; one line saying so when nothing waits."""
    if not waiting:
        return ["alerts waiting: none"]
    lines = []
    for entry in waiting:
        until = entry.until
        reason = "Retry-After from the channel" if entry.not_before else "retry after a failure"
        line = (
            f"alerts waiting on {entry.channel}: {entry.count}, next try {until:%Y-%m-%d %H:%M:%S} UTC"
            f" (in {max((until - now).total_seconds(), 0):.0f}s, {reason})"
            f", oldest queued {entry.oldest:%Y-%m-%d %H:%M:%S} UTC"
        )
        if entry.last_error:
            line += f"; last error: {safe(entry.last_error, 300)}"
        lines.append(line)
    return lines
