"""The store's all-or-nothing blocks (watcher/db/savepoint.py) behave as sqlite-utils'
`atomic()`: a transaction outside one, a savepoint inside, rolled back alone when they
raise, nested as deep as needed; and a check's savepoints are the same SQL every time (one
parse, one entry in the connection's statement cache), not a new random name per block.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.savepoint import atomic
from watcher.db.store import Store
from watcher.model import FetchResult, Item, Snapshot, Source

NOW = datetime(2025, 2, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(sqlite3.connect(tmp_path / "t.db", isolation_level=None))
    database.execute("CREATE TABLE t (n INTEGER UNIQUE)")
    return database


def numbers(db: Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT n FROM t ORDER BY n")]


def test_outside_a_transaction_a_block_is_one(db: Database):
    with atomic(db):
        db.execute("INSERT INTO t VALUES (1)")
        assert db.conn.in_transaction
    assert not db.conn.in_transaction and numbers(db) == [1]
    with pytest.raises(ValueError), atomic(db):
        db.execute("INSERT INTO t VALUES (2)")
        raise ValueError
    assert not db.conn.in_transaction and numbers(db) == [1]


def test_nested_blocks_roll_back_alone(db: Database):
    with atomic(db):
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError), atomic(db):
            db.execute("INSERT INTO t VALUES (2)")
            with atomic(db):
                db.execute("INSERT INTO t VALUES (3)")
            db.execute("INSERT INTO t VALUES (1)")  # fails: 2 and 3 go, 1 stays
        with db.atomic():  # sqlite-utils' own blocks nest with these
            with atomic(db):
                db.execute("INSERT INTO t VALUES (4)")
            with pytest.raises(KeyError), atomic(db):
                db.execute("INSERT INTO t VALUES (5)")
                raise KeyError
        db.execute("INSERT INTO t VALUES (6)")
    assert numbers(db) == [1, 4, 6]


def test_an_error_that_ended_the_transaction_is_raised_as_it_is(db: Database):
    db.execute(
        "CREATE TRIGGER t_stop BEFORE INSERT ON t WHEN new.n = 9 BEGIN SELECT RAISE(ROLLBACK, 'stop'); END"
    )
    with pytest.raises(sqlite3.IntegrityError, match="stop"), atomic(db):
        db.execute("INSERT INTO t VALUES (1)")
        with atomic(db):
            db.execute("INSERT INTO t VALUES (9)")
    assert not db.conn.in_transaction and numbers(db) == []


def test_a_batch_of_checks_sends_the_same_savepoint_sql_every_time(tmp_path: Path):
    sources = [Source(id=f"s{n}", url=f"https://example.gov/{n}", kind="listing") for n in range(5)]
    store = Store(tmp_path / "r.db")
    seen: list[str] = []
    try:
        store.sync_sources(sources, NOW)
        store.db.conn.set_trace_callback(seen.append)
        with store.batching(50, 3600):
            for n, source in enumerate(sources):
                fetched = FetchResult(url=source.url, final_url=source.url, status=200, body=f"{n}".encode())
                snapshot = Snapshot(blocks=("x",), items=(Item(key=f"k{n}", title=f"Notice {n}"),))
                with store.unit(), atomic(store.db):
                    store.save_baseline(
                        source, fetched, snapshot, NOW, duration=0.1, body_hash=fetched.body_hash,
                        config_hash="c", health=HealthPolicy(),
                    )  # fmt: skip
                    store.keep_evidence(source.id, fetched, NOW, kind="baseline")
        store.db.conn.set_trace_callback(None)
    finally:
        store.close()
    savepoints = [sql for sql in seen if sql.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(savepoints) >= 5 * 2 * 4  # four nested blocks per check
    assert set(savepoints) == {"SAVEPOINT regwatch_unit", "RELEASE regwatch_unit"}
