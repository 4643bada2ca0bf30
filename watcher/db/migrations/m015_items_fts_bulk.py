"""Migration m015_items_fts_bulk.

New items are full-text indexed by the statement that stores them, in bulk, not by a
trigger row by row.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Drop `items_ai`, the per-row insert trigger of `items_fts`.

    Indexing a baseline's 50 items through the trigger cost ~2.6 ms (one FTS5 insert per
    row, each flushed on its own); one `INSERT INTO items_fts ... SELECT` over the rows
    just stored costs ~1 ms. The store (watcher/db/versions.py) now indexes every item it
    inserts in the same transaction, so the index holds exactly what it held before.
    Updates and deletes (`items_au`, `items_ad`) keep their triggers: those rows are
    already indexed. Anything else that inserts items must index them too:
    `INSERT INTO items_fts (rowid, title, summary, text) SELECT id, title, summary, text
    FROM items WHERE id > <largest id before>` (or `INSERT INTO items_fts (items_fts)
    VALUES ('rebuild')`).
    """
    db.execute("DROP TRIGGER IF EXISTS items_ai")
