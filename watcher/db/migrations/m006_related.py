"""Migration m006_related.

Related-article links, followed-document errors, and the enrichment state of changes.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Related-article links, followed-document errors, and the enrichment state of changes.

    `changes.enrichment`: NULL (nothing to do), 'pending' (following/linking not finished;
    its outbox rows wait in status 'enriching'), 'done', or 'expired' (given up; alerts
    went out without links). See watcher/check/enrich.py.
    """
    db.executescript(
        """
        CREATE TABLE related (
            id INTEGER PRIMARY KEY,
            change_id INTEGER NOT NULL REFERENCES changes(id),
            item_key TEXT NOT NULL,                   -- the new item's key; '' for the page edit
            related_item_id INTEGER REFERENCES items(id),
            source_id TEXT NOT NULL,                  -- source of the related item
            title TEXT NOT NULL DEFAULT '',
            link TEXT NOT NULL DEFAULT '',
            date TEXT,
            score REAL NOT NULL,
            terms TEXT NOT NULL DEFAULT '[]',         -- JSON list of the matched salient terms
            rank INTEGER NOT NULL,                    -- 1 = best, per (change_id, item_key)
            shown INTEGER NOT NULL DEFAULT 0,         -- 1: above the threshold and in the top 3
            created_at TEXT NOT NULL,
            UNIQUE(change_id, item_key, related_item_id)
        );
        CREATE INDEX related_change ON related(change_id, item_key, score);
        CREATE INDEX related_item ON related(related_item_id);
        ALTER TABLE items ADD COLUMN text_error TEXT;  -- why following the link failed
        ALTER TABLE changes ADD COLUMN enrichment TEXT;
        CREATE INDEX changes_enrichment ON changes(enrichment) WHERE enrichment = 'pending';
        CREATE INDEX items_date ON items(date);
        """
    )
