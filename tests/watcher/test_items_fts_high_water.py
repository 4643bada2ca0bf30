"""New items wait for the full-text index above its highest id, noted nowhere (migration m019,
watcher/db/ftspending.py): storing a first version's items runs no trigger per row, and the
index still ends equal to one rebuilt from the table, whatever moves the mark. Real SQLite
files; items from a real Federal Register API response (tests/pages/federal-register-api-json).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ftsindex import assert_index_whole, database_before, triggers, unindex_item

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.ftspending import has_pending
from watcher.db.migrations import m019_items_fts_high_water
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = json.loads((ROOT / "pages/federal-register-api-json/documents-sample.json").read_text())[
    "results"
]
NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
SOURCES = [Source(id=f"us-fr-2024-{n:02d}", url=f"https://e.gov/fr/{n}", kind="listing") for n in range(3)]
RAW_INSERT = "INSERT INTO items (source_id, key, title, link, summary, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)"


def document(n: int) -> Item:
    doc = DOCUMENTS[n % len(DOCUMENTS)]
    return Item(
        f"{doc['document_number']}-{n}", doc["title"], link=doc["html_url"], summary=doc.get("abstract") or ""
    )


def raw_row(source: Source, n: int) -> list[Any]:
    item = document(n)
    return [source.id, item.key, item.title, item.link, item.summary, "2024-01-31", "2024-01-31"]


def baseline(store: Store, source: Source, items: tuple[Item, ...]) -> None:
    fetched = FetchResult(url=source.url, final_url=source.url, status=200, body=source.id.encode())
    store.save_baseline(
        source, fetched, Snapshot(items=items), NOW, duration=0, body_hash=source.id, config_hash="c",
        health=HealthPolicy(),
    )  # fmt: skip


def test_a_batch_of_first_versions_notes_no_item_and_its_commit_indexes_them_all(tmp_path: Path):
    path = tmp_path / "r.db"
    store = Store(path)
    statements: list[str] = []
    try:
        store.sync_sources(SOURCES, NOW)
        assert "items_ai" not in triggers(store.db.conn)
        with store.batching(50, 3600):
            for k, source in enumerate(SOURCES):
                store.db.conn.set_trace_callback(statements.append)
                with store.unit():
                    baseline(store, source, tuple(document(20 * k + n) for n in range(20)))
                store.db.conn.set_trace_callback(None)
            conn = store.db.conn
            assert conn.execute("SELECT count(*) FROM items_fts_pending").fetchone()[0] == 0  # 60 before m019
            assert conn.execute("SELECT count(*) FROM items_fts_docsize").fetchone()[0] == 0
            assert has_pending(conn)
    finally:
        store.close()
    assert not any("items_fts_pending" in sql for sql in statements)  # no trigger ran per row
    assert_index_whole(path, fts="items_fts", table="items")
    conn = sqlite3.connect(path)
    try:
        hits = conn.execute(
            "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", [document(0).title.split()[0]]
        )
        assert hits.fetchone()[0] >= 1
    finally:
        conn.close()


def test_an_indexed_item_moved_above_rows_that_wait_does_not_hide_them(tmp_path: Path):
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources(SOURCES, NOW)
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executemany(RAW_INSERT, [raw_row(SOURCES[0], n) for n in range(5)])
        Store(path).close()  # indexed: the mark is the fifth row
        conn.execute("BEGIN")
        conn.executemany(RAW_INSERT, [raw_row(SOURCES[1], n) for n in range(5, 10)])  # wait above the mark
        # An indexed row re-keyed above them, and the highest indexed row re-titled: neither
        # may raise the mark over the rows that wait.
        conn.execute("UPDATE items SET id = (SELECT max(id) + 1 FROM items) WHERE key = ?", [document(1).key])
        conn.execute("UPDATE items SET title = 'Retitled notice' WHERE key = ?", [document(4).key])
        conn.execute("COMMIT")
        assert conn.execute("SELECT count(*) FROM items_fts_pending").fetchone()[0] == 0
    finally:
        conn.close()
    Store(path).close()
    assert_index_whole(path, fts="items_fts", table="items")


def test_a_database_with_rows_waiting_under_m018_migrates_and_indexes_them(tmp_path: Path):
    path = tmp_path / "r.db"
    db = database_before(path, m019_items_fts_high_water)  # the schema as it was before m019
    db.execute(
        "INSERT INTO sources (id, name, url, kind, created_at) VALUES (?, ?, ?, ?, ?)",
        [SOURCES[0].id, "FR", SOURCES[0].url, "listing", "2024-01-01T00:00:00+00:00"],
    )
    assert "items_ai" in triggers(db.conn)
    db.conn.executemany(RAW_INSERT, [raw_row(SOURCES[0], n) for n in range(6)])
    db.conn.commit()
    db.conn.execute(  # five indexed in bulk, as m018's store did; the sixth still waits
        "INSERT INTO items_fts (rowid, title, summary, text) SELECT id, title, summary, text FROM items"
        " WHERE id IN (SELECT item_id FROM items_fts_pending) AND key != ?",
        [document(5).key],
    )
    db.conn.execute(
        "DELETE FROM items_fts_pending WHERE item_id != (SELECT id FROM items WHERE key = ?)",
        [document(5).key],
    )
    lost = document(2)  # a row the index lacks below its highest id: the migration queues it
    unindex_item(db.conn, lost.key)
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        assert "items_ai" not in triggers(store.db.conn)
    finally:
        store.close()
    assert_index_whole(path, fts="items_fts", table="items")
