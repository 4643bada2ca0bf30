"""The full-text index of changes, indexed in bulk (migration m018, watcher/db/ftspending.py).

A new change's summary and diff wait in `changes_fts_pending` and are indexed in one
statement before the store commits, no longer row by row inside each check's savepoint
(where FTS5 wrote a small segment of its own per change). Whatever writes `changes` (the
store through batches, raw SQL, updates and deletes), the index ends equal to one rebuilt
from the table, compared through FTS5's own `fts5vocab` table; `regwatch search --in
changes` answers exactly as over the rebuilt index (ranks included); a kill between storing
a change and indexing it loses nothing; a database indexed by the old trigger migrates in
place. Real HTTP on 127.0.0.1, real SQLite files; titles from a real Federal Register API
response.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from clirun import run_cli
from ftsindex import (
    DOCUMENTS,
    LISTS,
    assert_index_whole,
    database_before,
    fr_snapshot,
    fr_source,
    killed_between_storing_and_indexing,
    titles,
    triggers,
)

from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
from watcher.db.migrations import m018_changes_fts_pending
from watcher.db.store import Store
from watcher.history.queries import Filters
from watcher.history.search import search
from watcher.model import FetchResult

NOW = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)
HEALTH = HealthPolicy()
FETCHED = FetchResult(url="https://e.gov/fr", final_url="https://e.gov/fr", status=200, body=b"x")


def store_changes(path: Path, lists: int) -> None:
    """Baselines of `lists` sources, then one new document on each, stored in one batch."""
    store = Store(path)
    store.sync_sources([fr_source(n) for n in range(lists)], NOW)
    with store.batching(50, 3600):
        for n in range(lists):
            with store.unit():
                store.save_baseline(
                    fr_source(n), FETCHED, fr_snapshot(n, 3), NOW, duration=0, body_hash="a", config_hash="c",
                    health=HEALTH,
                )  # fmt: skip
    later = NOW + timedelta(hours=1)
    with store.batching(50, 3600):
        data_rows = store.db.execute("SELECT count(*) FROM changes_fts_data").fetchone()[0]
        for n in range(lists):
            state = store.state(fr_source(n).id)
            after = fr_snapshot(n, 4)
            decision = decide(
                state, FETCHED, after, fr_source(n), config_hash="c", previous=store.snapshot(state.latest)
            )
            assert isinstance(decision, Changed)
            with store.unit():
                store.save_change(
                    fr_source(n), FETCHED, after, decision.change, ["console"], later, duration=0,
                    body_hash=f"b{n}", config_hash="c", health=HEALTH,
                )  # fmt: skip
        # Inside the open batch the changes wait, and no check wrote an index segment of its own.
        assert store.db.execute("SELECT count(*) FROM changes_fts_pending").fetchone()[0] == lists
        assert store.db.execute("SELECT count(*) FROM changes_fts_data").fetchone()[0] == data_rows
    store.close()


def answers(path: Path) -> list[list[tuple]]:
    """What `regwatch search --in changes` answers over the file, read-only, for several queries."""
    store = Store(path, readonly=True)
    try:
        out = []
        for words, raw, newest in [
            ("collection", False, False),
            ("collection", False, True),
            ("comment*", False, False),
            ('"public comments" OR petition', True, False),
            ("NEAR(color petition, 5)", True, False),
            ("diff : drug NOT summary : data", True, True),
            ("availability", False, False),
        ]:
            hits = search(
                store.db, words, Filters(), scopes=("changes",), limit=100, raw=raw, newest_first=newest
            )
            out.append([(h.id, h.rank, h.snippet, h.at) for h in hits])
        return out
    finally:
        store.close()


def test_changes_stored_in_a_batch_are_indexed_at_its_commit_and_equal_a_rebuilt_index(tmp_path):
    path = tmp_path / "r.db"
    store_changes(path, 12)
    assert_index_whole(path, fts="changes_fts", table="changes")
    # Search answers what it answers over the index rebuilt row by row from the table.
    rebuilt = tmp_path / "rebuilt.db"
    shutil.copyfile(path, rebuilt)
    with sqlite3.connect(rebuilt) as conn:
        conn.execute("INSERT INTO changes_fts (changes_fts) VALUES ('rebuild')")
    conn.close()
    found = answers(path)
    assert found == answers(rebuilt)
    assert [len(hits) for hits in found] == [
        6,
        6,
        6,
        6,
        3,
        3,
        6,
    ]  # every query finds changes  # the queries find something
    store = Store(path, readonly=True)
    try:  # and each change is found by the title of the document it added
        for n in range(12):
            phrase = '"' + fr_snapshot(n, 4).blocks[-1].replace('"', '""') + '"'
            hits = search(store.db, phrase, Filters(), scopes=("changes",), raw=True, limit=50)
            assert n + 1 in [h.id for h in hits]
    finally:
        store.close()


def test_updates_and_deletes_of_waiting_and_of_indexed_changes_keep_the_index_whole(tmp_path):
    path = tmp_path / "r.db"
    store = Store(path)
    store.sync_sources([fr_source(0)], NOW)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO snapshots (hash, created_at, size, data) VALUES ('h', 'x', 0, x'')")
    insert = (
        "INSERT INTO changes (source_id, detected_at, after, summary, diff) VALUES ('us-fr-0', ?, 'h', ?, ?)"
    )
    rows = [(f"2024-01-0{n + 1}", DOCUMENTS[n]["title"], "+ " + DOCUMENTS[n + 6]["title"]) for n in range(6)]
    conn.executemany(insert, rows[:3])
    conn.commit()
    Store(path).close()  # indexes the first three
    conn.executemany(insert, rows[3:])  # these wait
    conn.execute("UPDATE changes SET summary = 'enforcement discretion' WHERE id IN (1, 4)")
    conn.execute("UPDATE changes SET enrichment = 'pending' WHERE id IN (2, 5)")  # not an indexed column
    conn.execute("UPDATE changes SET diff = '+ interim final rule' WHERE id = 2")
    conn.execute("DELETE FROM changes WHERE id IN (3, 6)")
    conn.commit()
    assert conn.execute("SELECT change_id FROM changes_fts_pending ORDER BY 1").fetchall() == [(4,), (5,)]
    conn.close()
    Store(path).close()
    assert_index_whole(path, fts="changes_fts", table="changes")
    store = Store(path, readonly=True)
    try:
        found = search(store.db, '"enforcement discretion"', Filters(), scopes=("changes",), limit=10)
        assert sorted(h.id for h in found) == [1, 4]
        assert [h.id for h in search(store.db, "interim", Filters(), scopes=("changes",))] == [2]
    finally:
        store.close()


def test_a_database_indexed_by_the_old_trigger_migrates_in_place(tmp_path):
    path = tmp_path / "r.db"
    db = database_before(path, m018_changes_fts_pending)  # the schema as it was before m018
    db.execute(
        "INSERT INTO sources (id, name, url, kind, created_at) VALUES ('us-fr-0', 'FR', 'https://e.gov', 'listing', 'x')"
    )
    db.execute("INSERT INTO snapshots (hash, created_at, size, data) VALUES ('h', 'x', 0, x'')")
    db.conn.executemany(  # indexed row by row by the old trigger
        "INSERT INTO changes (source_id, detected_at, after, summary, diff) VALUES ('us-fr-0', 'x', 'h', ?, '')",
        [(DOCUMENTS[n]["title"],) for n in range(4)],
    )
    db.execute(  # a row the old index lacks: the migration queues it
        "INSERT INTO changes_fts (changes_fts, rowid, summary, diff) SELECT 'delete', id, summary, diff"
        " FROM changes WHERE id = 3"
    )
    db.conn.commit()
    db.close()
    store = Store(path)
    try:
        made = triggers(store.db.conn)
        assert "changes_fts_pending" in made["changes_ai"] and 'changes_fts" (rowid' not in made["changes_ai"]
        store.db.execute(
            "INSERT INTO changes (source_id, detected_at, after, summary, diff) VALUES ('us-fr-0', 'x', 'h', ?, '')",
            [DOCUMENTS[4]["title"]],
        )
        store.db.conn.commit()
    finally:
        store.close()
    Store(path).close()  # a writer opening the file indexes what a script inserted
    assert_index_whole(path, fts="changes_fts", table="changes")
    store = Store(path, readonly=True)
    try:
        for n in (3, 4):
            phrase = '"' + DOCUMENTS[n]["title"].replace('"', '""') + '"'
            assert n + 1 in [h.id for h in search(store.db, phrase, Filters(), scopes=("changes",), raw=True)]
    finally:
        store.close()


# -- the real command, killed between storing a change and indexing it ------------------------


def searched(config: Path, words: str) -> int:
    result = run_cli("--config", str(config), "search", words, "--in", "changes", "--json", "-n", "100")
    assert result.returncode in (0, 1), result.stderr
    return len(json.loads(result.stdout or "[]"))


@pytest.mark.parametrize("crash_at", ["before_commit:1", "before_commit:3", "after_commit:1"])
def test_a_kill_between_storing_a_change_and_indexing_it_loses_nothing(site, tmp_path, crash_at):
    config = killed_between_storing_and_indexing(site, tmp_path, crash_at, fts="changes_fts", table="changes")
    for n in range(LISTS):
        assert searched(config, " ".join(titles(n, 3)[-1].split()[:5])) >= 1  # the summary names it
