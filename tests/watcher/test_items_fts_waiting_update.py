"""An item still waiting to be full-text indexed whose title changes in the same transaction
is stored, and indexed with its new words (migration m016 guards `items_au`).

Before m016 the trigger's `INSERT OR IGNORE` into `items_fts_pending` took the conflict
policy of the store's upsert that fired it, and the check failed with "UNIQUE constraint
failed: items_fts_pending.item_id": a re-baseline after a baseline in one batch, or a kind
listing one key twice with two titles. Titles from a real Federal Register API response.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = json.loads((ROOT / "pages/federal-register-api-json/documents-sample.json").read_text())[
    "results"
]
NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
SOURCE = Source(id="us-fr-2024-01", url="https://e.gov/fr", kind="listing", name="Federal Register")
FETCHED = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"x")


def items(first: int) -> tuple[Item, ...]:
    return tuple(Item(f"doc-{n}", DOCUMENTS[first + n]["title"]) for n in range(3))


def test_a_waiting_item_retitled_in_the_same_batch_is_stored_and_indexed_with_its_new_title(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources([SOURCE], NOW)
    health = HealthPolicy()
    with store.batching(50, 3600):
        store.save_baseline(
            SOURCE,
            FETCHED,
            Snapshot(items=items(0)),
            NOW,
            duration=0,
            body_hash="a",
            config_hash="c",
            health=health,
        )
        store.save_rebaseline(  # the same keys, other titles, before the batch commits
            SOURCE, FETCHED, Snapshot(items=items(10)), NOW + timedelta(minutes=1), duration=0,
            body_hash="b", config_hash="d", health=health, reason="configuration changed",
        )  # fmt: skip
    store.close()
    conn = sqlite3.connect(path)
    try:
        assert [r[0] for r in conn.execute("SELECT title FROM items ORDER BY id")] == [
            i.title for i in items(10)
        ]
        assert conn.execute("SELECT count(*) FROM items_fts_pending").fetchone()[0] == 0
        phrase = '"' + items(10)[1].title.replace('"', '""') + '"'
        hits = conn.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH ?", [phrase]).fetchall()
        assert hits == [(2,)]
        old = '"' + items(0)[1].title.replace('"', '""') + '"'
        assert conn.execute("SELECT rowid FROM items_fts WHERE items_fts MATCH ?", [old]).fetchall() == []
        conn.execute("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
    finally:
        conn.close()
