"""The full-text index of versions' text, indexed in bulk (migration m016, watcher/db/ftspending.py).

A new version's text waits in `version_text_fts_pending` and is indexed in one statement
before the store commits (no longer row by row inside each check's savepoint). Whatever
writes `version_text` (the store through batches, raw SQL, retention's deletes), the index
ends equal to one rebuilt from the table, compared through FTS5's own `fts5vocab` table; a
search right after a check finds the new text; a kill between storing a version and
indexing it loses nothing; a database indexed by the old trigger migrates in place. Real
HTTP on 127.0.0.1, real SQLite files; titles from a real Federal Register API response.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clirun import run_cli, write_config
from ftsindex import (
    DOCUMENTS,
    LISTS,
    assert_index_whole,
    check,
    database_before,
    fr_snapshot,
    fr_source,
    serve,
    titles,
    triggers,
)

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.migrations import m016_version_text_pending
from watcher.db.store import Store
from watcher.history.queries import Filters
from watcher.history.search import search
from watcher.model import FetchResult

NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
HEALTH = HealthPolicy()


def versions_found(path: Path, words: str) -> list[str]:
    """Snapshots whose text `regwatch search --in versions` finds, read-only, as its command opens the store."""
    store = Store(path, readonly=True)
    try:
        return [hit.snapshot for hit in search(store.db, words, Filters(), scopes=("versions",), limit=50)]
    finally:
        store.close()


def matched(path: Path, words: str) -> list[str]:
    """Snapshots whose text matches `words` (a phrase), read-only, as a reader opens the store."""
    store = Store(path, readonly=True)
    try:
        phrase = '"' + words.replace('"', '""') + '"'
        return sorted(
            row[0]
            for row in store.db.execute(
                "SELECT vt.snapshot FROM version_text_fts JOIN version_text vt ON vt.rowid = version_text_fts.rowid"
                " WHERE version_text_fts MATCH ?",
                [phrase],
            ).fetchall()
        )
    finally:
        store.close()


def test_a_version_stored_in_a_batch_is_found_right_after_and_the_index_equals_a_rebuilt_one(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources([fr_source(n) for n in range(LISTS)], NOW)
    fetched = FetchResult(url="https://e.gov/fr", final_url="https://e.gov/fr", status=200, body=b"x")
    with store.batching(50, 3600):
        for n in range(LISTS):
            with store.unit():
                store.save_baseline(
                    fr_source(n),
                    fetched,
                    fr_snapshot(n, 3),
                    NOW,
                    duration=0,
                    body_hash="a",
                    config_hash="c",
                    health=HEALTH,
                )
        # Inside the open batch the rows wait; they are indexed with the commit.
        assert store.db.execute("SELECT count(*) FROM version_text_fts_pending").fetchone()[0] == LISTS
    store.close()
    assert_index_whole(path, fts="version_text_fts", table="version_text")
    newest = fr_snapshot(2, 3).blocks[-1]
    assert fr_snapshot(2, 3).fingerprint in versions_found(path, newest)


def test_updates_and_deletes_of_waiting_and_of_indexed_rows_keep_the_index_whole(tmp_path):
    path = tmp_path / "r.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    rows = [(f"s{n}", DOCUMENTS[n]["title"]) for n in range(6)]
    conn.executemany(
        "INSERT INTO snapshots (hash, created_at, size, data) VALUES (?, 'x', 0, x'')",
        [(h,) for h, _ in rows],
    )
    conn.executemany("INSERT INTO version_text (snapshot, text) VALUES (?, ?)", rows[:3])
    conn.commit()
    Store(path).close()  # indexes the first three
    conn.executemany("INSERT INTO version_text (snapshot, text) VALUES (?, ?)", rows[3:])  # these wait
    conn.execute("UPDATE version_text SET text = 'enforcement discretion' WHERE snapshot IN ('s0', 's3')")
    conn.execute(
        "UPDATE version_text SET snapshot = snapshot WHERE snapshot IN ('s1', 's4')"
    )  # text as it was
    conn.execute("DELETE FROM version_text WHERE snapshot IN ('s2', 's5')")
    conn.commit()
    conn.close()
    Store(path).close()
    assert_index_whole(path, fts="version_text_fts", table="version_text")
    assert matched(path, "enforcement discretion") == ["s0", "s3"]


def test_a_database_indexed_by_the_old_trigger_migrates_in_place(tmp_path):
    path = tmp_path / "r.db"
    db = database_before(path, m016_version_text_pending)  # the schema as it was before m016
    db.conn.executemany(
        "INSERT INTO snapshots (hash, created_at, size, data) VALUES (?, 'x', 0, x'')",
        [(f"s{n}",) for n in range(5)],
    )
    db.conn.executemany(  # indexed row by row by the old trigger
        "INSERT INTO version_text (snapshot, text) VALUES (?, ?)",
        [(f"s{n}", DOCUMENTS[n]["title"]) for n in range(4)],
    )
    db.execute(  # a row the old index lacks: the migration queues it
        "INSERT INTO version_text_fts (version_text_fts, rowid, text)"
        " SELECT 'delete', rowid, text FROM version_text WHERE snapshot = 's3'"
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        made = triggers(store.db.conn)
        assert "version_text_fts_pending" in made["version_text_ai"]
        assert "version_text_fts (rowid" not in made["version_text_ai"]
        store.db.execute(
            "INSERT INTO version_text (snapshot, text) VALUES ('s4', ?)", [DOCUMENTS[4]["title"]]
        )
        store.db.conn.commit()
    finally:
        store.close()
    assert "s3" in matched(path, DOCUMENTS[3]["title"])
    assert "s4" in matched(path, DOCUMENTS[4]["title"])
    assert_index_whole(path, fts="version_text_fts", table="version_text")


def test_retention_deleting_versions_keeps_the_index_whole(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources([fr_source(0)], NOW)
    fetched = FetchResult(url="https://e.gov/fr", final_url="https://e.gov/fr", status=200, body=b"x")
    store.save_baseline(
        fr_source(0),
        fetched,
        fr_snapshot(0, 2),
        NOW,
        duration=0,
        body_hash="a",
        config_hash="c",
        health=HEALTH,
    )
    with store.batching(50, 3600), store.unit():  # a second version, waiting in the open batch when deleted
        store.save_rebaseline(
                fr_source(0), fetched, fr_snapshot(0, 3), NOW + timedelta(minutes=1), duration=0,
                body_hash="b", config_hash="c2", health=HEALTH,
            )  # fmt: skip
        store.db.execute("DELETE FROM version_text WHERE snapshot = ?", [fr_snapshot(0, 3).fingerprint])
    store.db.execute(
        "DELETE FROM version_text WHERE snapshot = ?", [fr_snapshot(0, 2).fingerprint]
    )  # indexed
    store.db.conn.commit()
    store.close()
    assert_index_whole(path, fts="version_text_fts", table="version_text")


# -- the real command, killed between storing a version and indexing it ---------------------


def searched(config: Path, words: str) -> int:
    result = run_cli("--config", str(config), "search", words, "--in", "versions", "--json", "-n", "100")
    assert result.returncode in (0, 1), result.stderr
    return len(json.loads(result.stdout or "[]"))


@pytest.mark.parametrize(
    "crash_at", ["after_extract:4", "before_commit:1", "before_commit:3", "after_commit:1"]
)
def test_a_kill_between_storing_a_version_and_indexing_it_loses_nothing(site, tmp_path, crash_at):
    db = tmp_path / "regwatch.db"
    config = write_config(
        tmp_path / "regwatch.toml", sources=serve(site, 2), limits={"batch_checks": 2, "batch_seconds": 10}
    )
    if crash_at.startswith("after_extract"):  # a first pass: two baselines committed, one in the open batch
        check(config, crash_at)
        assert_index_whole(db, fts="version_text_fts", table="version_text")
        check(config)
    else:
        check(config)
        serve(site, 3)  # one new document on every list
        check(config, crash_at)
        assert_index_whole(db, fts="version_text_fts", table="version_text")
        check(config)  # the restart finds the lost changes again
    assert_index_whole(db, fts="version_text_fts", table="version_text")
    for n in range(LISTS):
        newest = titles(n, 3 if not crash_at.startswith("after_extract") else 2)[-1]
        assert searched(config, newest) >= 1
