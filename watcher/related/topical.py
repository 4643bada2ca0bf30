"""A second, small retrieval for documents whose topic is written in common words.

In a large history a page's topical words ("council", "tax", "passport") are each in more
than DF_CAP items, so the budgeted retrieval query (`ranking.retrieval_query`) holds only the
document's rarest words, often incidental ones ("postcode", "potential donors"), and the
items on the same topic are never candidates. The topic is still selective as a phrase: the
document's own phrases of two words ("council tax", "adult passport") are held by far fewer
items than either word. For a phrase FTS5 reads both words' postings (cheap) but ranks only
the items that hold the phrase (what costs: about a microsecond per match), so the cost
follows the phrase's own frequency, not its words'.

A page whose title has one topical word ("FRANK", "Passport") has no phrase for it: its
heaviest left-out title word is looked for in items' titles only, when the word's frequency
is known (under DF_CAP, or estimated by spread.py; a bare capped count is unknown) and
within the retrieval budget, so FTS5 reads at most that many postings for it.

Reads the index through `ranking.retrieve`; no other I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

from watcher.related.features import DF_CAP
from watcher.related.ranking import RETRIEVAL_BUDGET, Candidate, retrieve, selective
from watcher.related.text import stem, words
from watcher.related.values import Feature, LinkTarget

#: Candidates the topical query adds at most (beyond those the retrieval query found).
SUPPLEMENT = 10
#: The topical query ranks at most this many of its matches, the most recently indexed:
#: a phrase held by more items than this is common in its own right (ranking a match costs
#: about a microsecond; the synthetic 100k bench holds few such phrases, a real history more).
NEWEST = 2000


def topical_query(feats: Sequence[Feature], limit: int, title: str = "") -> str | None:
    """The OR of the document's `limit` heaviest phrases that the retrieval query left out
    (their words are common, or the budget went to rarer features), title phrases first
    among equals, and of its heaviest left-out `title` word in items' titles when that
    word's frequency is known and within RETRIEVAL_BUDGET (see module doc); None when there
    is nothing left out."""
    if limit <= 0:
        return None
    chosen = {id(f) for f in selective(feats)}
    left_out = sorted((f for f in feats if id(f) not in chosen), key=lambda f: -f.weight)
    parts = [f"({f.query})" for f in left_out if f.kind == "phrase"][:limit]
    if title:
        title_stems = {stem(w) for w in words(title)}
        parts += [
            f"({{title}} : {f.query})"
            for f in left_out
            if f.kind == "word"
            and f.stems[0] in title_stems
            and f.cost != DF_CAP
            and f.cost <= RETRIEVAL_BUDGET
        ][:1]
    return " OR ".join(parts) or None


def with_topical(
    db: Database,
    candidates: list[Candidate],
    feats: Sequence[Feature],
    target: LinkTarget,
    start: str,
    end: str,
    limit: int,
    title_word: bool = True,
) -> list[Candidate]:
    """`candidates` followed by the topical query's best SUPPLEMENT items not already among
    them (one read of its ranking, never widened: reading more costs more than it finds;
    development half at 100k: reading 35 instead of 10 found nothing more)."""
    expression = topical_query(feats, limit, target.title if title_word else "")
    if expression is None:
        return candidates
    known = {c.id for c in candidates}
    extra = retrieve(db, expression, target, start, end, count=SUPPLEMENT, widen=False, newest=NEWEST)
    return candidates + [c for c in extra if c.id not in known]
