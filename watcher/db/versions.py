"""Writing versions, changes, items, check rows and outbox rows: the store's building blocks.

Used inside the transactions of watcher/db/checks.py; no rules here, only rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from watcher.db.assembly import AlertAssembly
from watcher.db.multirow import insert_rows
from watcher.db.values import ContentUpdate, _dumps, iso
from watcher.model import Change, CheckStatus, FetchResult, Item


def removed_rows(change: Change) -> list[dict[str, Any]]:
    """Removed items as stored, each with the evidence of its removal when there is one."""
    evidence = dict(change.evidence)
    return [
        {**i.to_dict(), "evidence": evidence[i.key]} if i.key in evidence else i.to_dict()
        for i in change.removed
    ]


class VersionRows(AlertAssembly):
    def _check_row(
        self,
        source_id: str,
        now: datetime,
        status: CheckStatus,
        *,
        fetched: FetchResult | None = None,
        duration: float = 0.0,
        snapshot: str | None = None,
        reason: str | None = None,
        error: str | None = None,
        http_status: int | None = None,
        warnings: Sequence[str] | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO checks (source_id, at, status, http_status, duration_ms, reason, error, snapshot,"
            " warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                iso(now),
                status,
                http_status if http_status is not None else (fetched.status if fetched else None),
                round(duration * 1000),
                reason,
                error,
                snapshot,
                "\n".join(warnings)[:4000] if warnings else None,
            ],
        )

    def _update_source(self, source_id: str, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{k} = :{k}" for k in values)
        self.db.execute(f"UPDATE sources SET {sets} WHERE id = :_id", {**values, "_id": source_id})

    def _insert_change(
        self,
        source_id: str,
        change: Change,
        fingerprint: str,
        now: datetime,
        *,
        enrichment: str | None = None,
    ) -> int:
        """The change row; `enrichment` its enrichment state ('pending': its alerts wait for it)."""
        cursor = self.db.execute(
            "INSERT INTO changes (source_id, detected_at, before, after, summary, n_added,"
            " n_removed, n_changed, n_diff, added, removed, changed, diff, aged_out, enrichment)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source_id,
                iso(now),
                change.before or None,
                fingerprint,
                change.summary,
                len(change.added),
                len(change.removed),
                len(change.changed),
                sum(1 for line in change.diff if line[:1] in "+-"),
                _dumps([i.to_dict() for i in change.added]),
                _dumps(removed_rows(change)),
                _dumps([{"before": c.before.to_dict(), "after": c.after.to_dict()} for c in change.changed]),
                "\n".join(change.diff),
                _dumps([i.to_dict() for i in change.aged_out]) if change.aged_out else None,
                enrichment,
            ],
        )
        return int(cursor.lastrowid or 0)

    def _apply_items(self, source_id: str, change: Change, change_id: int, now: datetime) -> None:
        self._rekey_items(source_id, change.renamed)
        self._upsert_items(source_id, change.added, now, change_id=change_id)
        self._upsert_items(source_id, [pair.after for pair in change.changed], now, change_id=None)
        for item in change.removed + change.aged_out:
            self.db.execute(
                "UPDATE items SET removed_at = ? WHERE source_id = ? AND key = ?",
                [iso(now), source_id, item.key],
            )
        self.db.execute(
            "UPDATE items SET last_seen = ? WHERE source_id = ? AND removed_at IS NULL",
            [iso(now), source_id],
        )

    def _new_version(self, source_id: str, fingerprint: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO versions (source_id, snapshot, first_seen, last_seen) VALUES (?, ?, ?, ?)",
            [source_id, fingerprint, iso(now), iso(now)],
        )

    def _rekey_items(self, source_id: str, renamed: Sequence[tuple[str, str]]) -> None:
        """Give stored items their new key when only its form changed (http -> https)."""
        for old_key, new_key in renamed:
            self.db.execute(
                "UPDATE items SET key = ? WHERE source_id = ? AND key = ?"
                " AND NOT EXISTS (SELECT 1 FROM items WHERE source_id = ? AND key = ?)",
                [new_key, source_id, old_key, source_id, new_key],
            )

    def _upsert_items(
        self, source_id: str, items: Sequence[Item], now: datetime, *, change_id: int | None
    ) -> None:
        """Insert or refresh items, a few multi-row statements for all (a baseline writes 50
        at once; watcher/db/multirow.py says why not `executemany`)."""
        at = iso(now)
        insert_rows(
            self.db.conn,
            "INSERT INTO items (source_id, key, title, link, date, summary, fields, first_seen,"
            " last_seen, change_id)",
            [
                (
                    source_id,
                    item.key,
                    item.title,
                    item.link,
                    item.date,
                    item.summary,
                    _dumps(dict(item.fields)) if item.fields else None,
                    at,
                    at,
                    change_id,
                )
                for item in items
            ],
            " ON CONFLICT(source_id, key) DO UPDATE SET title = excluded.title, link = excluded.link,"
            " date = excluded.date, summary = excluded.summary, fields = excluded.fields,"
            " last_seen = excluded.last_seen, removed_at = NULL,"
            " change_id = coalesce(excluded.change_id, items.change_id)",
        )

    def _enqueue(
        self,
        subject: str,
        kind: str,
        source_id: str,
        channel: str,
        now: datetime,
        *,
        change_id: int | None = None,
        event_id: int | None = None,
        status: str = "pending",
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (subject, kind, change_id, event_id, source_id, channel,"
            " status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [subject, kind, change_id, event_id, source_id, channel, status, iso(now), iso(now)],
        )


def _content_columns(content: ContentUpdate) -> dict[str, Any]:
    """The source-row columns a check that read the content writes."""
    values: dict[str, Any] = {"body_hash": content.body_hash, "config_hash": content.config_hash}
    if content.latest is not None:
        values["latest"] = content.latest
    if not content.keep_pending:
        values["pending"] = content.pending
        values["pending_count"] = content.pending_count
    if content.changed_at is not None:
        values["last_change_at"] = iso(content.changed_at)
    return values
