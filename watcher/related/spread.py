"""How common the common words are: a document frequency for words in DF_CAP items or more,
estimated from the most recently indexed items.

The Vocabulary counts each word up to DF_CAP (a bounded count keeps linking cheap), so in a
large history every word above the cap weighs the same: "service" (in a quarter of the
items) as much as "passport" (in one percent), and a page's generic words outweigh its
topic. Counting a word among the newest SAMPLE items is as cheap (FTS5 seeks to the first
of them in each word's postings and counts from there) and tells those words apart. Only the
weights change: a word above the cap stays out of the retrieval query.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

#: Items counted (the most recently indexed); the estimate scales their count to the index.
SAMPLE = 20_000

#: An estimate is made again once the index has grown by this share since it was made.
GROWTH = 0.1

#: Per database connection, while it lives: stem -> (estimated frequency, index size then).
_ESTIMATES: weakref.WeakKeyDictionary[Database, dict[str, tuple[int, int]]] = weakref.WeakKeyDictionary()


def spread(
    db: Database, df: Mapping[str, int], surface: Mapping[str, str], cap: int, total: int
) -> dict[str, int]:
    """`df` with each count that reached `cap` replaced by an estimate from the newest SAMPLE
    items, always above `cap` (a count of exactly `cap` stays "capped, unknown");
    `surface` gives a word for each stem, as FTS5 will read it."""
    capped = [s for s, n in df.items() if n >= cap]
    if not capped:
        return dict(df)
    known = _ESTIMATES.get(db)  # (get makes no weak reference with a callback; setdefault does)
    if known is None:
        known = _ESTIMATES.setdefault(db, {})
    sample = min(SAMPLE, total)
    result = dict(df)
    for stem_ in capped:
        estimate, size = known.get(stem_, (0, 0))
        if total > size * (1 + GROWTH):
            row = db.execute(
                "SELECT count(*) FROM items_fts WHERE items_fts MATCH ? AND rowid > ?",
                [f'"{surface[stem_]}"', total - sample],
            ).fetchone()
            estimate, size = max(cap + 1, round(int(row[0]) * total / max(sample, 1))), total
            known[stem_] = (estimate, size)
        result[stem_] = estimate
    return result
