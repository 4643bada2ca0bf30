"""Many rows in a few statements: one `INSERT ... VALUES (...), (...), ...` per chunk.

Why not `executemany`: inside a transaction with a savepoint open (every check is a
savepoint of its pass's batch, watcher/db/batch.py), each execution of a statement that
may abort part-way (an upsert, a table with triggers or foreign keys) opens a statement
journal, and every page it touches is copied into it again, for each row: 50 items of a
first version cost ~0.9 ms of CPU row by row and ~0.45 ms as one statement (bench/README.md,
"Round 7: ftsdefer"). A multi-row statement is one statement journal for all its rows,
and inserts them in order, one after the other, exactly as the rows one by one would:
the same rowids, the same conflicts, the same triggers, the same stored bytes.

Chunks have power-of-two sizes (64, 32, ... 1) so only a handful of distinct statements
reach the connection's statement cache, and no chunk comes near SQLite's limit on bound
parameters (999 before 3.32).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

#: Rows in the largest chunk (64 rows x 10 columns = 640 parameters, under 999).
MAX_ROWS = 64
#: SQLite's limit on bound parameters before 3.32.
MAX_PARAMETERS = 999


def chunk_sizes(count: int, largest: int = MAX_ROWS) -> Iterator[int]:
    """Power-of-two chunk sizes, `largest` (a power of two) first, adding up to `count`."""
    size = largest
    while count > 0:
        while size > count:
            size //= 2
        yield size
        count -= size


def insert_rows(conn: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> None:
    """Run `head VALUES (?, ...), ... tail` over `rows` in order, a chunk per statement.

    `head` is the `INSERT ... (columns)` part, `tail` what follows the values (an
    `ON CONFLICT` clause). Every row has the same number of values.
    """
    if not rows:
        return
    width = len(rows[0])
    one = "(" + ", ".join("?" * width) + ")"
    largest = MAX_ROWS
    while largest > 1 and largest * width > MAX_PARAMETERS:  # wide rows: smaller chunks
        largest //= 2
    start = 0
    for size in chunk_sizes(len(rows), largest):
        chunk = rows[start : start + size]
        start += size
        sql = f"{head} VALUES {', '.join([one] * size)}{tail}"
        conn.execute(sql, [value for row in chunk for value in row])
