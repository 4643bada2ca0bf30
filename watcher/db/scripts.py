"""Running a multi-statement SQL script inside a transaction (the migrations): statement by
statement, found in linear time.

sqlite-utils' `Database.executescript()` runs a script inside an open transaction one
statement at a time (Python's `executescript` would commit first), and finds where each
statement ends by asking `sqlite3.complete_statement` after every character of the script,
rejoining the statement so far each time: quadratic in a statement's length. Creating a
store's schema (the 16 migrations, ~24,000 characters) cost ~65 ms of CPU that way, once
per new database: a first pass, and every test that opens a store. Here the same question
is asked only at each `;`: a prefix can only be a complete statement when it ends with a
semicolon token, and `;` is a token of one character, so a prefix ending just after that
`;` reads as the same tokens the longer prefixes read up to it. The statements, and the
order they run in, are those sqlite-utils finds (tests/watcher/test_db_scripts.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from sqlite_utils import Database


def statements(sql: str) -> Iterator[str]:
    """The statements of the script `sql`, stripped, as sqlite-utils splits it (and what
    follows the last complete one, when anything does)."""
    start = 0
    end = sql.find(";")
    while end >= 0:
        candidate = sql[start : end + 1].strip()
        if candidate and sqlite3.complete_statement(candidate):
            yield candidate
            start = end + 1
        end = sql.find(";", end + 1)
    rest = sql[start:].strip()
    if rest:
        yield rest


class ScriptDatabase(Database):
    """sqlite-utils' `Database`, running scripts inside a transaction with `statements`."""

    def _executescript(self, sql: str) -> sqlite3.Cursor:
        if self.conn.in_transaction:
            cursor = self.conn.cursor()
            # As sqlite-utils does: no `sqlite3.executescript()`, which would commit first.
            for statement in statements(sql):
                cursor.execute(statement)
            return cursor
        return self.conn.executescript(sql)
