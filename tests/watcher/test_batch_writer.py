"""A pass's batch committed on a writer thread (watcher/db/batch.py): the event loop goes on
while SQLite indexes and commits the batch, nothing else uses the connection until that
commit ends (a unit started meanwhile goes in the next transaction), its crash points and
commit hooks fire on the loop's thread once it has ended, and a failed commit is raised
once, to the next to wait, losing nothing written after it.

Real SQLite files. The commit's full-text indexing empties `items_fts_pending`
(watcher/db/ftspending.py); a trigger there calls `gate()`, a Python function that
holds the first commit until the test opens the gate (or a few seconds pass), so the test
knows when a commit is in flight. (Not a TEMP trigger: a batch sets `temp_store`, which
drops the connection's temporary objects.)
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from watcher.db import crashpoints
from watcher.db.store import Store

HOLD = 3.0  # seconds the gate holds a commit when nobody opens it


class Gate:
    """Holds the first commit that reaches it until `opened` is set; later ones pass."""

    def __init__(self, events: list[str], *, fail: bool = False) -> None:
        self.events = events
        self.fail = fail
        self.entered = threading.Event()  # a commit reached the gate (on whichever thread)
        self.opened = threading.Event()
        self.in_time: list[bool] = []  # whether the gate was opened before HOLD ran out

    def __call__(self) -> int:
        if self.entered.is_set():
            return 0
        self.entered.set()
        self.events.append("commit indexing")
        self.in_time.append(self.opened.wait(HOLD))
        return int(self.fail)  # the trigger then fails the statement, as a full disk would


def gated_store(tmp_path: Path, events: list[str], *, fail: bool = False) -> tuple[Store, Gate]:
    store = Store(tmp_path / "regwatch.db")
    gate = Gate(events, fail=fail)
    store.db.execute("CREATE TABLE seen (name TEXT)")
    store.db.conn.create_function("gate", 0, gate)
    store.db.execute(
        "CREATE TRIGGER held BEFORE DELETE ON items_fts_pending"
        " BEGIN SELECT CASE WHEN gate() THEN RAISE(ABORT, 'the disk is full') END; END"
    )
    return store, gate


def write(store: Store, name: str, item: int) -> None:
    """One unit: a row, an item waiting to be indexed (so the commit indexes) and a change
    counted for the crash points."""
    with store.unit():
        store.db.execute("INSERT INTO seen VALUES (?)", [name])
        store.db.execute("INSERT INTO items_fts_pending (item_id) VALUES (?)", [item])
        store.change_written()


def committed(db: Path) -> list[str]:
    """The rows another connection sees: committed ones only (WAL)."""
    reader = sqlite3.connect(db)
    try:
        return [name for (name,) in reader.execute("SELECT name FROM seen ORDER BY rowid")]
    finally:
        reader.close()


@pytest.fixture
def events(monkeypatch) -> list[str]:
    """What happened, in order: crash points reached, the gate, units, commit hooks."""
    happened: list[str] = []
    monkeypatch.setattr(crashpoints, "reached", happened.append)
    return happened


async def open_when_entered(gate: Gate, events: list[str]) -> None:
    """A coroutine of the loop: it can only run while the loop is free."""
    while not gate.entered.is_set():
        await asyncio.sleep(0.005)
    events.append("the loop runs")
    gate.opened.set()


def test_the_event_loop_runs_while_a_batch_commits(tmp_path, events):
    store, gate = gated_store(tmp_path, events)

    async def scenario() -> None:
        opener = asyncio.create_task(open_when_entered(gate, events))
        await asyncio.sleep(0)  # the opener is waiting for the gate
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)  # the batch is full: its commit starts
            await opener
        assert committed(store.path) == ["first", "second"]

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    # The gate was opened by a coroutine while the commit waited at it: the loop was free.
    assert gate.in_time == [True]
    assert events.index("commit indexing") < events.index("the loop runs")


def test_a_unit_begun_while_a_batch_commits_goes_in_the_next_transaction_after_it(tmp_path, events):
    store, gate = gated_store(tmp_path, events)
    commits: list[list[str]] = []
    store.on_commit(lambda: commits.append(committed(store.path)))

    async def later() -> None:
        await store.settled()  # what the check pipeline does before it uses the store
        events.append("unit 3")
        write(store, "third", 3)

    async def scenario() -> None:
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)
            waiting = asyncio.create_task(later())
            await asyncio.sleep(0.05)
            assert gate.entered.is_set() and "unit 3" not in events  # it waits for the commit
            gate.opened.set()
            await waiting
            assert committed(store.path) == ["first", "second"]  # the third is in the open batch

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert commits == [["first", "second"], ["first", "second", "third"]]
    # The crash points fire once per change, just before and just after the commit that
    # makes it durable, on the loop's thread.
    assert events == [
        "before_commit",
        "before_commit",
        "commit indexing",
        "after_commit",
        "after_commit",
        "unit 3",
        "before_commit",
        "after_commit",
    ]


def test_a_use_of_the_store_that_does_not_wait_is_held_until_the_commit_ends(tmp_path, events):
    """A synchronous caller (a unit, a read, `durable()`) blocks until the commit ends
    rather than touching the connection under it."""
    store, gate = gated_store(tmp_path, events)
    store.on_commit(lambda: events.append("hooks"))

    async def scenario() -> None:
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)
            while not gate.entered.is_set():
                await asyncio.sleep(0.005)
            threading.Timer(0.1, gate.opened.set).start()  # the loop is blocked from here on
            count = store.db.execute("SELECT count(*) FROM seen").fetchone()[0]
            events.append(f"read {count}")
            write(store, "third", 3)

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert gate.in_time == [True]
    assert events[:6] == [
        "before_commit",
        "before_commit",
        "commit indexing",
        "after_commit",
        "after_commit",
        "hooks",
    ]
    assert events[6] == "read 2"
    assert committed(store.path) == ["first", "second", "third"]


def test_a_failed_commit_is_raised_once_to_the_next_to_wait_and_loses_nothing_after_it(tmp_path, events):
    store, gate = gated_store(tmp_path, events, fail=True)
    commits: list[list[str]] = []
    store.on_commit(lambda: commits.append(committed(store.path)))
    raised: list[BaseException] = []

    async def scenario() -> None:
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)
            gate.opened.set()
            try:
                await store.settled()
            except sqlite3.Error as exc:
                raised.append(exc)
            await store.settled()  # heard once: the next to wait goes on
            write(store, "third", 3)
        assert committed(store.path) == ["third"]

    try:
        asyncio.run(scenario())
    finally:
        store.close()
    assert len(raised) == 1 and "the disk is full" in str(raised[0])
    assert commits == [["third"]]  # the hooks hear only of the commit that happened
    # The failed batch's changes are no longer counted: only the third's commit fires after_commit.
    assert events == ["before_commit", "before_commit", "commit indexing", "before_commit", "after_commit"]


def test_a_failed_commit_nobody_waited_for_is_raised_when_the_batch_ends(tmp_path, events):
    store, gate = gated_store(tmp_path, events, fail=True)

    async def scenario() -> None:
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)
            gate.opened.set()
            await asyncio.sleep(0.05)

    try:
        with pytest.raises(sqlite3.Error):
            asyncio.run(scenario())
        assert committed(store.path) == []
        with store.unit():  # the connection is usable again, outside any batch
            store.db.execute("INSERT INTO seen VALUES ('after')")
        assert committed(store.path) == ["after"]
    finally:
        store.close()


def test_outside_a_running_loop_a_batch_commits_on_the_callers_thread(tmp_path, events):
    store, gate = gated_store(tmp_path, events)
    gate.opened.set()
    threads: list[str] = []
    store.db.conn.create_function("thread", 0, lambda: threads.append(threading.current_thread().name) or 0)
    store.db.execute("CREATE TRIGGER whose BEFORE DELETE ON items_fts_pending BEGIN SELECT thread(); END")
    try:
        with store.batching(max_checks=2, max_seconds=60):
            write(store, "first", 1)
            write(store, "second", 2)
            assert committed(store.path) == ["first", "second"]  # committed before the unit returned
    finally:
        store.close()
    assert threads == [threading.current_thread().name] * 2
