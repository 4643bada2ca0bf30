"""Reads on the delivery path: rows as dicts, and whether a table exists, in one statement each.

`Database.query()` runs every statement inside a savepoint of its own (`SAVEPOINT` and
`RELEASE` around it), so that one returning no rows can be undone before it raises; a
SELECT returns rows and changes nothing, so here it runs alone. `Database.table_names()`
lists every table (~80) to test one name. Each alert a pass delivers read its change,
documents, related links and summary with four savepoints and listed the tables three times
(bench/README.md, "Round 10: perfmain2").

`has_table` keeps the table names it read with the schema cookie they go with (`PRAGMA
schema_version`, which SQLite bumps at every schema change, in any connection) and asks
only for the cookie while it is the same: ~2 us instead of ~10 for a scan of
`sqlite_master` (bench/README.md, "Round 11: perfmain3"); an alert reads it once for the
three tables it asks about (`table_names`; "Round 16: perfstore7").
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from sqlite3 import Connection
from typing import Any

from sqlite_utils import Database
from sqlite_utils.utils import dedupe_keys


def select(db: Database, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    """The rows of a SELECT as dicts, keyed as `Database.query()` keys them."""
    cursor = db.execute(sql, params)
    keys = dedupe_keys(d[0] for d in cursor.description)
    return (dict(zip(keys, row, strict=True)) for row in cursor)


def has_table(db: Database, name: str, tables: frozenset[str] | None = None) -> bool:
    """`name in db.table_names()`: whether the database has a table of that name (among
    `tables`, the names `table_names` gave, when the caller asks about several)."""
    return name in (table_names(db) if tables is None else tables)


def table_names(db: Database) -> frozenset[str]:
    """The names of the database's tables (`db.table_names()`), for a caller asking about
    several: one read of the cookie for all (an alert asks about three tables)."""
    cookie = db.execute("PRAGMA schema_version").fetchone()[0]
    known = _TABLES.get(db)
    if known is None or known[0] is not db.conn or known[1] != cookie:
        known = _read_tables(db)
    return known[2]


#: Per database: its connection, a schema cookie and the names of its tables under that cookie.
_TABLES: weakref.WeakKeyDictionary[Database, tuple[Connection, int, frozenset[str]]] = (
    weakref.WeakKeyDictionary()
)


def _read_tables(db: Database) -> tuple[Connection, int, frozenset[str]]:
    """The table names and the cookie of the schema they were read from, in one statement (one
    snapshot, whatever another connection commits meanwhile). Kept only when read outside a
    transaction: a committed schema's cookie names that schema for good (cookies only grow),
    where a transaction could make a schema and roll it back, then make another under the
    same cookie."""
    conn = db.conn
    rows = db.execute(
        "SELECT (SELECT schema_version FROM pragma_schema_version()), name FROM sqlite_master"
        " WHERE type = 'table' UNION ALL SELECT schema_version, NULL FROM pragma_schema_version()"
    ).fetchall()
    known = (conn, rows[0][0], frozenset(name for _, name in rows if name is not None))
    if not conn.in_transaction:
        _TABLES[db] = known
    return known
