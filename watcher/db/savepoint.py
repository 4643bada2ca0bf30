"""All-or-nothing blocks on the store's connection: sqlite-utils' `Database.atomic()`, cheaper.

Every all-or-nothing block of the store and its history goes through `atomic` here. The
same behaviour as sqlite-utils: outside a transaction a block is a transaction (BEGIN ... COMMIT,
rolled back when it raises), inside one a savepoint (released, or rolled back to and
released when it raises; not touched when the error already ended the transaction). What
differs is the savepoint's name. sqlite-utils names each one with 16 random bytes, so every
`SAVEPOINT`/`RELEASE` is SQL text SQLite has never seen: parsed again and stored anew in
the connection's statement cache, after `secrets.token_hex`. A check opens four nested
blocks and a linked change three: ~6 us each in sqlite-utils, ~1.5 us here (the harness
figures are in bench/README.md, "Round 9: perfmain"). Nested savepoints may share a name:
`RELEASE` and `ROLLBACK TO` act on the innermost one of that name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

NAME = "regwatch_unit"


@contextmanager
def atomic(db: Database) -> Iterator[None]:
    """A transaction, or a savepoint of the open one, committed or released when the block ends."""
    conn = db.conn
    if conn.in_transaction:
        conn.execute(f"SAVEPOINT {NAME}")
        try:
            yield
        except BaseException:
            # An error such as a RAISE(ROLLBACK) trigger may have ended the whole transaction,
            # savepoints included: then there is nothing to roll back to.
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {NAME}")
                conn.execute(f"RELEASE {NAME}")
            raise
        conn.execute(f"RELEASE {NAME}")
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
