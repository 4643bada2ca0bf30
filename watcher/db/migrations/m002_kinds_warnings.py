"""Migration m002_kinds_warnings.

Warnings met while reading content (an ill-formed feed read anyway), per check and per source.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """Warnings met while reading content (an ill-formed feed read anyway), per check and per source."""
    db.executescript(
        """
        ALTER TABLE checks ADD COLUMN warnings TEXT;      -- newline-separated, NULL when none
        ALTER TABLE sources ADD COLUMN last_warning TEXT; -- from the last check that read content
        """
    )
