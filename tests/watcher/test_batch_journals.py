"""While a pass batches checks, statement journals stay in memory (watcher/db/batch.py).

Every check is a savepoint of its batch's transaction, so each statement copies the pages
it changes into the statement journal; past 64 KB SQLite spills that journal to a temporary
file (~190 page writes for a bench page's first version). In a batch it stays in memory, a
check that fails is still rolled back to its savepoint, and the setting is as it was when
the batch ends (so `VACUUM` and large sorts keep their temporary files on disk).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def source(n: int) -> Source:
    return Source(id=f"src-{n}", url=f"https://example.gov/{n}", kind="listing")


def page(n: int) -> tuple[FetchResult, Snapshot]:
    items = tuple(
        Item(
            key=f"https://example.gov/{n}/doc-{i}",
            title=f"Guidance note {i} on the processing of health data, part {n}",
            link=f"https://example.gov/{n}/doc-{i}",
            date=f"20{10 + i % 15}-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            summary=" ".join(f"clause{n}x{i}x{w}" for w in range(40)),
        )
        for i in range(200)
    )
    body = f"<html>{n}</html>".encode()
    return FetchResult(url=source(n).url, final_url=source(n).url, status=200, body=body), Snapshot(
        blocks=(f"page {n}",), items=items
    )


def temp_files() -> list[str]:
    """SQLite's temporary files this process holds open (unlinked on open: 'etilqs_...')."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if "etilqs_" in target:
            found.append(target)
    return found


def save(store: Store, n: int) -> None:
    fetched, snapshot = page(n)
    store.save_baseline(
        source(n), fetched, snapshot, NOW, duration=0.1, body_hash=fetched.body_hash, config_hash="c",
        health=HealthPolicy(),
    )  # fmt: skip


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads /proc")
def test_a_batch_keeps_statement_journals_in_memory(tmp_path: Path):
    store = Store(tmp_path / "r.db")
    try:
        store.sync_sources([source(n) for n in range(4)], NOW)
        assert store.db.conn.execute("PRAGMA temp_store").fetchone()[0] == 0
        with store.batching(50, 3600):
            assert store.db.conn.execute("PRAGMA temp_store").fetchone()[0] == 2
            for n in range(3):
                with store.unit():
                    save(store, n)  # 200 items: far more than 64 KB of journalled pages
            assert store.db.conn.in_transaction
            assert temp_files() == []
        assert store.db.conn.execute("PRAGMA temp_store").fetchone()[0] == 0
    finally:
        store.close()


def test_a_failed_check_in_a_batch_is_still_rolled_back_alone(tmp_path: Path):
    store = Store(tmp_path / "r.db")
    try:
        store.sync_sources([source(n) for n in range(3)], NOW)
        with store.batching(50, 3600):
            with store.unit():
                save(store, 0)
            with pytest.raises(RuntimeError), store.unit():
                save(store, 1)
                raise RuntimeError("the check failed after writing its rows")
            with store.unit():
                save(store, 2)
        counts = dict(store.db.execute("SELECT source_id, count(*) FROM items GROUP BY source_id").fetchall())
        assert counts == {"src-0": 200, "src-2": 200}
        assert store.db.execute("SELECT count(*) FROM items_fts").fetchone()[0] == 400
        assert [r[0] for r in store.db.execute("SELECT source_id FROM checks ORDER BY id")] == [
            "src-0",
            "src-2",
        ]
    finally:
        store.close()
