"""Full-text indexing of items in bulk: the rows waiting in `items_fts_pending` (m015).

Whoever inserts an item (the store, a script, a test's raw SQL), the `items_ai` trigger
only notes its rowid in `items_fts_pending`; `index_pending` indexes all of them with one
`INSERT INTO items_fts ... SELECT` and empties the table, in the caller's transaction when
one is open (so a crash loses both or neither), else in one of its own. One statement
for a batch of pages costs ~1.1 ms per 50 items where the per-row trigger cost ~2.7 ms.

When it runs, so nothing ever reads an index that lacks a row:
- the store, before every commit it makes (watcher/db/batch.py) and when it opens;
- before related-article linking reads the index inside a batch (watcher/check/enrich.py);
- a read-only reader (search, history, the UI) on open, through `index_pending_file`,
  which takes a short write transaction only when something is waiting.
"""

from __future__ import annotations

import logging
import os
import sqlite3

logger = logging.getLogger(__name__)

#: Seconds a read-only reader waits for the write lock to index what waits.
WRITE_WAIT = 2.0

INDEX = (
    "INSERT INTO items_fts (rowid, title, summary, text)"
    " SELECT i.id, i.title, i.summary, i.text FROM items_fts_pending p JOIN items i ON i.id = p.item_id"
    " WHERE NOT EXISTS (SELECT 1 FROM items_fts_docsize d WHERE d.id = p.item_id)"
)


def has_pending(conn: sqlite3.Connection) -> bool:
    """Whether any item waits to be indexed (False when the table does not exist yet)."""
    try:
        return conn.execute("SELECT 1 FROM items_fts_pending LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # a database not migrated to m015 yet: nothing waits
        return False


def index_pending(conn: sqlite3.Connection) -> int:
    """Index every waiting item in one statement and forget them; how many were indexed.

    Inside an open transaction the work joins it; otherwise it is a transaction of its own.
    A row already indexed (after a `'rebuild'`) is skipped, never indexed twice.
    """
    if not has_pending(conn):
        return 0
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        indexed = conn.execute(INDEX).rowcount
        conn.execute("DELETE FROM items_fts_pending")
    except BaseException:
        if own:
            conn.rollback()
        raise
    if own:
        conn.commit()
    return indexed


def index_pending_file(path: str | os.PathLike[str], reader: sqlite3.Connection | None = None) -> int:
    """For a read-only reader: index what waits, through a short-lived writable connection.

    `reader` (a read-only connection to the file; one is opened when not given) checks
    first, so nothing writable is opened when nothing waits. A file the process may not
    write, or whose write lock stays taken, is left as it is (its waiting rows are not found
    by full-text search until a writer opens it or commits), with a warning.
    """
    if reader is None:
        try:
            reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        except sqlite3.Error:
            return 0  # no database yet: nothing waits
        try:
            waiting = has_pending(reader)
        finally:
            reader.close()
    else:
        waiting = has_pending(reader)
    if not waiting:
        return 0
    try:
        # A short wait: a writer holding the lock (a pass's open batch, perhaps in this very
        # process) indexes what waits itself before it commits.
        conn = sqlite3.connect(str(path), timeout=WRITE_WAIT)
    except sqlite3.Error as exc:
        logger.warning("%s: items waiting to be full-text indexed were left: %s", path, exc)
        return 0
    try:
        return index_pending(conn)
    except sqlite3.Error as exc:
        logger.warning("%s: items waiting to be full-text indexed were left: %s", path, exc)
        return 0
    finally:
        conn.close()
