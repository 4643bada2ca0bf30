"""Enrichment rows: the items a change added, their followed text and related links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from watcher.db.docdates import record_text_dates
from watcher.db.multirow import insert_rows
from watcher.db.queue import OutboxQueue
from watcher.db.savepoint import atomic
from watcher.db.values import (
    StoredItem,
    _dumps,
    iso,
    parse_iso,
)


class EnrichmentRows(OutboxQueue):
    # -- enrichment: followed documents and related links (watcher/check/enrich.py) ------------

    def change_items(self, change_id: int) -> list[StoredItem]:
        """The items a change added (first reported by it), in insertion order."""
        return [
            StoredItem(**row)
            for row in self.db.query(
                "SELECT id, source_id, key, title, link, date, summary, text, text_fetched_at, text_error"
                " FROM items WHERE change_id = ? ORDER BY id",
                [change_id],
            )
        ]

    def set_item_text(self, item_id: int, text: str, now: datetime) -> None:
        """Store a followed document's main text (indexed by items_fts through its triggers)."""
        with atomic(self.db):
            self.db.execute(
                "UPDATE items SET text = ?, text_fetched_at = ?, text_error = NULL WHERE id = ?",
                [text, iso(now), item_id],
            )
            record_text_dates(self.db, item_id, text, now)  # dates its words state (watcher/dates)

    def set_item_error(self, item_id: int, error: str, now: datetime) -> None:
        """Following an item's link failed: say why on the item (its text stays as it was)."""
        with atomic(self.db):
            self.db.execute(
                "UPDATE items SET text_fetched_at = ?, text_error = ? WHERE id = ?",
                [iso(now), error[:1000], item_id],
            )

    def replace_related(self, change_id: int, rows: Sequence[Mapping[str, Any]], now: datetime) -> None:
        """Replace all related links of a change at once (re-linking is idempotent)."""
        created = iso(now)
        values = [
            (
                change_id,
                row["item_key"],
                row["related_item_id"],
                row["source_id"],
                row["title"],
                row["link"],
                row["date"],
                row["score"],
                _dumps(list(row["terms"])),
                row["rank"],
                1 if row["shown"] else 0,
                created,
                row.get("reason", ""),
            )
            for row in rows
        ]
        with atomic(self.db):
            self.db.execute("DELETE FROM related WHERE change_id = ?", [change_id])
            # A few multi-row statements (watcher/db/multirow.py): one statement journal per
            # chunk, not per link; the same rows in the same order, replaced the same way.
            insert_rows(
                self.db.conn,
                "INSERT OR REPLACE INTO related (change_id, item_key, related_item_id, source_id,"
                " title, link, date, score, terms, rank, shown, created_at, reason)",
                values,
            )

    def related_rows(self, change_id: int) -> list[dict[str, Any]]:
        """Every stored link of a change (shown or not), per document, best first."""
        return list(
            self.db.query(
                "SELECT r.*, s.name AS source_name FROM related r LEFT JOIN sources s"
                " ON s.id = r.source_id WHERE r.change_id = ? ORDER BY r.item_key, r.rank",
                [change_id],
            )
        )

    def finish_enrichment(self, change_id: int, now: datetime, *, state: str = "done") -> int:
        """Mark a change's enrichment finished and release its held alerts; returns rows released."""
        with atomic(self.db):
            self.db.execute(
                "UPDATE changes SET enrichment = ? WHERE id = ? AND enrichment = 'pending'",
                [state, change_id],
            )
            # Held rows are the change's own alerts, subject 'change:<id>', which UNIQUE(subject,
            # channel) indexes; the unary + keeps the planner off outbox_due (status), through
            # which it read every row held in the pass (bench/README.md, "Round 16: perfstore7").
            cursor = self.db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ?"
                " WHERE subject = ? AND change_id = ? AND +status = 'enriching'",
                [iso(now), f"change:{change_id}", change_id],
            )
        return cursor.rowcount

    def unfinished_enrichments(self, before: datetime) -> list[tuple[int, str, datetime]]:
        """Changes detected before `before` whose enrichment never finished (a crash)."""
        return [
            (row[0], row[1], parse_iso(row[2]) or before)
            for row in self.db.execute(
                "SELECT id, source_id, detected_at FROM changes WHERE enrichment = 'pending'"
                " AND detected_at < ? ORDER BY id",
                [iso(before)],
            ).fetchall()
        ]
