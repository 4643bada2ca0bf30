"""The store's all-or-nothing blocks (watcher/db/savepoint.py) behave as sqlite-utils'
`atomic()`: a transaction outside one, a savepoint inside, rolled back alone when they
raise, nested as deep as needed; and a check's savepoints are the same SQL every time (one
parse, one entry in the connection's statement cache), not a new random name per block.

Inside a unit of work (an `own_block`) nested blocks join it: a check in a batch is one
savepoint, not four; an error in a nested block still undoes all of it, one caught inside the
unit makes the unit roll back (`JoinedBlockFailed`), and an `own_block` inside it is rolled back
alone (the release's related links).
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from watcher.check.sourcehealth import HealthPolicy
from watcher.db.savepoint import JoinedBlockFailed, atomic, own_block
from watcher.db.store import Store
from watcher.model import Change, FetchResult, Item, Snapshot, Source

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
    # One per check: the pipeline's block, save_baseline's unit and the evidence's block join
    # the check's unit (four nested blocks, 40 statements, before round 15).
    assert savepoints == ["SAVEPOINT regwatch_unit", "RELEASE regwatch_unit"] * 5
    stored = sqlite3.connect(tmp_path / "r.db")
    try:
        assert stored.execute("SELECT count(*) FROM versions").fetchone()[0] == 5
        assert stored.execute("SELECT count(*) FROM evidence").fetchone()[0] == 5
    finally:
        stored.close()


def test_blocks_nested_in_an_own_block_join_it_and_fail_with_it(db: Database):
    seen: list[str] = []
    db.conn.set_trace_callback(seen.append)
    with atomic(db):  # a batch's transaction
        with own_block(db):  # a check's unit: one savepoint
            db.execute("INSERT INTO t VALUES (1)")
            with atomic(db), atomic(db):  # joined: no SQL of their own
                db.execute("INSERT INTO t VALUES (2)")
        with pytest.raises(sqlite3.IntegrityError), own_block(db):
            db.execute("INSERT INTO t VALUES (3)")
            with atomic(db):
                db.execute("INSERT INTO t VALUES (4)")
                db.execute("INSERT INTO t VALUES (1)")  # fails: 3 and 4 go with their unit
        db.execute("INSERT INTO t VALUES (5)")
    db.conn.set_trace_callback(None)
    assert numbers(db) == [1, 2, 5]
    blocks = [sql for sql in seen if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert blocks == [
        "SAVEPOINT regwatch_unit",
        "RELEASE regwatch_unit",
        "SAVEPOINT regwatch_unit",
        "ROLLBACK TO regwatch_unit",
        "RELEASE regwatch_unit",
    ]


def test_an_error_of_a_joined_block_caught_inside_the_unit_rolls_the_unit_back(db: Database):
    with atomic(db):
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(JoinedBlockFailed), own_block(db):
            db.execute("INSERT INTO t VALUES (2)")
            try:
                with atomic(db):
                    db.execute("INSERT INTO t VALUES (3)")
                    raise ValueError("caught below: 3 cannot be undone alone")
            except ValueError:
                pass
            db.execute("INSERT INTO t VALUES (4)")
        with own_block(db):  # the next unit is not marked by the last one's failure
            db.execute("INSERT INTO t VALUES (5)")
            try:
                with own_block(db):  # caught on purpose: its own savepoint, rolled back alone
                    db.execute("INSERT INTO t VALUES (6)")
                    with atomic(db):
                        db.execute("INSERT INTO t VALUES (7)")
                        raise KeyError
            except KeyError:
                pass
            db.execute("INSERT INTO t VALUES (8)")
    assert numbers(db) == [1, 5, 8]


def test_outside_a_transaction_an_own_block_is_one(db: Database):
    with own_block(db):
        db.execute("INSERT INTO t VALUES (1)")
        with atomic(db):
            db.execute("INSERT INTO t VALUES (2)")
        assert db.conn.in_transaction
    assert not db.conn.in_transaction and numbers(db) == [1, 2]
    with pytest.raises(ValueError), own_block(db):
        db.execute("INSERT INTO t VALUES (3)")
        raise ValueError
    assert not db.conn.in_transaction and numbers(db) == [1, 2]


def test_links_that_cannot_be_stored_cost_a_change_its_new_links_not_its_release(tmp_path: Path, caplog):
    import asyncio

    from watcher.check.linkstage import ProcessLinker
    from watcher.check.workerpipe import Task
    from watcher.model import Change
    from watcher.related.values import Link, Ranking

    source = Source(id="us-hhs-news", url="https://example.gov/news", kind="listing")
    item = Item(key="https://example.gov/n/1", title="HIPAA settlement announced")
    store = Store(tmp_path / "r.db")
    try:
        store.sync_sources([source], NOW)
        outcome = store.save_change(
            source, FetchResult(source.url, source.url, 200), Snapshot(items=(item,)),
            Change(source.id, "", "", added=(item,)), ["console"], NOW, duration=0, body_hash="",
            config_hash="", health=HealthPolicy(), hold=True,
        )  # fmt: skip
        change_id = outcome.change_id
        assert change_id is not None
        item_id = store.change_items(change_id)[0].id
        kept = Link(
            item.key, item_id, source.id, "Earlier notice", "https://example.gov/n/0", None, 0.9, ("hipaa",)
        )
        store.replace_related(change_id, [kept.row()], NOW)
        # No such item: the foreign key fails after the old links were deleted in the same block.
        broken = Link(item.key, 10**9, source.id, "Gone", "https://example.gov/n/9", None, 0.8, ("hipaa",))
        linker = ProcessLinker(store, clock=lambda: NOW, ranking=Ranking())

        async def release() -> None:
            future = asyncio.get_running_loop().create_future()
            future.set_result((True, [broken]))
            await linker._release(change_id, source, Task(b"", 5.0, future))

        try:
            asyncio.run(release())
        finally:
            linker.close()
        statuses = store.db.execute("SELECT status FROM outbox WHERE change_id = ?", [change_id]).fetchall()
        titles = [r["title"] for r in store.related_rows(change_id)]
    finally:
        store.close()
    assert "FOREIGN KEY" in caplog.text
    assert statuses == [("pending",)]  # released: its alert goes out
    assert titles == ["Earlier notice"]  # the block that failed was rolled back alone


def _held_change(store: Store, source: Source, n: int, now: datetime = NOW) -> int:
    """A change adding item n, saved held for linking (as the pass saves it); its id."""
    item = Item(key=f"https://example.gov/n/{n}", title=f"HIPAA notice {n}")
    outcome = store.save_change(
        source, FetchResult(source.url, source.url, 200, body=f"{n}".encode()), Snapshot(items=(item,)),
        Change(source.id, "", "", added=(item,)), ["console"], now, duration=0, body_hash=f"h{n}",
        config_hash="", health=HealthPolicy(), hold=True,
    )  # fmt: skip
    assert outcome.change_id is not None
    return outcome.change_id


def _run_release(store: Store, change_id: int, source: Source, links: list) -> None:
    import asyncio

    from watcher.check.linkstage import ProcessLinker
    from watcher.check.workerpipe import Task
    from watcher.related.values import Ranking

    linker = ProcessLinker(store, clock=lambda: NOW, ranking=Ranking())

    async def release() -> None:
        future = asyncio.get_running_loop().create_future()
        future.set_result((True, links))
        await linker._release(change_id, source, Task(b"", 5.0, future))

    try:
        asyncio.run(release())
    finally:
        linker.close()


def test_a_release_in_a_batch_is_one_savepoint_with_its_links(tmp_path: Path):
    """The release's links are the first writes of its unit: no savepoint of their own (two
    pairs a release before round 16), the links and the released alert stored alike."""
    from watcher.related.values import Link

    source = Source(id="us-hhs-news", url="https://example.gov/news", kind="listing")
    store = Store(tmp_path / "r.db")
    seen: list[str] = []
    try:
        store.sync_sources([source], NOW)
        change_id = _held_change(store, source, 1)
        item_id = store.change_items(change_id)[0].id
        link = Link(
            f"https://example.gov/n/{1}",
            item_id,
            source.id,
            "Earlier",
            "https://e.gov/0",
            None,
            0.9,
            ("hipaa",),
        )
        with store.batching(50, 3600):
            store.db.execute(
                "UPDATE sources SET name = 'open' WHERE id = ?", [source.id]
            )  # the batch is open
            store.db.conn.set_trace_callback(seen.append)
            _run_release(store, change_id, source, [link])
            store.db.conn.set_trace_callback(None)
        statuses = store.db.execute("SELECT status FROM outbox WHERE change_id = ?", [change_id]).fetchall()
        titles = [r["title"] for r in store.related_rows(change_id)]
        enrichment = store.db.execute("SELECT enrichment FROM changes WHERE id = ?", [change_id]).fetchone()
    finally:
        store.close()
    savepoints = [sql for sql in seen if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]
    assert savepoints == ["SAVEPOINT regwatch_unit", "RELEASE regwatch_unit"]
    assert statuses == [("pending",)] and titles == ["Earlier"] and enrichment == ("done",)


def test_links_that_fail_in_a_batch_cost_only_their_own_writes(tmp_path: Path, caplog):
    """In a batch, links that fail after deleting the old ones are rolled back with their unit
    alone: the change keeps its earlier links and is released, and what the batch wrote before
    (another change's release) stays and is committed."""
    from watcher.related.values import Link

    source = Source(id="us-hhs-news", url="https://example.gov/news", kind="listing")
    store = Store(tmp_path / "r.db")
    try:
        store.sync_sources([source], NOW)
        first, second = _held_change(store, source, 1), _held_change(store, source, 2)
        item_id = store.change_items(first)[0].id
        kept = Link(
            "https://example.gov/n/2", item_id, source.id, "Earlier", "https://e.gov/0", None, 0.9, ("a",)
        )
        store.replace_related(second, [kept.row()], NOW)
        broken = Link(
            "https://example.gov/n/2", 10**9, source.id, "Gone", "https://e.gov/9", None, 0.8, ("a",)
        )
        good = Link(
            "https://example.gov/n/1", item_id, source.id, "Fine", "https://e.gov/1", None, 0.7, ("a",)
        )
        with store.batching(50, 3600):
            _run_release(store, first, source, [good])
            _run_release(store, second, source, [broken])
            assert store.db.conn.in_transaction  # one open batch holds both releases
        rows = {
            change_id: (
                store.db.execute("SELECT status FROM outbox WHERE change_id = ?", [change_id]).fetchall(),
                [r["title"] for r in store.related_rows(change_id)],
            )
            for change_id in (first, second)
        }
    finally:
        store.close()
    assert "FOREIGN KEY" in caplog.text
    assert rows == {first: ([("pending",)], ["Fine"]), second: ([("pending",)], ["Earlier"])}
