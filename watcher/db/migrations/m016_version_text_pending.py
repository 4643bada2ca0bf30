"""Migration m016_version_text_pending.

A new version's searchable text waits in `version_text_fts_pending` and is full-text
indexed in bulk, like items since m015; updates and deletes tolerate a row not indexed yet.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Index new version text in bulk, safely whoever inserts it.

    Through the per-row `version_text_ai` trigger every check that stored a new version
    wrote its text into `version_text_fts` inside the check's savepoint, and FTS5 writes
    what it holds in memory to a new index segment at every savepoint: one small segment
    per check, merged again and again. The insert trigger now only notes the new rowid in
    `version_text_fts_pending`, and the pending rows are indexed in one statement before the
    store commits and before anything reads the index (watcher/db/ftspending.py): ~0.2 ms
    less per first version of a bench page, ~0.1 ms per changed one (bench/README.md,
    "Round 7: ftsdefer").

    As in m015, "is this row indexed?" is answered by `version_text_fts_docsize`, never by
    the pending table, so a delete or update of a row not indexed yet never issues an FTS5
    `'delete'` (which must name exactly the indexed values), and a `'rebuild'` while rows
    wait leaves nothing to index twice. Rows missing from the index are queued, so the
    first flush makes the index whole.

    Also `items_au` (m015) again, with one guard: its `INSERT OR IGNORE` into the pending
    table is overridden by the conflict policy of the statement that fired it, and the
    store's item upsert has one, so an item still waiting to be indexed whose title or
    summary changed in the same transaction (a re-baseline after a baseline in one batch)
    failed the whole check with "UNIQUE constraint failed: items_fts_pending.item_id". It
    now notes only a row that is not waiting already, as `version_text_au` does here.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS version_text_fts_pending (text_id INTEGER PRIMARY KEY);

        DROP TRIGGER IF EXISTS version_text_ai;
        CREATE TRIGGER version_text_ai AFTER INSERT ON version_text BEGIN
          INSERT OR IGNORE INTO version_text_fts_pending (text_id)
            SELECT new.rowid
            WHERE NOT EXISTS (SELECT 1 FROM version_text_fts_pending WHERE text_id = new.rowid);
        END;

        DROP TRIGGER IF EXISTS version_text_au;
        CREATE TRIGGER version_text_au AFTER UPDATE ON version_text
        WHEN old.rowid IS NOT new.rowid OR old.text IS NOT new.text
        BEGIN
          INSERT OR IGNORE INTO version_text_fts_pending (text_id)
            SELECT new.rowid WHERE NOT EXISTS (SELECT 1 FROM version_text_fts_docsize WHERE id = old.rowid)
              AND NOT EXISTS (SELECT 1 FROM version_text_fts_pending WHERE text_id = new.rowid);
          INSERT INTO version_text_fts (version_text_fts, rowid, text)
            SELECT 'delete', old.rowid, old.text
            WHERE EXISTS (SELECT 1 FROM version_text_fts_docsize WHERE id = old.rowid);
          INSERT INTO version_text_fts (rowid, text)
            SELECT new.rowid, new.text
            WHERE NOT EXISTS (SELECT 1 FROM version_text_fts_pending WHERE text_id = new.rowid);
          DELETE FROM version_text_fts_pending WHERE text_id = old.rowid AND old.rowid IS NOT new.rowid;
        END;

        DROP TRIGGER IF EXISTS version_text_ad;
        CREATE TRIGGER version_text_ad AFTER DELETE ON version_text BEGIN
          INSERT INTO version_text_fts (version_text_fts, rowid, text)
            SELECT 'delete', old.rowid, old.text
            WHERE EXISTS (SELECT 1 FROM version_text_fts_docsize WHERE id = old.rowid);
          DELETE FROM version_text_fts_pending WHERE text_id = old.rowid;
        END;

        INSERT OR IGNORE INTO version_text_fts_pending (text_id)
          SELECT rowid FROM version_text WHERE rowid NOT IN (SELECT id FROM version_text_fts_docsize);

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
            WHERE NOT EXISTS (SELECT 1 FROM items_fts_pending WHERE item_id = new.rowid);
          DELETE FROM items_fts_pending WHERE item_id = old.rowid AND old.rowid IS NOT new.rowid;
        END;
        """
    )
