"""A database the store makes has 8 KiB pages (watcher/db/store.py, `PAGE_SIZE`); one made
before keeps the size it has; both hold the very same rows.

A first page of a pass writes ~68 KB of rows, indexes and full-text segments; at SQLite's
default 4 KiB page every page of it is two `write` calls into the WAL (frame header, page) and
one more at the checkpoint. Larger pages: fewer frames for the same rows. Real SQLite files;
the history of test_store_same_rows (real Federal Register items: baselines, changes, a
re-baseline), every table dumped, full-text shadow tables included.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storedhistory import dump, store_history

from watcher.db.store import PAGE_SIZE, Store


def page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    conn.close()
    return size


def made_with(path: Path, size: int) -> Path:
    """An empty WAL database with `size`-byte pages, as an older regwatch (or SQLite's default) made it."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA page_size = {size}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return path


def stored_in_frames(path: Path) -> int:
    """Store the history into `path`; how many WAL frames its commits wrote.

    A connection held open meanwhile keeps the store's close from checkpointing the WAL away
    (the history is far below the 1,000 frames that start a checkpoint on a commit)."""
    watcher = sqlite3.connect(path)
    try:
        watcher.execute("PRAGMA journal_mode").fetchone()  # opened: its lock keeps the WAL
        store_history(path)
        _busy, frames, _done = watcher.execute("PRAGMA wal_checkpoint").fetchone()
    finally:
        watcher.close()
    return int(frames)


def test_a_new_database_has_8_kib_pages(tmp_path):
    assert PAGE_SIZE == 8192
    store = Store(tmp_path / "new.db")
    assert store.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    empty = tmp_path / "empty.db"  # a file made empty beforehand (a pass's first database, a 0600 file)
    empty.write_bytes(b"")
    Store(empty).close()
    assert page_size(empty) == PAGE_SIZE


def test_an_older_database_keeps_its_pages_and_reads_as_before(tmp_path):
    old = made_with(tmp_path / "old.db", 4096)
    store_history(old)
    before = dump(old)
    store = Store(old)  # opened again: nothing rewritten
    assert store.db.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert store.latest_snapshot("us-fr-documents-3") is not None
    store.close()
    assert page_size(old) == 4096
    assert dump(old) == before


def test_both_page_sizes_store_the_same_rows_in_fewer_frames(tmp_path):
    old = made_with(tmp_path / "old.db", 4096)
    new = tmp_path / "new.db"
    frames = {}
    for path in (old, new):
        Store(path).close()  # the schema, made and checkpointed
        frames[path] = stored_in_frames(path)
    assert page_size(new) == PAGE_SIZE
    rows = dump(new)
    assert len(rows) > 1000  # items, full-text segments, changes, outbox rows
    assert rows == dump(old)  # every row of every table, the full-text index's blobs included
    # The same rows in fewer frames: 281 against 454 for this small history of many small
    # tables (a bench page's bulk of rows: about half).
    assert frames[new] * 3 < frames[old] * 2, frames
