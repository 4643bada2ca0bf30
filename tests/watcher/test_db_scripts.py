"""Scripts run inside a transaction are split into the statements sqlite-utils finds
(watcher/db/scripts.py): every migration's script, and made-up scripts whose semicolons
hide in strings, quoted names, comments and trigger bodies; and a store's schema is the
one sqlite-utils' own `Database` makes from the same migrations."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database
from sqlite_utils.db import _iter_complete_sql_statements

from watcher.db.migrations import migrations
from watcher.db.scripts import ScriptDatabase, statements
from watcher.db.store import Store


def migration_scripts() -> list[str]:
    scripts: list[str] = []
    db = Database(sqlite3.connect(":memory:"), tracer=lambda sql, params: scripts.append(sql))
    migrations.apply(db)
    return [sql for sql in scripts if ";" in sql]


def test_every_migration_script_splits_as_sqlite_utils_splits_it():
    scripts = migration_scripts()
    assert len(scripts) >= 12 and any("CREATE TRIGGER" in sql for sql in scripts)
    for sql in scripts:
        assert list(statements(sql)) == list(_iter_complete_sql_statements(sql))


PIECES = st.sampled_from(
    [
        "CREATE TABLE t (a TEXT DEFAULT 'x;y')",
        'CREATE TABLE "odd;name" (b)',
        "INSERT INTO t VALUES ('it''s; fine')",
        "SELECT 1 -- a comment; with a semicolon\n",
        "/* block; comment */ SELECT 2",
        "/* never closed; ",
        "CREATE TRIGGER g AFTER INSERT ON t BEGIN INSERT INTO u VALUES (1); DELETE FROM u; END",
        "CREATE TRIGGER h AFTER DELETE ON t BEGIN SELECT 'end;'; END",
        "END",
        "BEGIN",
        "'unterminated;",
        "[brackets;name]",
        "`back;ticks`",
        ";",
        ";;",
        " ",
        "\n",
        "\t",
        "\u00a0",
        "\u2028",
        "é",
        "CASE WHEN 1 THEN 2 END",
        "EXPLAIN",
        "CREATE TEMP TRIGGER k BEFORE UPDATE ON t BEGIN",
    ]
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(alphabet=" ;'\"-*/\n[]`abcENDBGIN", max_size=8)), max_size=12))
def test_made_up_scripts_split_as_sqlite_utils_splits_them(pieces):
    sql = "".join(pieces)
    assert list(statements(sql)) == list(_iter_complete_sql_statements(sql))


def schema(db: Database) -> list[tuple[str, str, str, str | None]]:
    return db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


def test_a_store_s_schema_is_the_one_sqlite_utils_makes(tmp_path):
    store = Store(tmp_path / "regwatch.db")
    assert isinstance(store.db, ScriptDatabase)
    reference = Database(sqlite3.connect(str(tmp_path / "reference.db")))
    migrations.apply(reference)
    assert schema(store.db) == schema(reference)
    assert len(schema(store.db)) > 80
    store.close()


def test_a_store_s_scripts_go_through_the_linear_splitter(tmp_path, monkeypatch):
    """`ScriptDatabase` overrides sqlite-utils' private `_executescript`, the hook its public
    `executescript` calls: should an upgrade drop or rename it, this fails instead of every
    new schema silently taking the quadratic split again."""
    seen: list[str] = []
    real = statements

    def counting(sql: str):
        seen.append(sql)
        return real(sql)

    monkeypatch.setattr("watcher.db.scripts.statements", counting)
    store = Store(tmp_path / "regwatch.db")
    try:
        with store.db.conn:
            store.db.execute("SAVEPOINT s")
            store.db.executescript("CREATE TABLE a (x); CREATE TABLE b (y);")
            store.db.execute("RELEASE s")
        assert seen and seen[-1] == "CREATE TABLE a (x); CREATE TABLE b (y);"
        assert {"a", "b"} <= set(store.db.table_names())
    finally:
        store.close()
