"""While a pass batches, the store's connection keeps a page cache large enough for a batch's
dirty pages (watcher/db/batch.py, `BATCH_CACHE_KIB`), and gives the setting back after.

With SQLite's default cache (2,000 KiB) a batch of first versions spilled its dirty pages into
the WAL in the middle of its transaction (written again when changed again) and read evicted
pages back. Here a batch of ~2.7 MB of real Federal Register items writes nothing to the WAL
until its commit, the commit stores every row, and the setting is as before once the batch ends.
Real SQLite files; titles and abstracts from a real Federal Register API response.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from ftsindex import DOCUMENTS

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.batch import BATCH_CACHE_KIB
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
FETCHED = FetchResult(url="https://e.gov/fr", final_url="https://e.gov/fr", status=200, body=b"x")
LISTS = 20


def listing(n: int) -> Snapshot:
    """60 real documents (each of the sample's 20 three times, keyed apart), as a listing's first version."""
    items = tuple(
        Item(
            f"{doc['document_number']}-{n}-{k}",
            doc["title"],
            link=f"{doc['html_url']}?list={n}&k={k}",
            summary=doc.get("abstract") or "",
        )
        for k in range(3)
        for doc in DOCUMENTS
    )
    return Snapshot(blocks=tuple(item.title for item in items), items=items)


def cache_kib(store: Store) -> int:
    return -int(store.db.conn.execute("PRAGMA cache_size").fetchone()[0])


def test_a_batch_of_first_versions_writes_the_wal_only_at_its_commit(tmp_path: Path):
    path = tmp_path / "r.db"
    wal = Path(f"{path}-wal")
    store = Store(path)
    sources = [Source(id=f"fr-{n}", url=f"https://e.gov/fr/{n}", kind="listing") for n in range(LISTS)]
    store.sync_sources(sources, NOW)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert os.path.getsize(wal) == 0
    before = cache_kib(store)
    with store.batching(1000, 3600):
        assert cache_kib(store) == BATCH_CACHE_KIB
        for n, source in enumerate(sources):
            with store.unit():
                store.save_baseline(
                    source, FETCHED, listing(n), NOW, duration=0, body_hash=str(n), config_hash="c",
                    health=HealthPolicy(),
                )  # fmt: skip
        assert os.path.getsize(wal) == 0  # nothing spilled while the transaction was open
    written = os.path.getsize(wal)
    assert written > 2_000 * 1024  # more than SQLite's default cache holds: it would have spilled
    assert cache_kib(store) == before
    assert store.db.execute("SELECT count(*) FROM items").fetchone()[0] == LISTS * 3 * len(DOCUMENTS)
    store.close()


def test_a_larger_cache_is_kept_and_the_setting_comes_back_after_each_batch(tmp_path: Path):
    store = Store(tmp_path / "r.db")
    try:
        store.db.conn.execute("PRAGMA cache_size = 100")  # pages: 400 KiB
        with store.batching():
            assert cache_kib(store) == BATCH_CACHE_KIB
        assert store.db.conn.execute("PRAGMA cache_size").fetchone()[0] == 100
        store.db.conn.execute("PRAGMA cache_size = -65536")  # a caller's larger cache stays as it is
        with store.batching():
            assert cache_kib(store) == 65536
        assert cache_kib(store) == 65536
    finally:
        store.close()
