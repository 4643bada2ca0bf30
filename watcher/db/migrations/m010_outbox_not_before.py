"""Migration m010_outbox_not_before.

An alert told to wait by its channel (Retry-After) records until when: `not_before`. When a
channel recovers, its waiting alerts become due at once, but never before this moment.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """outbox.not_before: the channel's Retry-After, which recovery never shortens."""
    db.execute("ALTER TABLE outbox ADD COLUMN not_before TEXT")
