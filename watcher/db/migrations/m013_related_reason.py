"""Migration m013_related_reason.

Why each related link was chosen, in a few words, for alerts.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database


def migrate(db: Database) -> None:
    """`related.reason`: a short reason shown beside the link ("same docket FEMA-3600-EM",
    "cites 45 CFR 164", "shares: ransomware, risk analysis"); '' for links stored before."""
    db.execute("ALTER TABLE related ADD COLUMN reason TEXT NOT NULL DEFAULT ''")
