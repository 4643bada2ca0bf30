"""Storing items in a few multi-row statements (watcher/db/multirow.py) writes exactly the
database that storing them row by row writes: every row of every table, full-text index
included, byte for byte, through baselines, changes (items added, edited, removed), a
re-baseline, a snapshot that lists a key twice, and listings longer than one chunk.

Items from a real Federal Register API response (tests/pages/federal-register-api-json/
SOURCE.md); the longer listings repeat them under numbered keys.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import pytest
from storedhistory import dump, store_history

import watcher.db.versions
from watcher.db import multirow


def row_by_row(conn: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
    """How the items were stored before: one execution per row."""
    if rows:
        conn.executemany(f"{head} VALUES ({', '.join('?' * len(rows[0]))}){tail}", rows)


def test_multi_row_statements_store_the_same_database(tmp_path, monkeypatch):
    store_history(tmp_path / "multi.db")
    monkeypatch.setattr(watcher.db.versions, "insert_rows", row_by_row)
    store_history(tmp_path / "single.db")
    multi, single = dump(tmp_path / "multi.db"), dump(tmp_path / "single.db")
    assert len(multi) > 1000  # items, their index, changes, outbox rows: something was stored
    assert any("listed-again" in line for line in multi)
    assert multi == single


@pytest.mark.parametrize("count", [0, 1, 2, 3, 50, 63, 64, 65, 127, 128, 129, 1000])
def test_chunks_cover_every_row_in_order(count):
    sizes = list(multirow.chunk_sizes(count))
    assert sum(sizes) == count
    assert all(size in (1, 2, 4, 8, 16, 32, 64) for size in sizes)
    assert sizes == sorted(sizes, reverse=True)


def test_insert_rows_keeps_order_and_conflicts(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT, n INTEGER DEFAULT 1)")
    rows = [(f"k{i % 90}", f"v{i}") for i in range(100)]  # the last ten update earlier rows
    multirow.insert_rows(
        conn, "INSERT INTO t (k, v)", rows, " ON CONFLICT(k) DO UPDATE SET v = excluded.v, n = n + 1"
    )
    got = conn.execute("SELECT id, k, v, n FROM t ORDER BY id").fetchall()
    assert [r[0] for r in got] == list(range(1, 91))
    assert got[0] == (1, "k0", "v90", 2) and got[10] == (11, "k10", "v10", 1)
