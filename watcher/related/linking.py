"""Link each new document of a change to the most related items of *other* sources.

How the ranking works (README "Related articles" says the same for users):

1. **Salient features of the document** (features.py): its title and text (the followed
   document, else the item's summary; for a page edit, the added diff lines) give
   *identifiers* (identifiers.py: CFR parts, FR documents and citations, EU act numbers,
   dockets, file and case numbers, RINs, gazette and circular numbers, any quoted code),
   *named acts* (from `acts.toml`, and those the document defines with an acronym),
   *title phrases* and tf-idf *words*, Porter-stemmed like the index; each weighs its idf
   in the index (an identifier: its rarest token's), so a docket shared by a handful of
   items outweighs one shared by every notice of an agency.
2. **Candidates** (ranking.py): one FTS5 query, the OR of the most selective features, over
   items of other sources (never the document itself nor an item with its link) dated
   within the window (default 120 days before to 365 days after the document's date, or its
   detection time), ordered by BM25 (title 4, summary 2, text 1); the best 25, and the best
   10 of a second query for the phrases the first left out (topical.py), and once the best
   candidate scores at least 0.5, the best 10 items whose titles share a phrase of its
   title (feedback.py: related items resemble each other). A document with
   only common words takes the newest items holding its two most selective words instead
   of the first query's BM25 order, and no second or third query (ranking.FALLBACK_RECENT: BM25
   over common words, and their phrases, reads the whole index).
3. **Score** (matching.py finds the features a candidate shares): the share of the
   document's feature weight a candidate matches (more when in its title; a feature most
   of the document's candidates share weighs less, `Ranking.pool`), a little BM25, a mild
   date decay (the share of the candidate's own title the document uses: off; the title
   words shared with a candidate whose title names another case weighed as a label,
   `Ranking.title_label`: off). A
   reciprocal-rank-fusion bonus from BM25's, the score's and identifier matches' orders
   was measured on the development half and is off by default (`Ranking`).
4. Up to `keep` links per document are returned with their score, matched features and a
   short reason ("same docket FEMA-3600-EM", "cites 45 CFR 164", "shares: ransomware, risk
   analysis"); the best `shown` are marked shown when the evidence is strong (`is_strong`)
   or they clearly lead the rest (`lead_bar`); with `Ranking.companions` (off by
   default), once the best one is shown, also the next ones up to `shown` that score
   at least half as well, share something not common and hold evidence of their own (what
   they match is not all matched by the rest of the candidates: `own_share`).

The clock is the caller's: `link_change` takes the detection time from the change's row, or
`now` when that is missing. No database is opened at import time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from operator import attrgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

from watcher.related.features import MAX_TEXT, Vocabulary, features
from watcher.related.feedback import with_feedback
from watcher.related.identifiers import find_acts, find_identifiers
from watcher.related.ranking import (
    FALLBACK_RECENT,
    Candidate,
    recent_rowid,
    retrieval_query,
    retrieve,
    score,
    window,
)
from watcher.related.text import DocumentWords, stem, words
from watcher.related.topical import with_topical
from watcher.related.values import DEFAULT_RANKING, Feature, Link, LinkTarget, Ranking

__all__ = [
    "Feature",
    "Link",
    "LinkTarget",
    "Ranking",
    "find_acts",
    "find_identifiers",
    "link_change",
    "rank",
    "stem",
    "targets_for_change",
    "words",
]


def rank(
    db: Database,
    target: LinkTarget,
    *,
    detected: datetime,
    ranking: Ranking = DEFAULT_RANKING,
    vocab: Vocabulary | None = None,
) -> list[Link]:
    """The best related items of other sources for one document, best first (at most `keep`)."""
    vocab = vocab or Vocabulary(db)
    doc = DocumentWords.of(target.title or "", (target.text or "")[:MAX_TEXT])  # split once, read twice
    feats = features(target, vocab, ranking, doc=doc)
    if not feats:
        return []
    expression, selective = retrieval_query(feats)
    start, end = window(target, detected, ranking)
    since_rowid = 0 if selective else recent_rowid(vocab.total, FALLBACK_RECENT)
    # With only common words, candidates are the newest matches, not BM25's best: FTS5's
    # bm25() counts the items holding each phrase over the WHOLE index before it ranks one
    # row (whatever the rowid bound), 5 ms per query at 51,000 items and 15 ms at 511,000 on
    # the bench. Nor does the topical query run: the phrases are of common words too (12-20
    # ms and ~55 ms). Development half forced onto this path: the same figures as with BM25;
    # at 100k (bench/related_scale.py) the same or better without the topical query.
    candidates = retrieve(db, expression, target, start, end, since_rowid, recent_first=not selective)
    if selective:
        candidates = with_topical(
            db, candidates, feats, target, start, end, ranking.topical, ranking.topical_title
        )
    if not candidates:
        return []
    if ranking.rerank:
        score(db, candidates, feats, target, target.date or detected.date(), ranking, vocab, doc=doc)
    else:
        best = min(c.bm25 for c in candidates) or -1.0
        for candidate in candidates:
            candidate.score = candidate.bm25 / best
    candidates.sort(key=lambda c: (-c.score, c.bm25, c.id))
    if ranking.rerank and selective:
        center = target.date or detected.date()
        candidates = with_feedback(
            db, candidates, feats, target, (start, end), center, ranking, vocab, doc=doc
        )
    shows = shown_flags(candidates, ranking)
    return [
        Link(  # by position, in Link's field order (keywords cost ~1 us more a link)
            target.item_key,  # item_key
            candidate.id,  # related_item_id
            candidate.source_id,
            candidate.title,
            candidate.link,
            candidate.date,
            candidate.score,
            tuple(map(_LABEL, candidate.matched)),  # terms
            position,  # rank
            shown,
            reason(candidate.matched),
        )
        for position, (candidate, shown) in enumerate(
            zip(candidates[: ranking.keep], shows, strict=False), start=1
        )
    ]


_LABEL, _WEIGHT = attrgetter("label"), attrgetter("weight")


def reason(matched: Sequence[Feature], limit: int = 3) -> str:
    """Why a link was chosen, in a few words: its heaviest identifiers or acts, else the
    words and phrases it shares ("same docket FEMA-3600-EM", "shares: ransomware, risk analysis")."""
    strong, shared, in_phrases = [], [], set()  # a word inside a shared phrase says nothing more
    # One pass, heaviest first: by weight reversed, which keeps equal weights in their order
    # as a sort by -weight does (no key function of Python's own per feature).
    for feature in sorted(matched, key=_WEIGHT, reverse=True):
        kind = feature.kind
        if kind == "phrase":
            shared.append(feature.label)
            in_phrases.update(feature.label.split())
        elif kind == "word":
            shared.append(feature.label)
        elif kind == "identifier" or kind == "act":
            strong.append(feature.reason)
    shared = [s for s in shared if " " in s or s not in in_phrases][:limit]
    return "; ".join(strong[:2] + ([f"shares: {', '.join(shared)}"] if shared and len(strong) < 2 else []))


def shown_flags(candidates: list[Candidate], ranking: Ranking) -> list[bool]:
    """Which of a document's ranked candidates (best first) an alert shows: of the best
    `shown`, those with strong evidence (`is_strong`) or that clearly lead the rest
    (`lead_bar`); with `companions`, once the best is shown, also the others of the best
    `shown` that score at least `companion_share` of it, share something not common and
    hold evidence of their own (`companion_own`: a share of what they match that at most
    `shown` candidates match). A pure decision on the scored candidates."""
    bar = lead_bar(candidates, ranking)
    cluster = break_bar(candidates, ranking)
    shows = [
        position <= ranking.shown
        and (
            is_strong(candidate, ranking)
            or (position < ranking.lead_rank and candidate.score >= bar)
            or candidate.score >= cluster
        )
        for position, candidate in enumerate(candidates, start=1)
    ]
    if ranking.companions and shows and shows[0]:
        floor = ranking.companion_share * candidates[0].score
        company = [
            not shown
            and position <= ranking.shown
            and candidate.score >= floor
            and candidate.rarity >= ranking.companion_rarity
            for position, (shown, candidate) in enumerate(zip(shows, candidates, strict=True), start=1)
        ]
        if ranking.companion_own and any(company):  # counted only when a companion may show
            held = feature_holders(candidates)
            company = [
                joins and own_share(candidate, held, ranking.shown) >= ranking.companion_own
                for joins, candidate in zip(company, candidates, strict=True)
            ]
        shows = [shown or joins for shown, joins in zip(shows, company, strict=True)]
    return shows


def own_share(candidate: Candidate, holders: Mapping[int, int], most: int) -> float:
    """The share of a candidate's matched feature weight in features at most `most` of the
    document's candidates match (`holders`: how many match each, `feature_holders`):
    evidence of its own. The siblings of a template or a series match what the rest match
    (0 when it matches nothing)."""
    total = sum(f.weight for f in candidate.matched)
    if total <= 0:
        return 0.0
    return sum(f.weight for f in candidate.matched if holders.get(id(f), 0) <= most) / total


def feature_holders(candidates: list[Candidate]) -> dict[int, int]:
    """How many of the candidates match each feature, by the feature's identity: a
    document's candidates are scored against one list of its features (`ranking.score`), and
    a frozen Feature's value hash would cost ~200 µs a document."""
    count: dict[int, int] = {}
    for candidate in candidates:
        for key in {id(f) for f in candidate.matched}:
            count[key] = count.get(key, 0) + 1
    return count


def is_strong(candidate: Candidate, ranking: Ranking) -> bool:
    """Is the evidence for a link strong enough to show it? It must share something rare
    (template notices share only common words), and either score well or share a rare
    identifier (the same docket, file or document number)."""
    if candidate.rarity < ranking.rarity:
        return False
    return candidate.score >= ranking.threshold or (
        ranking.identifier_shows and candidate.identifier_rarity >= ranking.rarity
    )


def lead_bar(candidates: list[Candidate], ranking: Ranking) -> float:
    """The score a link must reach to stand out from the rest: `lead` times the score of the
    candidate at rank `lead_rank` (and at least `lead_floor`); infinite when off. Template
    notices match many items about equally; a document with a few clearly related items
    matches those far better than the next ones."""
    if not ranking.lead or not candidates:
        return float("inf")
    reference = candidates[ranking.lead_rank - 1].score if len(candidates) >= ranking.lead_rank else 0.0
    return max(ranking.lead_floor, ranking.lead * reference)


def break_bar(candidates: list[Candidate], ranking: Ranking) -> float:
    """The score a link must reach to stand out from the rest when the leading group is
    larger than `lead_bar` assumes (an update with four articles written about it: its own
    fourth article sets `lead_bar`'s reference): `lead` times the first candidate from rank
    `lead_rank` to `lead_group` that scores below `lead_break` times the one before it (the
    first clear drop after a group of at most `lead_group` - 1), at least `lead_floor`;
    infinite when off or when the scores fall away without a clear drop, as a template's
    siblings do (a larger group is more often a template series)."""
    if not ranking.lead or not ranking.lead_break:
        return float("inf")
    for index in range(max(ranking.lead_rank - 1, 1), min(len(candidates), ranking.keep, ranking.lead_group)):
        if candidates[index].score < ranking.lead_break * candidates[index - 1].score:
            return max(ranking.lead_floor, ranking.lead * candidates[index].score)
    return float("inf")


def targets_for_change(db: Database, change_id: int) -> list[LinkTarget]:
    """The documents of a change: each added item (with its followed text) and the page edit."""
    row = db.execute("SELECT source_id, diff FROM changes WHERE id = ?", [change_id]).fetchone()
    if row is None:
        return []
    source_id, diff = row
    targets = []
    for item in db.execute(
        "SELECT id, key, title, link, date, summary, text FROM items WHERE change_id = ? ORDER BY id",
        [change_id],
    ).fetchall():
        item_id, key, title, link, when, summary, text = item
        body = "\n".join(p for p in (summary or "", text or "") if p)
        targets.append(LinkTarget(key, title or "", body, source_id, _as_date(when), item_id, link or ""))
    lines = (diff or "").split("\n")
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    if added:
        name = db.execute("SELECT name FROM sources WHERE id = ?", [source_id]).fetchone()
        title = added[0] if len(added[0]) < 200 else ""
        targets.append(LinkTarget("", title, "\n".join(added), source_id, None, None, ""))
        if name and name[0] and not title:
            targets[-1] = replace(targets[-1], title=name[0])
    return targets


def link_change(
    db: Database, change_id: int, *, now: datetime, ranking: Ranking = DEFAULT_RANKING
) -> list[Link]:
    """Rank related items for every document of a change (the caller stores them). The window
    of an undated document is centred on the change's detection time, else on `now`."""
    row = db.execute("SELECT detected_at FROM changes WHERE id = ?", [change_id]).fetchone()
    detected = datetime.fromisoformat(row[0]) if row and row[0] else now
    vocab = Vocabulary(db)
    links: list[Link] = []
    for target in targets_for_change(db, change_id):
        links.extend(rank(db, target, detected=detected, ranking=ranking, vocab=vocab))
    return links


def _as_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
