"""Rows behind "sources gone quiet": each source's change times, and its quiet/active events
(table `events`, beside broken/recovered), written with their health outbox rows at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from watcher.db.values import iso, parse_iso
from watcher.service.quiet import HISTORY


class QuietRows:
    db: Database

    def change_times(self, source_id: str) -> list[datetime]:
        """When the source's most recent changes were detected, oldest first."""
        rows = self.db.execute(
            "SELECT detected_at FROM changes WHERE source_id = ? ORDER BY detected_at DESC LIMIT ?",
            [source_id, HISTORY],
        ).fetchall()
        return sorted(t for t in (parse_iso(r[0]) for r in rows) if t is not None)

    def quiet_since(self, source_id: str) -> datetime | None:
        """When the source went quiet, if its latest quiet/active event says it still is."""
        row = self.db.execute(
            "SELECT state, at FROM events WHERE source_id = ? AND state IN ('quiet', 'active')"
            " ORDER BY id DESC LIMIT 1",
            [source_id],
        ).fetchone()
        return parse_iso(row[1]) if row and row[0] == "quiet" else None

    def quiet_sources(self) -> dict[str, tuple[datetime, str]]:
        """Sources quiet now: id -> (since, why)."""
        out: dict[str, tuple[datetime, str]] = {}
        for source_id, state, at, reason in self.db.execute(
            "SELECT source_id, state, at, reason FROM events WHERE id IN (SELECT max(id) FROM events"
            " WHERE state IN ('quiet', 'active') GROUP BY source_id)"
        ).fetchall():
            moment = parse_iso(at)
            if state == "quiet" and moment is not None:
                out[source_id] = (moment, reason)
        return out

    def record_notice(
        self, source_id: str, state: str, reason: str, now: datetime, channels: Sequence[str]
    ) -> None:
        """The event and one health outbox row per channel, in one transaction."""
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO events (source_id, at, state, reason, failures) VALUES (?, ?, ?, ?, 0)",
                [source_id, iso(now), state, reason[:2000]],
            )
            event_id = int(cursor.lastrowid or 0)
            for channel in channels:
                self.db.execute(
                    "INSERT OR IGNORE INTO outbox (subject, kind, event_id, source_id, channel, status,"
                    " next_attempt_at, created_at) VALUES (?, 'health', ?, ?, ?, 'pending', ?, ?)",
                    [f"health:{event_id}", event_id, source_id, channel, iso(now), iso(now)],
                )
