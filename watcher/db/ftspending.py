"""Full-text indexing in bulk: the items above the index's highest id (m019), and the rows
waiting in `items_fts_pending` (m015), `version_text_fts_pending` (m016) and
`changes_fts_pending` (m018).

Whoever inserts a version's text or a change (the store, a script, a test's raw SQL), the
insert trigger only notes its rowid in the pending table. A new item is not noted at all: it
gets an id above every indexed one, and the rows above `max(items_fts_docsize.id)` are what
waits (the pending table holds only updated rows below that mark; m019 says why that is
whole). `index_pending` indexes all of them with one `INSERT INTO ..._fts ... SELECT` per
index and pending table and empties the pending tables, in the caller's transaction when one
is open (so a crash loses both or neither), else in one of its own. One statement for a
batch of pages costs ~1.1 ms per 50 items where the per-row trigger cost ~2.7 ms; a version's
text, indexed row by row inside each check's savepoint, made one small FTS5 segment per check
(bench/README.md, "Round 7: ftsdefer"), and so did a change's summary and diff ("Round 14:
perfstore5"); noting each new item in the pending table cost ~9,000 instructions a row
("Round 15: perfstore6").

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

#: New items: the rows above the index's highest id (m019). First, before any pending row
#: raises that mark; the subquery is read once, before the statement writes.
INDEX_NEW = (
    "INSERT INTO items_fts (rowid, title, summary, text)"
    " SELECT i.id, i.title, i.summary, i.text FROM items i"
    " WHERE i.id > (SELECT coalesce(max(d.id), 0) FROM items_fts_docsize d)"
)
#: Whether a new item waits: the table's highest id above the index's.
NEW_WAITING = (
    "SELECT 1 WHERE (SELECT max(id) FROM items) > (SELECT coalesce(max(id), 0) FROM items_fts_docsize)"
)
INDEX = (
    "INSERT INTO items_fts (rowid, title, summary, text)"
    " SELECT i.id, i.title, i.summary, i.text FROM items_fts_pending p JOIN items i ON i.id = p.item_id"
    " WHERE NOT EXISTS (SELECT 1 FROM items_fts_docsize d WHERE d.id = p.item_id)"
)
INDEX_TEXT = (
    "INSERT INTO version_text_fts (rowid, text)"
    " SELECT v.rowid, v.text FROM version_text_fts_pending p JOIN version_text v ON v.rowid = p.text_id"
    " WHERE NOT EXISTS (SELECT 1 FROM version_text_fts_docsize d WHERE d.id = p.text_id)"
)
INDEX_CHANGES = (
    "INSERT INTO changes_fts (rowid, summary, diff)"
    " SELECT c.id, c.summary, c.diff FROM changes_fts_pending p JOIN changes c ON c.id = p.change_id"
    " WHERE NOT EXISTS (SELECT 1 FROM changes_fts_docsize d WHERE d.id = p.change_id)"
)
#: Each pending table and the statement that indexes what it holds.
PENDING = (
    ("items_fts_pending", INDEX),
    ("version_text_fts_pending", INDEX_TEXT),
    ("changes_fts_pending", INDEX_CHANGES),
)


def waiting(conn: sqlite3.Connection) -> list[tuple[str | None, str]]:
    """The indexing statements with rows to index, each with the pending table it empties
    (None: the new items, above the index's highest id), new items first. A table a database
    not migrated that far yet lacks holds nothing."""
    found: list[tuple[str | None, str]] = []
    try:
        if conn.execute(NEW_WAITING).fetchone() is not None:
            found.append((None, INDEX_NEW))
    except sqlite3.OperationalError:  # no items_fts yet (a database being created)
        pass
    for table, index in PENDING:
        try:
            if conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                found.append((table, index))
        except sqlite3.OperationalError:  # not migrated to m015 / m016 / m018 yet: nothing waits
            pass
    return found


def has_pending(conn: sqlite3.Connection) -> bool:
    """Whether any item, version text or change waits to be indexed."""
    return bool(waiting(conn))


def index_pending(conn: sqlite3.Connection) -> int:
    """Index every waiting row in one statement per index and forget them; how many were
    indexed.

    Inside an open transaction the work joins it; otherwise it is a transaction of its own.
    A row already indexed (after a `'rebuild'`) is skipped, never indexed twice.
    """
    found = waiting(conn)
    if not found:
        return 0
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        indexed = 0
        for table, index in found:
            indexed += conn.execute(index).rowcount
            if table is not None:
                conn.execute(f"DELETE FROM {table}")
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
