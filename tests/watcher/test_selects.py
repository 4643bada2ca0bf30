"""The delivery path's reads (watcher/db/selects.py) give what sqlite-utils gives: `select`
the rows of `Database.query()`, keyed the same (duplicate column names too), and `has_table`
the answer of `name in Database.table_names()` for every kind of schema object and name,
on a migrated store's real database file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from watcher.db.selects import has_table, select
from watcher.db.store import Store
from watcher.model import Source

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
SOURCE = Source(id="us-x-news", url="https://x.gov/news", kind="listing", name="X news")


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "regwatch.db")
    store.sync_sources([SOURCE], NOW)
    store.db.execute("CREATE VIEW source_names AS SELECT id, name FROM sources")
    store.db.execute("CREATE TEMP TABLE scratch (a)")
    yield store
    store.close()


STATEMENTS = [
    ("SELECT * FROM sources WHERE id = ?", ["us-x-news"]),
    ("SELECT * FROM sources WHERE id = ?", ["none"]),
    ("SELECT id, name, id, name AS id_2, 3 AS id FROM sources", []),
    ("SELECT s.*, t.* FROM sources s JOIN sources t ON t.id = s.id", []),
    ("SELECT r.*, s.name AS source_name FROM related r LEFT JOIN sources s ON s.id = r.source_id", []),
    ("SELECT count(*), max(id) FROM sources", []),
]


@pytest.mark.parametrize(("sql", "params"), STATEMENTS)
def test_select_gives_the_rows_and_keys_of_query(store, sql, params):
    assert list(select(store.db, sql, params)) == list(store.db.query(sql, params))
    for mine, theirs in zip(select(store.db, sql, params), store.db.query(sql, params), strict=True):
        assert list(mine) == list(theirs)  # the same keys in the same order (renamed duplicates)


def test_a_select_inside_a_transaction_leaves_it_as_it_was(store):
    conn = store.db.conn
    assert not conn.in_transaction
    list(select(store.db, "SELECT * FROM sources"))
    assert not conn.in_transaction
    conn.execute("BEGIN")
    store.db.execute("UPDATE sources SET name = 'renamed' WHERE id = ?", [SOURCE.id])
    assert [r["name"] for r in select(store.db, "SELECT name FROM sources")] == ["renamed"]
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert [r["name"] for r in select(store.db, "SELECT name FROM sources")] == ["X news"]


def test_has_table_answers_as_table_names_does(store):
    db = store.db
    names = db.table_names()
    assert {"related", "sightings", "change_summaries", "changes_fts", "items_fts_data"} <= set(names)
    everything = [
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master UNION SELECT name FROM sqlite_temp_master")
    ]
    assert "source_names" in everything and "scratch" in everything  # a view and a temp table
    for name in [*everything, "RELATED", "Sightings", "related ", "", "nothing", "sqlite_master"]:
        assert has_table(db, name) == (name in names), name


def answers_as_table_names(db) -> None:
    names = set(db.table_names())
    for name in [*names, "t", "u", "renamed", "other", "related", "nothing"]:
        assert has_table(db, name) == (name in names), name


def test_has_table_follows_every_schema_change(store, tmp_path):
    """It keeps what it read under the schema's cookie: a change made by this connection or
    another one, in or out of a transaction, committed or rolled back, is seen at once."""
    db = store.db
    answers_as_table_names(db)
    db.execute("CREATE TABLE t (a)")
    answers_as_table_names(db)
    db.execute("ALTER TABLE t RENAME TO renamed")
    answers_as_table_names(db)
    db.execute("DROP TABLE renamed")
    answers_as_table_names(db)
    other = sqlite3.connect(tmp_path / "regwatch.db")
    other.execute("CREATE TABLE other (a)")
    other.commit()
    answers_as_table_names(db)
    other.execute("DROP TABLE other")
    other.commit()
    answers_as_table_names(db)
    other.close()
    db.execute("DROP TABLE related")
    answers_as_table_names(db)


def test_has_table_after_a_rolled_back_schema_change(store):
    """A transaction that makes a table and rolls back leaves the cookie as it was; the next
    one makes another table under the very cookie the first had: neither is mistaken."""
    db, conn = store.db, store.db.conn
    answers_as_table_names(db)
    conn.execute("BEGIN")
    db.execute("CREATE TABLE t (a)")
    answers_as_table_names(db)
    cookie = db.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("ROLLBACK")
    conn.execute("BEGIN")
    db.execute("CREATE TABLE u (a)")
    assert db.execute("PRAGMA schema_version").fetchone()[0] == cookie
    assert has_table(db, "u") and not has_table(db, "t")
    answers_as_table_names(db)
    conn.execute("COMMIT")
    answers_as_table_names(db)
    conn.execute("BEGIN")
    db.execute("DROP TABLE u")
    conn.execute("ROLLBACK")
    answers_as_table_names(db)


def test_has_table_reads_the_schema_once_while_it_is_unchanged(store):
    """An alert asks three times; the table names are read again only after a schema change."""
    db = store.db
    seen: list[str] = []
    db._tracer = lambda sql, params: seen.append(sql)
    for name in ["related", "sightings", "change_summaries", "nothing"]:
        has_table(db, name)
    assert sum("sqlite_master" in sql for sql in seen) <= 1, seen
    seen.clear()
    for name in ["related", "sightings", "change_summaries", "nothing"] * 3:
        has_table(db, name)
    assert seen and not any("sqlite_master" in sql for sql in seen), seen
    db.execute("CREATE TABLE t (a)")
    seen.clear()
    assert has_table(db, "t") and has_table(db, "related")
    assert sum("sqlite_master" in sql for sql in seen) == 1, seen


def test_an_alert_reads_the_schema_cookie_once_for_its_three_tables(store):
    """Its documents' other sources, related links and summary each depend on a table that an
    older database lacks; one read of the cookie answers for the three (three before round 16),
    and the alert is the one built table by table."""
    from watcher.check.sourcehealth import HealthPolicy
    from watcher.db.changesummaries import change_summary_for
    from watcher.model import Change, FetchResult, Item, Snapshot

    item = Item(key="https://x.gov/news/1", title="A rule", link="https://x.gov/news/1")
    store.save_change(
        SOURCE, FetchResult(SOURCE.url, SOURCE.url, 200), Snapshot(items=(item,)),
        Change(SOURCE.id, "", "", added=(item,)), ["console"], NOW, duration=0, body_hash="",
        config_hash="", health=HealthPolicy(),
    )  # fmt: skip
    (row,) = store.db.query("SELECT * FROM outbox")
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    alert = store.alert_for(row)
    store.db.conn.set_trace_callback(None)
    assert sum(sql.startswith("PRAGMA schema_version") for sql in seen) == 1, seen
    # each asked on its own (a table of its own each): the same answers
    assert store.related_for(alert.change) == alert.related == {}
    assert store.also_seen_by(alert.change) == alert.change.also_seen_by == ()
    assert change_summary_for(store.db, alert.change.id, "console") is alert.change_summary is None
