"""Migration m017_drop_items_date.

Drops the index `items_date`, which no query uses, so storing items no longer maintains it.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Drop `items_date` (m006): an index on `items.date` that no query reads.

    It was made for related-article linking, whose candidate query filters on
    `coalesce(i.date, i.first_seen)` (an expression an index on `date` cannot serve) after
    joining full-text matches by rowid; history, search and the views date items by the
    same kind of expression (`published`) or by `first_seen` (indexed by
    `items_first_seen`). Every item inserted still paid for it: a page's 50 new items
    touch ~50 leaf pages of it at random places (the dates are spread over years), each
    copied to the statement journal and written to the WAL at the commit: 0.66 -> 0.41 ms
    of CPU per 50 items (bench/README.md, "Round 9: perfmain"). Rows are untouched.
    """
    db.execute("DROP INDEX IF EXISTS items_date")
