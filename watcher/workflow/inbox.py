"""The open queue: alerts nobody has acknowledged or dismissed, and snoozes that ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from watcher.db.store import Store
from watcher.db.values import parse_iso
from watcher.db.workstate import is_open, open_since


def age_text(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{max(int(delta.total_seconds() // 60), 0)}m"
    if hours < 48:
        return f"{int(hours)}h"
    return f"{int(hours // 24)}d"


def open_alerts(
    store: Store, now: datetime, *, owner: str | None = None, older_than: timedelta | None = None
) -> list[dict[str, Any]]:
    """Open alerted changes, oldest waiting first, optionally of one owner or older than an age."""
    changes = store.alerted_changes()
    states = store.work_states([c["id"] for c in changes])
    wanted = (owner or "").strip().lstrip("@").lower()
    rows = []
    for change in changes:
        state = states[change["id"]]
        if not is_open(state, now):
            continue
        if wanted and wanted not in (state.assignee_id.lower(), state.assignee_name.lower()):
            continue
        detected = parse_iso(change["detected_at"])
        assert detected is not None
        since = open_since(state, detected)
        if older_than is not None and now - since < older_than:
            continue
        rows.append(
            {
                "change_id": change["id"],
                "source_id": change["source_id"],
                "source": change["source_name"] or change["source_id"],
                "summary": change["summary"],
                "detected_at": change["detected_at"],
                "open_since": since.isoformat(),
                "open_for": age_text(now - since),
                "owner": state.assignee_name or state.assignee_id,
                "snoozed_until": state.until.isoformat() if state.until else None,
            }
        )
    rows.sort(key=lambda r: r["open_since"])
    return rows
