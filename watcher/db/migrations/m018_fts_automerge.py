"""Migration m018_fts_automerge.

The two bulk-indexed full-text indexes (`items_fts`, `version_text_fts`) merge their
segments eight at a time instead of four.

Frozen: never edit it once released, and never import live code from here.
"""

from __future__ import annotations

from sqlite_utils import Database

#: Segments FTS5 lets gather on one level of an index before it merges them.
AUTOMERGE = 8


def migrate(db: Database) -> None:
    """Set FTS5's `automerge` of `items_fts` and `version_text_fts` to 8 (FTS5's default: 4).

    Since m015/m016 these indexes are written in bulk, one `INSERT ... SELECT` of a batch's
    items and version text before each commit: one new segment per commit (~70 pages for a
    first pass's 50 pages of 50 items). FTS5 merges a level's segments into one once
    `automerge` of them are there, so every posting is read and written again once per
    level it climbs; at 8 there are fewer levels. The bulk index of a first pass costs
    ~5% less CPU at N = 1,000 (0.42 -> 0.40 ms per page in the real store) and ~18% less at
    N = 10,000 (0.69 -> 0.56). The price is read by queries, which look each word up in
    every segment: at 1,000 pages linking costs the same, at 10,000 an index holds more
    segments and a linking query costs ~0.08 ms more (bench/README.md, "Round 11:
    perffts"). What a query finds does not depend on how the index is cut into segments:
    search and linking answer exactly as before.

    The setting lives in the index itself (its `%_config` table), so a new database gets
    it here too, and it survives `optimize` and `rebuild`. `changes_fts`, one row per
    change written by its trigger, keeps FTS5's default.
    """
    for table in ("items_fts", "version_text_fts"):
        db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('automerge', {AUTOMERGE})")
