"""Documents seen by several sources: sightings, and which channels already had an alert.

The same document (watcher/db/docidentity.py) listed by several sources within the
dedupe window gets one alert per channel: a change that adds only documents another
source's change already alerted on a channel, within the window, enqueues nothing on
that channel (other channels still get theirs), and each alert names the other sources
that listed its documents. Written inside the caller's transaction (save_change), so a
change, its sightings and its outbox rows commit together. History keeps one `documents`
row per document and one `sightings` row per source and change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlite_utils import Database

from watcher.db.docidentity import document_key
from watcher.db.selects import has_table
from watcher.db.values import iso
from watcher.model import Change

DEFAULT_WINDOW = 86400.0


class DocumentRows:
    db: Database

    def _record_documents(
        self,
        source_id: str,
        change: Change,
        change_id: int,
        channels: Sequence[str],
        now: datetime,
        window: float = DEFAULT_WINDOW,
    ) -> set[str]:
        """Record the sightings of the change's new documents; the channels to skip.

        A channel is skipped when the change is only new items and each of them was
        alerted on that channel, within `window` seconds, by another source's change.
        """
        if not change.added:
            return set()
        since = iso(now - timedelta(seconds=window))
        covered: list[set[str]] = []
        for item in change.added:
            key = document_key(item)
            if not key:
                covered.append(set())
                continue
            inserted = self.db.execute(
                "INSERT INTO documents (doc_key, title, first_seen, first_change_id, last_seen)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(doc_key) DO NOTHING",
                [key, item.title[:500], iso(now), change_id, iso(now)],
            )
            if inserted.rowcount == 1:
                # First seen now: no sighting can name it (sightings.document_id references
                # documents(id), whose rows are never deleted, so a new id was never anyone's),
                # hence no channel had an alert for it. One statement, not three.
                document_id = int(inserted.lastrowid or 0)
                covered.append(set())
            else:
                document_id = self.db.execute(
                    "UPDATE documents SET last_seen = ? WHERE doc_key = ? RETURNING id", [iso(now), key]
                ).fetchall()[0][0]
                # Channels that had an alert for this document, from another source, within the window.
                had = self.db.execute(
                    # by `subject`, which UNIQUE(subject, channel) indexes (change_id has no index)
                    "SELECT DISTINCT o.channel FROM sightings s"
                    " JOIN outbox o ON o.subject = 'change:' || s.change_id"
                    " WHERE s.document_id = ? AND s.seen_at >= ? AND s.source_id != ?",
                    [document_id, since, source_id],
                ).fetchall()
                covered.append({r[0] for r in had})
            self.db.execute(
                "INSERT OR IGNORE INTO sightings (document_id, source_id, change_id, item_key, seen_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [document_id, source_id, change_id, item.key, iso(now)],
            )
        if change.removed or change.changed or change.diff:
            return set()
        return set(channels).intersection(*covered)

    def also_seen_by(self, change: Change, *, tables: frozenset[str] | None = None) -> tuple[str, ...]:
        """Names of the other sources that listed the documents this change added.
        `tables`: the database's table names when the caller has them (`table_names`)."""
        if change.id is None or not has_table(self.db, "sightings", tables):
            return ()
        rows = self.db.execute(
            "SELECT coalesce(nullif(src.name, ''), other.source_id) AS name FROM sightings mine"
            " JOIN sightings other ON other.document_id = mine.document_id"
            " LEFT JOIN sources src ON src.id = other.source_id"
            " WHERE mine.change_id = ? AND other.source_id != ? GROUP BY name ORDER BY min(other.id)",
            [change.id, change.source_id],
        ).fetchall()
        return tuple(r[0] for r in rows)
