"""The store: private file, migrations, atomic change + outbox, nothing stored is lost on failure."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime

import pytest

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.store import Failure, Store
from watcher.errors import Reason
from watcher.model import Change, FetchResult, Item, Snapshot, Source

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=UTC)
SOURCE = Source(id="s", url="https://e.gov/", kind="listing", name="S")
FETCHED = FetchResult(url=SOURCE.url, final_url=SOURCE.url, status=200, body=b"x")
HEALTH = HealthPolicy(after_failures=2, channels=("console",))


def test_database_is_private_and_migrated(tmp_path):
    path = tmp_path / "r.db"
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    names = [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM _sqlite_migrations")]
    assert names[0] == "m001_initial"
    Store(path).close()  # reopening applies nothing twice


def test_change_and_outbox_are_one_transaction(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([SOURCE], NOW)
    base = Snapshot(items=(Item("1", "One"),))
    store.save_baseline(SOURCE, FETCHED, base, NOW, duration=0, body_hash="a", config_hash="c", health=HEALTH)
    after = Snapshot(items=(Item("1", "One"), Item("2", "Two")))
    change = Change("s", base.fingerprint, after.fingerprint, added=(Item("2", "Two"),), summary="1 new")

    original = store._enqueue

    def explode(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("crash after the first outbox row")

    store._enqueue = explode  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        store.save_change(
            SOURCE,
            FETCHED,
            after,
            change,
            ["console"],
            NOW,
            duration=0,
            body_hash="b",
            config_hash="c",
            health=HEALTH,
        )
    db = store.db
    assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert store.state("s").latest == base.fingerprint  # nothing already stored is lost
    store._enqueue = original  # type: ignore[method-assign]
    outcome = store.save_change(
        SOURCE,
        FETCHED,
        after,
        change,
        ["console", "console"],
        NOW,
        duration=0,
        body_hash="b",
        config_hash="c",
        health=HEALTH,
    )
    assert outcome.change_id == 1
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1  # UNIQUE(subject, channel)
    assert store.latest_snapshot("s") == after


def test_health_alert_once_after_n_failures_and_once_on_recovery(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([SOURCE], NOW)
    for _ in range(4):
        store.record_failure(
            SOURCE, NOW, Failure(reason=Reason.HTTP, error="HTTP 500", http_status=500), health=HEALTH
        )
    rows = store.db.execute("SELECT kind, subject FROM outbox").fetchall()
    assert rows == [("health", "health:1")]
    assert store.state("s").state == "broken"
    store.record_unchanged(SOURCE, FETCHED, NOW, duration=0, health=HEALTH)
    events = store.db.execute("SELECT state FROM events ORDER BY id").fetchall()
    assert events == [("broken",), ("recovered",)]
    assert store.db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 2


def _fts_writes(db, statement: str, params: list) -> int:
    """Rows written by `statement`, its triggers included (the full-text index's own tables)."""
    before = db.conn.total_changes
    db.execute(statement, params)
    return db.conn.total_changes - before - db.conn.execute("SELECT changes()").fetchone()[0]


def test_full_text_index_follows_indexed_columns_only(tmp_path):
    store = Store(tmp_path / "r.db")
    store.sync_sources([SOURCE], NOW)
    base = Snapshot(items=(Item("1", "Breach notification guidance", summary="old words"),))
    store.save_baseline(SOURCE, FETCHED, base, NOW, duration=0, body_hash="a", config_hash="c", health=HEALTH)
    db = store.db

    def found(term: str) -> list[str]:
        sql = "SELECT i.key FROM items_fts JOIN items i ON i.id = items_fts.rowid WHERE items_fts MATCH ?"
        return [r[0] for r in db.execute(sql, [term]).fetchall()]

    # Bookkeeping columns do not touch the index (it was rewritten on every change before m007)...
    assert _fts_writes(db, "UPDATE items SET last_seen = ?", ["2024-10-02"]) == 0
    assert found("notification") == ["1"]
    # ...indexed ones still re-index the row: the new words are found, the old ones are gone.
    assert _fts_writes(db, "UPDATE items SET summary = ? WHERE key = '1'", ["fresh text"]) > 0
    assert found("fresh") == ["1"] and found("old") == []
    db.execute("UPDATE items SET text = ? WHERE key = '1'", ["followed interoperability rule"])
    assert found("interoperability") == ["1"]
    db.execute("UPDATE items SET title = ? WHERE key = '1'", ["Renamed"])
    assert found("renamed") == ["1"] and found("notification") == []
    # The same for changes: setting the enrichment state leaves changes_fts alone.
    db.execute(
        "INSERT INTO changes (source_id, detected_at, after, summary, diff) VALUES ('s', 'x', ?, 'sum', '+a')",
        [base.fingerprint],
    )
    store.index_pending()  # a raw insert waits to be indexed (m018) until the next commit or reader
    assert _fts_writes(db, "UPDATE changes SET enrichment = 'pending'", []) == 0
    assert _fts_writes(db, "UPDATE changes SET summary = 'new summary'", []) > 0
    hits = db.execute("SELECT rowid FROM changes_fts WHERE changes_fts MATCH 'new'").fetchall()
    assert len(hits) == 1
