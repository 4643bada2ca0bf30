"""Pseudo-relevance feedback: a third, small retrieval from the best candidate's title.

Items related to one document tend to resemble each other (a collection's documents, the
frameworks of one set of standards), and a related item may share with the document only
common words that a large history's retrieval query leaves out. When the best candidate's
evidence is strong, the items whose titles share a phrase of its title are looked for too
(FTS5 `{title} : "a b"`, ranked among the newest NEWEST matches only, as topical.py does)
and scored against the document like every other candidate: one that shares nothing
with the document still scores nothing.

Not when a candidate shares an identifier of one proceeding: identifiers are then the
evidence, and the best candidate's title is a template's ("Notice of Inventory
Completion: ...") that every notice of the kind shares.

Reads the index through `ranking.retrieve` and `ranking.score`; no other I/O.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

from watcher.related.features import Vocabulary
from watcher.related.ranking import Candidate, retrieve, score
from watcher.related.text import DocumentWords, is_content_word, phrase, words
from watcher.related.topical import NEWEST
from watcher.related.values import Feature, LinkTarget, Ranking

#: The best candidate lends its title only when it scores at least this much (the lead
#: rule's floor: a link that could be shown on its own lead).
GATE = 0.5
#: At most this many of its title's phrases, first first (a long title's tail names places
#: and institutions, and every phrase is one more postings read).
PHRASES = 4


def feedback_query(best: Candidate) -> str | None:
    """The OR of the first PHRASES phrases (adjacent content words) of the best candidate's
    title, in items' titles; None when its title has none."""
    parts = [
        f"({{title}} : {phrase([first, second])})"
        for first, second in itertools.pairwise(words(best.title))
        if is_content_word(first) and is_content_word(second)
    ]
    return " OR ".join(list(dict.fromkeys(parts))[:PHRASES]) or None


def with_feedback(
    db: Database,
    candidates: list[Candidate],
    feats: list[Feature],
    target: LinkTarget,
    window: tuple[str, str],
    center: date,
    ranking: Ranking,
    vocab: Vocabulary,
    *,
    doc: DocumentWords | None = None,
) -> list[Candidate]:
    """`candidates` (scored, best first) with the best `ranking.feedback` items of the
    feedback query that are not among them, scored, all best first again; `candidates`
    unchanged when the best is weak, a proceeding's identifier is the evidence, or the
    feature is off. `doc`: the document's words, when the caller has them."""
    if not ranking.feedback or not candidates or candidates[0].score < GATE:
        return candidates
    if any(c.proceeding for c in candidates):
        return candidates
    expression = feedback_query(candidates[0])
    if expression is None:
        return candidates
    start, end = window
    known = {c.id for c in candidates}
    found = retrieve(db, expression, target, start, end, count=ranking.feedback, widen=False, newest=NEWEST)
    extra = [c for c in found if c.id not in known]
    if not extra:
        return candidates
    score(db, extra, feats, target, center, ranking, vocab, doc=doc)
    return sorted(candidates + extra, key=lambda c: (-c.score, c.bm25, c.id))
