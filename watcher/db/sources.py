"""Source rows: configured sources, their state, schedule and outbox summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from watcher.db.savepoint import atomic
from watcher.db.values import (
    SourceState,
    iso,
    parse_iso,
)
from watcher.model import (
    Source,
)


class SourceRows:
    """Shared by the store's parts: the open database."""

    db: Database
    path: Path

    # -- sources ------------------------------------------------------------------------

    def sync_sources(self, sources: Sequence[Source], now: datetime) -> None:
        """Record configured sources (metadata only; state is kept); mark others inactive.

        One statement for all of them, and a row is written only when its metadata differs
        (the upsert's `WHERE`): every pass of an unchanged config writes no page."""
        created = iso(now)
        rows = [
            (
                source.id,
                source.name,
                source.url,
                source.kind,
                source.role,
                json.dumps(list(source.tags)),
                source.jurisdiction,
                source.regulator,
                created,
            )
            for source in sources
        ]
        with atomic(self.db):
            self.db.conn.executemany(
                "INSERT INTO sources (id, name, url, kind, role, tags, jurisdiction, regulator,"
                " active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT(id) DO UPDATE SET"
                " name=excluded.name, url=excluded.url, kind=excluded.kind, role=excluded.role,"
                " tags=excluded.tags, jurisdiction=excluded.jurisdiction,"
                " regulator=excluded.regulator, active=1"
                " WHERE (name, url, kind, role, tags, jurisdiction, regulator, active)"
                " IS NOT (excluded.name, excluded.url, excluded.kind, excluded.role, excluded.tags,"
                " excluded.jurisdiction, excluded.regulator, 1)",
                rows,
            )
            ids = [s.id for s in sources]
            placeholders = ",".join("?" for _ in ids) or "''"
            self.db.execute(
                f"UPDATE sources SET active = 0 WHERE active != 0 AND id NOT IN ({placeholders})", ids
            )

    def state(self, source_id: str) -> SourceState:
        # The connection's own `execute`: a plain read needs none of the savepoint
        # `Database.query` wraps around every statement (three statements per check).
        row = self.db.conn.execute(
            "SELECT latest, etag, last_modified, body_hash, config_hash, pending, pending_count, state,"
            " failures, last_check_at, retry_after_until, failing_since FROM sources WHERE id = ?",
            [source_id],
        ).fetchone()
        if row is None:
            return SourceState()
        return SourceState(
            latest=row[0],
            etag=row[1],
            last_modified=row[2],
            body_hash=row[3],
            config_hash=row[4],
            pending=row[5],
            pending_count=row[6],
            state=row[7],
            failures=row[8],
            last_check_at=parse_iso(row[9]),
            retry_after_until=parse_iso(row[10]),
            failing_since=parse_iso(row[11]),
        )

    def last_checks(self) -> dict[str, datetime]:
        """Each source's last check time (the service resumes its cadence from these)."""
        return {
            row["id"]: parse_iso(row["last_check_at"])  # type: ignore[misc]
            for row in self.db.query("SELECT id, last_check_at FROM sources WHERE last_check_at IS NOT NULL")
        }

    def source_rows(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sources ORDER BY id"))

    def set_next_run(self, source_id: str, at: datetime | None) -> None:
        """The service's next scheduled check of a source (shown by `regwatch status`)."""
        with atomic(self.db):
            self.db.execute(
                "UPDATE sources SET next_run_at = ? WHERE id = ?", [iso(at) if at else None, source_id]
            )

    def outbox_summary(self, now: datetime, *, recent: float = 86400.0) -> dict[str, Any]:
        """Alerts waiting (and since when) and alerts that failed for good recently."""
        waiting = self.db.execute(
            "SELECT count(*), min(created_at) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()
        since = iso(datetime.fromtimestamp(now.timestamp() - recent, UTC))
        failed = self.db.execute(
            "SELECT count(*) FROM outbox WHERE status = 'failed' AND created_at >= ?", [since]
        ).fetchone()[0]
        return {"pending": waiting[0], "oldest_pending_at": parse_iso(waiting[1]), "failed_recently": failed}
