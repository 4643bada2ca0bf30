"""Candidates for a document and their scores: one FTS5 query over the index, then a score
from the features each candidate shares (optionally fused with BM25's and the identifiers'
own orders by reciprocal rank fusion), and how rare its rarest shared feature is (the
reason a link gives: linking.reason).

Reads the index (`items`, `items_fts`) of the connection it is given; no other I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

from watcher.related.features import DF_CAP, MATCH_TEXT, MAX_TEXT, Vocabulary
from watcher.related.labels import label_weight, names_other_case, title_cases
from watcher.related.matching import CANDIDATE_WORDS, Matcher, in_title
from watcher.related.text import DocumentWords, is_content_word, stem, words
from watcher.related.values import Feature, LinkTarget, Ranking

CANDIDATES = 25
RETRIEVAL_BUDGET = 2000
#: With no selective feature (only common words), candidates come from this many newest
#: items: scoring every match of two common words would grow with the whole history, and
#: a link resting on common words alone is weak evidence anyway. They are read newest first,
#: not by BM25 (`retrieve(recent_first=True)`; why: linking.rank).
FALLBACK_RECENT = 20_000
TITLE_BONUS = 0.5
TITLE_SHARE = 0.3
#: Identifier kinds that can name one proceeding or document (a docket, a RIN, a file or case
#: code, a cited FR document); a CFR part or an EU act is cited by every rule under it.
PROCEEDING_SCHEMES = frozenset({"docket", "rin", "code", "fr-doc", "fr-cite", "circular", "gazette"})
BM25_WEIGHT = 0.1
DATE_DECAY = 0.15
#: Reciprocal rank fusion: 1 / (RRF_K + rank) per list, the sum scaled to at most FUSION_WEIGHT.
RRF_K = 5
FUSION_WEIGHT = 0.3
#: Candidates a document needs before shares among them weigh features (Ranking.pool).
POOL_MIN = 5
#: Rarity counts the index as at least this many items: in a young history, a feature shared
#: by a handful of items is still rare although a handful is a large share of it.
RARITY_MIN_ITEMS = 1000
#: bm25() column weights of items_fts (title, summary, text).
COLUMN_WEIGHTS = (4.0, 2.0, 1.0)


@dataclass
class Candidate:
    id: int
    source_id: str
    title: str
    link: str
    date: str | None
    seen: str
    bm25: float
    matched: list[Feature] = field(default_factory=list)
    score: float = 0.0
    evidence: float = 0.0  # matched identifier weight
    rarity: float = 0.0  # of its rarest matched feature: idf(df) / idf(1), 1 = unique to the two
    identifier_rarity: float = 0.0  # the same, of its rarest matched identifier
    proceeding: bool = False  # shares an identifier of one proceeding (Ranking.proceeding_holders)
    #: Its summary and text as `score` matches them ("summary\ntext" cut at MATCH_TEXT), when
    #: `retrieve` read them with its row (newest first: no sort holds them); else `score` reads it.
    text: str | None = field(default=None, repr=False)


def retrieval_query(feats: Sequence[Feature]) -> tuple[str, bool]:
    """The FTS5 query that finds candidates: the OR of the most selective features, and
    whether any feature was selective.

    Reading a common word's postings costs time in a large history and finds nothing a
    rarer feature would not, so features join in order of selectivity until they would
    read more than RETRIEVAL_BUDGET postings; common features still count in the score.
    When even the most selective one is common, the two most selective must both match
    (and the caller searches only the most recent items: see FALLBACK_RECENT).
    """
    ordered = sorted(feats, key=_selectivity)  # sorted once for both steps
    chosen = selective(ordered, ordered=True)
    if chosen:
        return " OR ".join(f"({f.query})" for f in chosen), True
    if len(ordered) > 1:
        implied = _implied(ordered[0], ordered[1])
        if implied is not None:  # the same items, one doclist fewer to read (no bm25() here)
            return f"({implied.query})", False
        return f"({ordered[0].query}) AND ({ordered[1].query})", False
    return ordered[0].query, False


def _implied(first: Feature, second: Feature) -> Feature | None:
    """Of a word and a phrase holding the word's stem, the phrase: an item that matches the
    phrase matches the word (FTS5 matches both by the same stems), so "word AND phrase"
    finds exactly the phrase's items. None for any other pair."""
    for word, pair in ((first, second), (second, first)):
        if word.kind == "word" and pair.kind == "phrase" and word.stems[0] in pair.stems:
            return pair
    return None


def selective(feats: Sequence[Feature], *, ordered: bool = False) -> list[Feature]:
    """The features the retrieval query holds: the most selective, within RETRIEVAL_BUDGET
    (`ordered`: `feats` are sorted by selectivity already, as `retrieval_query` sorts them)."""
    chosen: list[Feature] = []
    spent = 0
    for feature in feats if ordered else sorted(feats, key=_selectivity):
        if feature.cost >= DF_CAP or spent + feature.cost > RETRIEVAL_BUDGET:
            break  # a capped count means "common": its real cost is unknown and large
        chosen.append(feature)
        spent += feature.cost
    return chosen


def _selectivity(feature: Feature) -> tuple[int, float]:
    """The fewest postings first; among equals, the heaviest."""
    return feature.cost, -feature.weight


def window(target: LinkTarget, detected: datetime, ranking: Ranking) -> tuple[str, str]:
    """The dates candidates must fall within (ISO, inclusive): around the document's own
    date, or when it has none, the time its change was detected."""
    center = target.date or detected.date()
    start = center - timedelta(days=ranking.before_days)
    end = center + timedelta(days=ranking.after_days)
    return start.isoformat(), end.isoformat() + "\uffff"


def recent_rowid(newest: int, recent: int) -> int:
    """The rowid below which items are older than the `recent` newest ones, given the newest
    item's rowid (`Vocabulary.total`, read in the same transaction: `items_fts` has external
    content, so its max(rowid), which FTS5 reads from `items`, is that of `items`)."""
    return max(0, newest - recent)


def retrieve(
    db: Database,
    expression: str,
    target: LinkTarget,
    start: str,
    end: str,
    since_rowid: int = 0,
    count: int = CANDIDATES,
    widen: bool = True,
    newest: int = 0,
    *,
    recent_first: bool = False,
) -> list[Candidate]:
    """The best `count` items by BM25 that match `expression`, are of another source, are
    not the document itself nor share its link, and fall in the date window; best first
    (equal BM25: lower id first).

    One statement: every match is joined to its row and filtered in SQLite, then the best
    are sorted out (with `widen` false: over the first `4 * count` matches only; with
    `newest`, over the `newest` most recently indexed matches only, which bounds the cost of
    a common query). The join costs a row look-up per match, bounded by what the query may
    read (RETRIEVAL_BUDGET postings, `newest`, FALLBACK_RECENT): cheaper than reading the best
    100 and reading 16 times as many again whenever the window filtered too many out, each
    read ranking every match again (realistic 100k index: 3.0 -> 1.7 ms per query, the same
    candidates). With `recent_first`, matches are read newest first without bm25(), each with
    BM25 -1: unknown, so every one counts as the best (see FALLBACK_RECENT); FTS5 reads them
    in rowid order and stops at the `count`-th that passes.
    """
    sql = _retrieval_sql(recent_first, int(newest), widen, int(count))
    exclude_id, exclude_link = target.item_id or -1, target.link or "\x00"
    params = [expression, since_rowid, target.source_id, exclude_id, exclude_link, start, end, count]
    rows = db.execute(sql, params).fetchall()
    if recent_first:
        return [
            Candidate(item_id, source_id, title, link, day, seen, bm, text=f"{summary}\n{body}")
            for item_id, bm, source_id, title, link, day, seen, summary, body in rows
        ]
    return [
        Candidate(item_id, source_id, title, link, day, seen, bm)
        for item_id, bm, source_id, title, link, day, seen in rows
    ]


@lru_cache(maxsize=64)
def _retrieval_sql(recent_first: bool, newest: int, widen: bool, count: int) -> str:
    """`retrieve`'s statement for one shape of query (made once per shape: a linking run
    asks for the same one or two shapes, ~1,000 times a pass)."""
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    order = "bm, rowid"
    matches = (
        f"SELECT rowid, bm25(items_fts, {weights}) AS bm FROM items_fts WHERE items_fts MATCH ? AND rowid > ?"
    )
    if recent_first:  # the newest matches first, without bm25() (see FALLBACK_RECENT)
        matches = "SELECT rowid, -1.0 AS bm FROM items_fts WHERE items_fts MATCH ? AND rowid > ?"
        order = "rowid DESC"
    elif newest:  # rank only the newest matches: FTS5 reads them newest first and stops
        matches = f"SELECT * FROM ({matches} ORDER BY rowid DESC LIMIT {int(newest)})"
    if not widen:
        matches = f"SELECT * FROM ({matches} ORDER BY {order} LIMIT {4 * int(count)})"
    # Newest first, the rows come straight from FTS5's order and only the `count` kept are
    # read: their text comes along (score reads it), sparing a second read of the same rows.
    # Sorted by BM25, every row that passes would carry its text into the sort: read apart.
    text = f", i.summary, substr(coalesce(i.text, ''), 1, {MATCH_TEXT})" if recent_first else ""
    return (
        f"SELECT m.rowid, m.bm, i.source_id, i.title, i.link, i.date, i.first_seen{text}"
        f" FROM ({matches}) AS m"
        " JOIN items AS i ON i.id = m.rowid WHERE i.source_id IS NOT ? AND i.id IS NOT ?"
        " AND i.link IS NOT ? AND coalesce(i.date, i.first_seen) BETWEEN ? AND ?"
        f" ORDER BY {', '.join('m.' + part for part in order.split(', '))} LIMIT ?"
    )


def score(
    db: Database,
    candidates: list[Candidate],
    feats: list[Feature],
    target: LinkTarget,
    center: date,
    ranking: Ranking,
    vocab: Vocabulary,
    *,
    doc: DocumentWords | None = None,
) -> None:
    """Score candidates (distinct items) by the document features they share, then fuse
    orders (see linking). `doc`: the document's words, when the caller has them already
    (linking.rank). What is made per candidate is kept in lists in the candidates' order."""
    unread, read = [c.id for c in candidates if c.text is None], {}
    if unread:  # none newest first: `retrieve` read every text with its row
        sql = (
            f"SELECT id, summary, substr(coalesce(text, ''), 1, {MATCH_TEXT}) FROM items"
            f" WHERE id IN ({','.join('?' for _ in unread)})"
        )
        read = {row[0]: f"{row[1]}\n{row[2]}" for row in db.execute(sql, unread).fetchall()}
    texts = [read.get(c.id, "") if c.text is None else c.text for c in candidates]
    # Each candidate's words (its title's, then its text's, as words() splits "title\ntext")
    # and their stems, split once per title and text and kept for later documents.
    split = CANDIDATE_WORDS.words_of([(c.title, text) for c, text in zip(candidates, texts, strict=True)])
    doc = doc or DocumentWords.of(target.title, target.text[:MAX_TEXT])
    total = sum(f.weight for f in feats) or 1.0
    best = min(c.bm25 for c in candidates) or -1.0
    title_weights = _title_weights(candidates, vocab) if ranking.title_coverage == "idf" else None
    # Rarity: idf(df - 1) over idf(1), the document being indexed (df 2 = one other item).
    unique, *idfs = vocab.idfs([1, *(max(f.df or f.cost, 2) - 1 for f in feats)], at_least=RARITY_MIN_ITEMS)
    rarities = [idf / unique for idf in idfs]
    matcher = Matcher(feats)  # the features prepared once for every candidate
    # Per feature, what a match adds, prepared once: its weight with and without the title
    # bonus, whether it is an identifier, and the stems a title must hold for the bonus
    # (None: an act, whose aliases are looked for in the title's text).
    plain = [f.weight * (1.0 + 0.0) for f in feats]
    bonused = [f.weight * (1.0 + TITLE_BONUS) for f in feats] if ranking.title_bonus else plain
    in_titles = [None if f.kind == "act" else frozenset(f.stems) for f in feats]
    identifier = [f.kind == "identifier" for f in feats]
    # With `title_label`: a candidate whose title names another case than the document's
    # title (two decisions of one court, "BVwG - W211 2210458-1/10" and "BVwG - W211
    # 2221963-1") shares the document's title words as a label, the issuer's name, not as a
    # topic: those words count as shared words of the body would (no title bonus, no title
    # factor), and the title's phrases without the bonus.
    cases = title_cases(target.title) if ranking.title_label and ranking.identifiers else frozenset()
    label: list[float | None] = []
    if cases:
        doc_title = doc.title_stems()
        label = [label_weight(f, w, doc_title) for f, w in zip(feats, plain, strict=True)]
    hits = [
        matcher.found_in(words_.sequence, c.title, text)
        for c, words_, text in zip(candidates, split, texts, strict=True)
    ]
    factors = _pool_factors(hits, len(feats), ranking.pool)
    if factors is not None:
        total = sum(f.weight * factor for f, factor in zip(feats, factors, strict=True)) or 1.0
    gain_in = [w * f for w, f in zip(bonused, factors, strict=True)] if factors is not None else bonused
    gain_out = [w * f for w, f in zip(plain, factors, strict=True)] if factors is not None else plain
    simple = [not is_id and stems_ is not None for is_id, stems_ in zip(identifier, in_titles, strict=True)]
    for candidate, indexes, words_ in zip(candidates, hits, split, strict=True):
        title_stems = words_.title_stems
        other_case = bool(label) and names_other_case(candidate.title, cases)
        candidate.matched.extend(map(feats.__getitem__, indexes))
        value = 0.0
        for index in indexes:
            if simple[index] and not other_case:  # a word or phrase: the general rule's product, made once
                value += gain_in[index] if title_stems.issuperset(in_titles[index]) else gain_out[index]  # type: ignore[arg-type]
                continue
            feature, rarity = feats[index], rarities[index]
            if identifier[index]:
                candidate.evidence += feature.weight
                candidate.identifier_rarity = max(candidate.identifier_rarity, rarity)
                candidate.proceeding |= _names_proceeding(feature, vocab, ranking.proceeding_holders)
            stems_ = in_titles[index]
            if stems_ is None:
                titled = in_title(feature, title_stems, candidate.title)
            else:
                titled = title_stems.issuperset(stems_)
            as_label = label[index] if other_case and titled else None
            added = (bonused[index] if titled else plain[index]) if as_label is None else as_label
            value += added * factors[index] if factors is not None else added
        if indexes:
            candidate.rarity = max(candidate.rarity, max(map(rarities.__getitem__, indexes)))
        candidate.score = value / total
    # A candidate of the same proceeding makes identifiers the evidence: title words shared
    # with the candidate's title then mostly mark the same template (see Ranking).
    title_share = ranking.title_coverage and not any(c.proceeding for c in candidates)
    doc_stems = doc.stem_set() if title_share else set()  # only the title share reads them
    pooled = None
    if title_share and ranking.pool and len(candidates) >= POOL_MIN:
        pooled = _pool_title_weights([words_.content_stems for words_ in split], ranking.pool)
    for candidate, words_ in zip(candidates, split, strict=True):
        result = candidate.score
        if title_share:
            # How much of the candidate's own title the document explains: a story about
            # another settlement or another guideline has title words the document lacks.
            content_stems = words_.content_stems
            if pooled is not None:  # a title of words most candidates' titles hold explains little
                share = sum(pooled[s] for s in content_stems if s in doc_stems) / (len(content_stems) or 1)
            else:
                share = _title_share(content_stems, doc_stems, title_weights)
            result = (1 - ranking.title_share) * result + ranking.title_share * share
        result += BM25_WEIGHT * (candidate.bm25 / best)
        if ranking.date_decay:
            when = _as_date(candidate.date) or _as_date(candidate.seen)
            if when is not None:
                years = abs((when - center).days) / 365.0
                result *= 1.0 - DATE_DECAY * min(years, 1.5)
        candidate.score = result
    if ranking.fusion:
        fuse(candidates, ranking.fusion_weight)


def _pool_factors(hits: Iterable[list[int]], count: int, pool: float) -> list[float] | None:
    """Each feature's weight factor: 1 - pool x the share of the candidates that match it
    (None when off or too few candidates to tell)."""
    matched = list(hits)
    if not pool or len(matched) < POOL_MIN:
        return None
    df = [0] * count
    for indices in matched:
        for index in set(indices):
            df[index] += 1
    return [1.0 - pool * n / len(matched) for n in df]


def _pool_title_weights(titles: Sequence[Iterable[str]], pool: float) -> dict[str, float]:
    """Each candidate-title stem's weight: 1 - pool x the share of candidate titles holding it."""
    df: dict[str, int] = {}
    for title in titles:
        for stem_ in title:
            df[stem_] = df.get(stem_, 0) + 1
    return {s: max(1e-3, 1.0 - pool * n / len(titles)) for s, n in df.items()}


def fuse(candidates: list[Candidate], weight: float = FUSION_WEIGHT) -> None:
    """Reciprocal rank fusion of three orders: BM25, the feature score, and the weight of
    matched identifiers (only candidates with one). Added to the score as a bonus of at most
    FUSION_WEIGHT, so the score stays comparable with the threshold."""
    orders = [
        sorted(candidates, key=lambda c: (c.bm25, c.id)),
        sorted(candidates, key=lambda c: (-c.score, c.id)),
        sorted((c for c in candidates if c.evidence > 0), key=lambda c: (-c.evidence, c.id)),
    ]
    fused: dict[int, float] = {c.id: 0.0 for c in candidates}
    for order in orders:
        for position, candidate in enumerate(order, start=1):
            fused[candidate.id] += 1.0 / (RRF_K + position)
    top = len(orders) / (RRF_K + 1)
    for candidate in candidates:
        candidate.score += weight * fused[candidate.id] / top


def _names_proceeding(feature: Feature, vocab: Vocabulary, most: int) -> bool:
    """Is a shared identifier one proceeding's: of a proceeding kind and held by at most `most`
    items (the document and the candidate at least)? Counted only for identifiers a candidate
    shares, and not at all when its rarest token is already that rare."""
    if not most or feature.scheme not in PROCEEDING_SCHEMES:
        return False
    if feature.cost <= most or len(feature.stems) == 1:
        return 1 < feature.cost <= most
    return 1 < vocab.holders(feature.query, feature.cost) <= most


def _title_weights(candidates: list[Candidate], vocab: Vocabulary) -> dict[str, float]:
    terms = {stem(w): w for c in candidates for w in words(c.title) if is_content_word(w)}
    return {s: vocab.idf(df) for s, df in vocab.df(terms).items()}


def _title_share(
    title_stems: set[str] | frozenset[str], doc_stems: set[str], weights: Mapping[str, float] | None
) -> float:
    """The share of a title's content stems (idf-weighted, or each alike) in `doc_stems`."""
    if not title_stems:
        return 0.0
    if weights is None:  # each alike: the same quotient as the sums of ones below
        return len(title_stems & doc_stems) / len(title_stems)
    weight = {s: (weights.get(s, 1.0) if weights is not None else 1.0) for s in title_stems}
    return sum(w for s, w in weight.items() if s in doc_stems) / sum(weight.values())


def _as_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
