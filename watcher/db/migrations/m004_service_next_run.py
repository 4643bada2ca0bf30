"""Migration m004_service_next_run.

The running service records when it will next check each source (`regwatch status`).

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """The running service records when it will next check each source (`regwatch status`)."""
    db.execute("ALTER TABLE sources ADD COLUMN next_run_at TEXT")
