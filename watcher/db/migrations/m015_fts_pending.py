"""Migration m015_fts_pending.

New items wait in `items_fts_pending` and are full-text indexed in bulk; updates and
deletes of items tolerate a row that is not indexed yet.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Index new items in bulk, safely whoever inserts them.

    Through the per-row `items_ai` trigger, indexing a baseline's 50 items cost ~2.7 ms;
    one `INSERT INTO items_fts ... SELECT` over them ~1.1 ms. The insert trigger now only
    notes the new rowid in `items_fts_pending` (any writer: the store, a script, a test), and
    the pending rows are indexed in one statement (watcher/db/ftspending.py) before the
    store commits and before anything reads `items_fts`.

    "Is this row indexed?" is answered by the index itself (`items_fts_docsize` holds one
    row per indexed document), never by the pending table, so an update or delete of a
    row not indexed yet never issues the FTS5 `'delete'` that would corrupt the index
    (the values it deletes must be exactly those indexed), and a `'rebuild'` while rows
    are pending leaves nothing to index twice. An updated row that was indexed is
    re-indexed at once (as before); one still pending stays pending and is indexed with
    its current values. Updates that leave the indexed columns as they were do nothing.

    Items already in the table but missing from the index are queued too, so the first
    flush makes the index whole.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS items_fts_pending (item_id INTEGER PRIMARY KEY);

        DROP TRIGGER IF EXISTS items_ai;
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
          INSERT OR IGNORE INTO items_fts_pending (item_id) VALUES (new.rowid);
        END;

        DROP TRIGGER IF EXISTS items_au;
        CREATE TRIGGER items_au AFTER UPDATE OF id, title, summary, text ON items
        WHEN old.rowid IS NOT new.rowid OR old.title IS NOT new.title
          OR old.summary IS NOT new.summary OR old.text IS NOT new.text
        BEGIN
          INSERT OR IGNORE INTO items_fts_pending (item_id)
            SELECT new.rowid WHERE NOT EXISTS (SELECT 1 FROM items_fts_docsize WHERE id = old.rowid);
          INSERT INTO items_fts (items_fts, rowid, title, summary, text)
            SELECT 'delete', old.rowid, old.title, old.summary, old.text
            WHERE EXISTS (SELECT 1 FROM items_fts_docsize WHERE id = old.rowid);
          INSERT INTO items_fts (rowid, title, summary, text)
            SELECT new.rowid, new.title, new.summary, new.text
            WHERE NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE item_id = new.rowid);
          DELETE FROM items_fts_pending WHERE item_id = old.rowid AND old.rowid IS NOT new.rowid;
        END;

        DROP TRIGGER IF EXISTS items_ad;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
          INSERT INTO items_fts (items_fts, rowid, title, summary, text)
            SELECT 'delete', old.rowid, old.title, old.summary, old.text
            WHERE EXISTS (SELECT 1 FROM items_fts_docsize WHERE id = old.rowid);
          DELETE FROM items_fts_pending WHERE item_id = old.rowid;
        END;

        INSERT OR IGNORE INTO items_fts_pending (item_id)
          SELECT id FROM items WHERE id NOT IN (SELECT id FROM items_fts_docsize);
        """
    )
