"""Snapshots are stored zstandard-compressed; older zlib rows still read (watcher/db/compression.py).

Real SQLite files; the snapshot is the real `listing` kind's reading of a bench page.
"""

from __future__ import annotations

import json
import sys
import zlib
from datetime import UTC, datetime
from pathlib import Path

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.compression import ZSTD_MAGIC
from watcher.db.store import Store
from watcher.history.snapshottext import snapshot_text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import batch_store  # bench/: the bench pages, read by the real listing kind

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def test_new_snapshots_are_zstandard_and_old_zlib_ones_still_read(tmp_path):
    (source, fetched, snapshot), (_, _, older) = batch_store.prepared(2)
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources([source], NOW)
    store.save_baseline(
        source, fetched, snapshot, NOW, duration=0, body_hash="a", config_hash="c", health=HealthPolicy()
    )
    payload = json.dumps(older.to_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    store.db.execute(  # a row as written before: zlib level 6
        "INSERT INTO snapshots (hash, created_at, size, data) VALUES (?, ?, ?, ?)",
        [older.fingerprint, "2024-01-01T00:00:00+00:00", len(payload), zlib.compress(payload, 6)],
    )
    store.db.conn.commit()
    store.close()

    store = Store(path)  # nothing cached
    try:
        data = store.db.execute(
            "SELECT data FROM snapshots WHERE hash = ?", [snapshot.fingerprint]
        ).fetchone()[0]
        assert data[:4] == ZSTD_MAGIC
        assert len(data) < len(payload) / 3
        assert store.snapshot(snapshot.fingerprint) == snapshot
        assert store.snapshot(older.fingerprint) == older
        assert snapshot_text(data) == snapshot.text  # the UI's SQL function snapshot_text(data)
    finally:
        store.close()
