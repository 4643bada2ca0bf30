"""All-or-nothing blocks on the store's connection: sqlite-utils' `Database.atomic()`, cheaper.

Every all-or-nothing block of the store and its history goes through `atomic` here. The
same behaviour as sqlite-utils: outside a transaction a block is a transaction (BEGIN ... COMMIT,
rolled back when it raises), inside one a savepoint (released, or rolled back to and
released when it raises; not touched when the error already ended the transaction). What
differs is the savepoint's name. sqlite-utils names each one with 16 random bytes, so every
`SAVEPOINT`/`RELEASE` is SQL text SQLite has never seen: parsed again and stored anew in
the connection's statement cache, after `secrets.token_hex`: ~6 us a block in sqlite-utils,
~1.5 us here (the harness figures are in bench/README.md, "Round 9: perfmain"). Nested
savepoints may share a name: `RELEASE` and `ROLLBACK TO` act on the innermost one of that name.

Inside a unit of work (`Store.unit()`, watcher/db/batch.py), which is itself a block opened
with `own_block`, the blocks nested in it join it instead of opening savepoints of their own:
a check's writes pass through three of them (the pipeline's block around the version and its
evidence, `save_change`'s own unit, the evidence's block) and a linked change's release through
two, each a `SAVEPOINT` and a `RELEASE` (~10 us a pair in a pass, bench/README.md, "Round 15:
perfstore6") that undo nothing the unit would not undo: an error in a nested block goes out
through the unit, which rolls all of it back. Should a caller inside the unit catch such an
error and go on, what the failed block wrote could no longer be undone alone, so the block that
holds it refuses to keep it: at its end it rolls back and raises `JoinedBlockFailed`. Code that
catches errors of a nested block on purpose opens it with `own_block` (its own savepoint, rolled
back alone), or makes it the unit's first writes and, when it fails, rolls the whole unit back
and writes the rest in a unit of its own (a change's release and its related links,
watcher/check/linkstage.py: one savepoint a release).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

NAME = "regwatch_unit"
#: The attribute of a `Database` holding its open `own_block`s: for each, whether a block
#: that joined it failed.
_OWN = "_regwatch_own_blocks"


class JoinedBlockFailed(RuntimeError):
    """A block that joined the enclosing one raised, and the error was caught inside it."""

    def __init__(self) -> None:
        super().__init__(
            "a nested block failed and the error was caught before its unit ended: the unit's"
            " writes were rolled back (open the block with own_block to roll it back alone)"
        )


def _own_blocks(db: Database) -> list[bool]:
    blocks: list[bool] | None = db.__dict__.get(_OWN)
    if blocks is None:
        blocks = db.__dict__[_OWN] = []
    return blocks


@contextmanager
def atomic(db: Database) -> Iterator[None]:
    """A transaction, or a savepoint of the open one, committed or released when the block ends;
    inside an `own_block` (a unit of work), part of that block."""
    conn = db.conn
    blocks = db.__dict__.get(_OWN)
    if blocks and conn.in_transaction:
        try:
            yield
        except BaseException:
            blocks[-1] = True  # the enclosing block must not keep what this one wrote
            raise
        return
    with _block(db):
        yield


@contextmanager
def own_block(db: Database) -> Iterator[None]:
    """A transaction, or a savepoint of the open one, that the `atomic` blocks nested in it join.

    Its end rolls it back and raises `JoinedBlockFailed` when one of them failed and the error
    was caught inside it."""
    blocks = _own_blocks(db)
    blocks.append(False)
    try:
        with _block(db):
            yield
            if blocks[-1]:
                raise JoinedBlockFailed()
    finally:
        blocks.pop()


@contextmanager
def _block(db: Database) -> Iterator[None]:
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
