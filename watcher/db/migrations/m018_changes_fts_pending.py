"""Migration m018_changes_fts_pending.

A new change's summary and diff wait in `changes_fts_pending` and are full-text indexed in
bulk, like items (m015) and version text (m016); updates and deletes of changes tolerate a
row not indexed yet.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Index new changes in bulk, safely whoever inserts them.

    Through the per-row `changes_ai` trigger every check that stored a change wrote its
    summary and diff into `changes_fts` inside the check's savepoint, and FTS5 writes what
    it holds in memory to a new index segment at every savepoint that follows: one small
    segment per change, merged again and again as the pass goes on. The insert trigger now
    only notes the new rowid in `changes_fts_pending`, and the pending rows are indexed in
    one statement before the store commits and before anything reads the index
    (watcher/db/ftspending.py), as items and version text are (bench/README.md, "Round 14:
    perfstore5").

    As in m015 and m016, "is this row indexed?" is answered by `changes_fts_docsize`, never
    by the pending table, so an update or delete of a change not indexed yet never issues an
    FTS5 `'delete'` (which must name exactly the indexed values), and a `'rebuild'` while
    rows wait leaves nothing to index twice. The pending table is written only where the
    row is not waiting already (a conflict policy of the statement that fired a trigger
    overrides the trigger's own `OR IGNORE`, m016). Changes missing from the index are
    queued, so the first flush makes the index whole.
    """
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS changes_fts_pending (change_id INTEGER PRIMARY KEY);

        DROP TRIGGER IF EXISTS changes_ai;
        CREATE TRIGGER changes_ai AFTER INSERT ON changes BEGIN
          INSERT OR IGNORE INTO changes_fts_pending (change_id)
            SELECT new.rowid
            WHERE NOT EXISTS (SELECT 1 FROM changes_fts_pending WHERE change_id = new.rowid);
        END;

        DROP TRIGGER IF EXISTS changes_au;
        CREATE TRIGGER changes_au AFTER UPDATE OF id, summary, diff ON changes
        WHEN old.rowid IS NOT new.rowid OR old.summary IS NOT new.summary OR old.diff IS NOT new.diff
        BEGIN
          INSERT OR IGNORE INTO changes_fts_pending (change_id)
            SELECT new.rowid WHERE NOT EXISTS (SELECT 1 FROM changes_fts_docsize WHERE id = old.rowid)
              AND NOT EXISTS (SELECT 1 FROM changes_fts_pending WHERE change_id = new.rowid);
          INSERT INTO changes_fts (changes_fts, rowid, summary, diff)
            SELECT 'delete', old.rowid, old.summary, old.diff
            WHERE EXISTS (SELECT 1 FROM changes_fts_docsize WHERE id = old.rowid);
          INSERT INTO changes_fts (rowid, summary, diff)
            SELECT new.rowid, new.summary, new.diff
            WHERE NOT EXISTS (SELECT 1 FROM changes_fts_pending WHERE change_id = new.rowid);
          DELETE FROM changes_fts_pending WHERE change_id = old.rowid AND old.rowid IS NOT new.rowid;
        END;

        DROP TRIGGER IF EXISTS changes_ad;
        CREATE TRIGGER changes_ad AFTER DELETE ON changes BEGIN
          INSERT INTO changes_fts (changes_fts, rowid, summary, diff)
            SELECT 'delete', old.rowid, old.summary, old.diff
            WHERE EXISTS (SELECT 1 FROM changes_fts_docsize WHERE id = old.rowid);
          DELETE FROM changes_fts_pending WHERE change_id = old.rowid;
        END;

        INSERT OR IGNORE INTO changes_fts_pending (change_id)
          SELECT id FROM changes WHERE id NOT IN (SELECT id FROM changes_fts_docsize);
        """
    )
