"""Migration m007_perf_fts_triggers.

Re-index full text only when indexed columns change.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Re-index full text only when indexed columns change.

    sqlite-utils' update triggers fire on every UPDATE of `items` and `changes`, so bumping
    `items.last_seen` on a source's 50 listed items (every change) or setting
    `changes.enrichment` rewrote their full-text entries each time. `UPDATE OF` limits
    them to the indexed columns; the index content is unchanged.
    """
    db.executescript(
        """
        DROP TRIGGER IF EXISTS items_au;
        CREATE TRIGGER items_au AFTER UPDATE OF title, summary, text ON items BEGIN
          INSERT INTO items_fts (items_fts, rowid, title, summary, text)
            VALUES ('delete', old.rowid, old.title, old.summary, old.text);
          INSERT INTO items_fts (rowid, title, summary, text)
            VALUES (new.rowid, new.title, new.summary, new.text);
        END;
        DROP TRIGGER IF EXISTS changes_au;
        CREATE TRIGGER changes_au AFTER UPDATE OF summary, diff ON changes BEGIN
          INSERT INTO changes_fts (changes_fts, rowid, summary, diff)
            VALUES ('delete', old.rowid, old.summary, old.diff);
          INSERT INTO changes_fts (rowid, summary, diff) VALUES (new.rowid, new.summary, new.diff);
        END;
        """
    )
