"""Alert assembly: the alert an outbox row carries, built from the stored change or event."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from watcher.dates.facts import facts_of_change
from watcher.db.changesummaries import change_summary_for
from watcher.db.docdates import reminder_alert
from watcher.db.documents import DocumentRows
from watcher.db.selects import has_table, select, table_names
from watcher.db.snapshots import SnapshotRows
from watcher.db.summaryrows import summary_alert
from watcher.db.values import (
    parse_iso,
)
from watcher.model import (
    Alert,
    Change,
    HealthEvent,
    RelatedLink,
    SourceInfo,
)


class AlertAssembly(DocumentRows, SnapshotRows):
    def alert_for(self, row: dict[str, Any]) -> Alert:
        """Build the alert an outbox row carries, from the stored change or health event."""
        source = self.source_info(row["source_id"])
        key = f"regwatch:{row['subject']}:{row['channel']}"
        if row["kind"] == "digest":
            members = self.db.query("SELECT * FROM outbox WHERE batch_id = ? ORDER BY id", [row["id"]])
            return Alert(
                key=key,
                channel=row["channel"],
                source=SourceInfo(id="", name="regwatch digest", url=""),
                batch=tuple(self.alert_for(member) for member in members),
            )
        if row["kind"] == "health":
            event = self.db.execute(
                "SELECT state, reason, failures, at FROM events WHERE id = ?", [row["event_id"]]
            ).fetchone()
            health = HealthEvent(row["source_id"], event[0], event[1], event[2], parse_iso(event[3]))
            return Alert(key=key, channel=row["channel"], source=source, health=health)
        if row["kind"] == "summary":  # the weekly summary (watcher/db/summaryrows.py)
            return summary_alert(self.db, row, key)
        if row["kind"] in ("reminder", "correction"):  # coming document dates (watcher/dates)
            created = parse_iso(row["created_at"])
            assert created is not None
            return reminder_alert(self.db, row, key, source, created)
        change = self.change(row["change_id"])
        assert change is not None
        tables = table_names(self.db)  # one read of the schema cookie for the three tables below
        seen_by = self.also_seen_by(change, tables=tables)
        if seen_by:
            change = dataclasses.replace(change, also_seen_by=seen_by)
        documents = self.documents_for(change)
        return Alert(
            key=key,
            channel=row["channel"],
            source=source,
            change=change,
            related=self.related_for(change, tables=tables),
            documents=documents,
            facts=facts_of_change(change, source, documents),
            change_summary=change_summary_for(self.db, change.id, row["channel"], tables=tables),
        )

    def related_for(
        self, change: Change, *, tables: frozenset[str] | None = None
    ) -> dict[str, tuple[RelatedLink, ...]]:
        """Related articles per item key ('' for the page edit), best first. Filled by linking.
        `tables`: the database's table names when the caller has them (`table_names`)."""
        if not has_table(self.db, "related", tables):
            return {}
        links: dict[str, list[RelatedLink]] = {}
        for row in select(
            self.db,
            "SELECT r.*, s.name AS source_name FROM related r LEFT JOIN sources s ON s.id = r.source_id"
            " WHERE r.change_id = ? AND r.shown = 1 ORDER BY r.item_key, r.score DESC",
            [change.id],
        ):
            links.setdefault(row["item_key"], []).append(
                RelatedLink(
                    item_key=row["item_key"],
                    title=row["title"],
                    link=row["link"],
                    source_id=row["source_id"],
                    source_name=row["source_name"] or "",
                    date=row["date"],
                    score=row["score"],
                    terms=tuple(json.loads(row["terms"] or "[]")),
                    reason=row.get("reason") or "",
                )
            )
        return {k: tuple(v) for k, v in links.items()}

    def documents_for(self, change: Change) -> dict[str, str]:
        """First lines of followed documents of the change's new items."""
        if not change.added:
            return {}
        docs: dict[str, str] = {}
        for row in select(
            self.db,
            "SELECT key, text FROM items WHERE change_id = ? AND text IS NOT NULL AND text != ''",
            [change.id],
        ):
            docs[row["key"]] = row["text"][:600]
        return docs
