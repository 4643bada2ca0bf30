"""Reads on the delivery path: rows as dicts, and whether a table exists, in one statement each.

`Database.query()` runs every statement inside a savepoint of its own (`SAVEPOINT` and
`RELEASE` around it), so that one returning no rows can be undone before it raises; a
SELECT returns rows and changes nothing, so here it runs alone. `Database.table_names()`
lists every table (~80) to test one name; `has_table` asks for that name. Each alert a pass
delivers read its change, documents, related links and summary with four savepoints and
listed the tables three times (bench/README.md, "Round 10: perfmain2").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlite_utils import Database
from sqlite_utils.utils import dedupe_keys


def select(db: Database, sql: str, params: Sequence[Any] = ()) -> Iterator[dict[str, Any]]:
    """The rows of a SELECT as dicts, keyed as `Database.query()` keys them."""
    cursor = db.execute(sql, params)
    keys = dedupe_keys(d[0] for d in cursor.description)
    return (dict(zip(keys, row, strict=True)) for row in cursor)


def has_table(db: Database, name: str) -> bool:
    """`name in db.table_names()`: whether the database has a table of that name."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])
    return found.fetchone() is not None
