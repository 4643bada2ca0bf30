"""Rows behind "sources gone quiet": each source's change times, and its quiet/active events
(table `events`, beside broken/recovered), written with their health outbox rows at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlite_utils import Database

from watcher.db.savepoint import atomic
from watcher.db.values import iso, parse_iso

HISTORY = 50  # the most recent changes a source's cadence is learnt from (watcher/service/quiet.py)


class QuietRows:
    db: Database

    def all_change_times(self) -> dict[str, list[datetime]]:
        """Every source's most recent change times (oldest first), in one query."""
        out: dict[str, list[datetime]] = {}
        for source_id, at in self.db.execute(
            "SELECT source_id, detected_at FROM (SELECT source_id, detected_at, row_number() OVER"
            " (PARTITION BY source_id ORDER BY detected_at DESC) AS n FROM changes) WHERE n <= ?"
            " ORDER BY source_id, detected_at",
            [HISTORY],
        ).fetchall():
            moment = parse_iso(at)
            if moment is not None:
                out.setdefault(source_id, []).append(moment)
        return out

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
        with atomic(self.db):
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
