"""m017 drops `items_date`, an index no query reads (watcher/db/migrations/m017_drop_items_date.py).

Every item stored maintained it (~40% of the items insert's CPU for a page of 50 new items),
yet no query of regwatch uses it: with the index put back on a database of real material
(the related evaluation set, tests/related/evalset), the plan of every statement that
related-article linking, history listing and search issue is looked at, and none reads it.
A database migrated before m017 loses the index and keeps every row as it was.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from bench.related_eval import Bench, changes_of, load
from watcher.db.migrations import STEPS
from watcher.db.store import Store
from watcher.history import queries
from watcher.history.search import search
from watcher.related.linking import link_change
from watcher.related.values import Ranking

NOW = datetime(2026, 1, 2, 12, tzinfo=UTC)


def indexes(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def rows(path: Path) -> list[str]:
    """Every row of every table (the schema's lines and when migrations ran left out)."""
    with sqlite3.connect(path) as conn:
        return [
            line
            for line in conn.iterdump()
            if line.startswith("INSERT INTO") and not line.startswith('INSERT INTO "_sqlite_migrations"')
        ]


def test_a_new_database_has_no_items_date_index(tmp_path: Path):
    Store(tmp_path / "new.db").close()
    found = indexes(tmp_path / "new.db")
    assert "items_first_seen" in found and "items_change" in found  # the indexes queries need stay
    assert "items_date" not in found


def test_a_database_before_m017_loses_the_index_and_keeps_its_rows(tmp_path: Path):
    path = tmp_path / "old.db"
    db = Database(path)
    before = Migrations("regwatch")
    for step in STEPS:
        if step.__name__.endswith("m017_drop_items_date"):
            continue
        before(name=step.__name__.rsplit(".", 1)[1])(step.migrate)
    before.apply(db)
    db.execute(
        "INSERT INTO sources (id, url, kind, created_at) VALUES ('s', 'https://example.gov/', 'listing', 'x')"
    )
    for n in range(30):
        db.execute(
            "INSERT INTO items (source_id, key, title, date, first_seen, last_seen)"
            " VALUES ('s', ?, ?, ?, '2025-01-01', '2025-01-02')",
            [f"k{n}", f"Notice {n}", f"2024-0{n % 9 + 1}-01" if n % 4 else None],
        )
    db.close()
    assert "items_date" in indexes(path)
    stored = rows(path)

    Store(path).close()

    assert "items_date" not in indexes(path)
    after = rows(path)
    # the rows are those stored before, plus the full-text index of the waiting items built on open
    assert [line for line in after if "items_fts" not in line] == [
        line for line in stored if "items_fts" not in line
    ]


def test_no_query_of_linking_history_or_search_reads_items_date(tmp_path: Path):
    path = tmp_path / "evalset.db"
    data = load()
    bench = Bench(data, path)
    try:
        changes = [bench.store_change(c)[0] for c in changes_of(data, "dev")[:12]]
    finally:
        bench.close()
    with sqlite3.connect(path) as conn:  # as a database before m017 had it
        conn.execute("CREATE INDEX items_date ON items(date)")
    conn.close()

    store = Store(path)
    seen: list[str] = []
    try:
        store.db.conn.execute("CREATE INDEX IF NOT EXISTS items_date ON items(date)")  # m017 ran on open
        store.db.conn.set_trace_callback(seen.append)
        for change_id in changes:
            link_change(store.db, change_id, now=NOW, ranking=Ranking())
        list(queries.items(store.db, queries.Filters(since=datetime(2020, 1, 1, tzinfo=UTC))))
        list(queries.items(store.db, queries.Filters(), oldest_first=False, limit=20))
        for words in ("privacy", "health data", "consultation"):
            search(store.db, words, queries.Filters(), scopes=("items",))
            search(store.db, words, queries.Filters(), scopes=("items",), newest_first=True)
        store.db.conn.set_trace_callback(None)
        reads = [sql for sql in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
        assert len(reads) > 20 and any("items" in sql for sql in reads)
        for sql in reads:
            plan = store.db.conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            assert not any("items_date" in str(step[-1]) for step in plan), (sql, plan)
    finally:
        store.close()
