"""Migration m019_items_fts_high_water.

New items are no longer noted one by one: every item whose id is above the highest id in the
full-text index waits to be indexed; `items_fts_pending` keeps only rows below it.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Drop the per-row insert trigger of items; what waits is found by its id.

    `items_ai` ran a trigger program for every inserted item to note its rowid in
    `items_fts_pending`: ~9,000 of SQLite's instructions a row, ~640,000 a first version of 50
    items (bench/README.md, "Round 15: perfstore6"). A new row without an explicit id gets
    the table's largest rowid plus one, and the index holds only rows of the table, so every
    new row is above `max(items_fts_docsize.id)`: the bulk indexing statement
    (watcher/db/ftspending.py) indexes the rows above that mark first, then the rows
    `items_fts_pending` names (updates of rows not indexed yet, below the mark).

    What keeps this whole: a row not indexed and below the mark is always in the pending
    table. Only the index growing past such rows could break that, and outside the bulk
    statement (which indexes everything waiting) only `items_au` adds to the index: an indexed
    row updated in place is re-indexed at once, as before (it was at or below the mark, which
    it restores), but one moved to a new rowid above the mark now waits with the new rows
    instead of raising the mark over them (every row not indexed that it updates is in the
    pending table by then: its first statement puts it there). Deleting the index's highest
    row lowers the mark; the rows between are not indexed (else they would be the mark), so
    they wait either way.

    Rows inserted with an explicit id below the mark, by a script, are not noted: they are
    found once the index is rebuilt (`INSERT INTO items_fts (items_fts) VALUES ('rebuild')`).
    Rows the index lacks below the mark now are queued, so the first flush makes it whole.
    """
    db.executescript(
        """
        DROP TRIGGER IF EXISTS items_ai;

        DROP TRIGGER IF EXISTS items_au;
        CREATE TRIGGER items_au AFTER UPDATE OF id, title, summary, text ON items
        WHEN old.rowid IS NOT new.rowid OR old.title IS NOT new.title
          OR old.summary IS NOT new.summary OR old.text IS NOT new.text
        BEGIN
          INSERT OR IGNORE INTO items_fts_pending (item_id)
            SELECT new.rowid WHERE NOT EXISTS (SELECT 1 FROM items_fts_docsize WHERE id = old.rowid)
              AND NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE item_id = new.rowid);
          INSERT INTO items_fts (items_fts, rowid, title, summary, text)
            SELECT 'delete', old.rowid, old.title, old.summary, old.text
            WHERE EXISTS (SELECT 1 FROM items_fts_docsize WHERE id = old.rowid);
          INSERT INTO items_fts (rowid, title, summary, text)
            SELECT new.rowid, new.title, new.summary, new.text
            WHERE NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE item_id = new.rowid)
              AND (old.rowid IS new.rowid
                OR new.rowid <= (SELECT coalesce(max(id), 0) FROM items_fts_docsize));
          DELETE FROM items_fts_pending WHERE item_id = old.rowid AND old.rowid IS NOT new.rowid;
        END;

        INSERT OR IGNORE INTO items_fts_pending (item_id)
          SELECT id FROM items
          WHERE id <= (SELECT coalesce(max(id), 0) FROM items_fts_docsize)
            AND id NOT IN (SELECT id FROM items_fts_docsize);
        """
    )
