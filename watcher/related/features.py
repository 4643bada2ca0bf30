"""The salient features of a document, weighed against the index it is linked in:
identifiers, named acts (from the data file and those the document defines), title
phrases and tf-idf words, each with the FTS5 query that finds it and the reason a match
gives. Document frequencies come from the index itself, counted up to DF_CAP (those that
reach it are estimated beyond it by spread.py).
"""

from __future__ import annotations

import itertools
import math
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # only named: the linking worker runs without sqlite-utils (~20 MB)
    from sqlite_utils import Database

from watcher.related.identifiers import (
    Act,
    act_words,
    defined_acts,
    find_acts,
    find_identifiers,
    known_acts,
    written,
)
from watcher.related.spread import spread
from watcher.related.text import (
    DocumentWords,
    content_words,
    is_content_word,
    near,
    phrase,
    stem,
    stems,
    words,
)
from watcher.related.values import DEFAULT_RANKING, Feature, LinkTarget, Ranking

TITLE_TF = 3
#: A word of the document's title weighs this much more than the same word of its body.
TITLE_FACTOR = 1.3
#: Words kept as features (by tf-idf). Development half, 10/11/12/13/14/16: MRR 0.862/0.885/
#: 0.879/0.874/0.871/0.862, shown precision 0.276/0.265/0.274/0.267/0.258/0.227; fewer than
#: 11 lose recall@3. 12 is the middle of the better plateau, and each word less is one FTS5
#: count and one OR term less.
MAX_WORDS = 12
MAX_TEXT = 20_000
MAX_IDENTIFIERS = 8
DF_CAP = 500
IDENTIFIER_BOOST = 4.0
ACT_BOOST = 1.2
PHRASE_BOOST = 0.6
#: Candidates are matched on their title, summary and this much of their followed text
#: (ranking.score); a slashed identifier's holders are counted in the same.
MATCH_TEXT = 6000
#: A slashed identifier's holders are counted in at most this many of the newest items that
#: hold its tokens: a bounded read.
WRITTEN_SAMPLE = 200

#: The idfs made for the last few index sizes, for every linking run: `idf` is a function of
#: the size and the count alone, and linking runs between two commits (a pass commits every
#: few dozen changes) ask for the same ~60 counts of the same size. A run made one table of
#: its own, each idf again (~60 logarithms a change).
_IDFS: dict[int, dict[int, float]] = {}
IDF_SIZES, IDF_COUNTS = 4, 1024  # at most ~0.4 MB (an entry ~90 bytes)

#: Per database connection, while it lives: stems found in DF_CAP items.
_COMMON: weakref.WeakKeyDictionary[Database, set[str]] = weakref.WeakKeyDictionary()
_K = TypeVar("_K")


class Vocabulary:
    """Document frequencies from the index, counted up to DF_CAP, cached for one linking run.

    (FTS5's fts5vocab table would give exact counts but walks a term's whole doclist; a
    bounded count is as good for salience: words in more than DF_CAP items are all common.)
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        row = db.execute("SELECT max(rowid) FROM items").fetchone()
        self.total = max(int(row[0]) if row and row[0] else 0, 1)
        self._df: dict[str, int] = {}
        self._idf = _IDFS  # index size -> df -> idf, shared: a pure function of the two
        # Items are never deleted (a delisted one gets `removed_at`), so a count that reached
        # DF_CAP stays there: such words are remembered per database for later linking runs.
        common = _COMMON.get(db)  # (get makes no weak reference with a callback; setdefault does)
        self._common = common if common is not None else _COMMON.setdefault(db, set())

    def df(self, terms: Mapping[str, str]) -> dict[str, int]:
        """stem -> number of items containing it (at most DF_CAP), given stem -> a surface word."""
        for stem_, surface in terms.items():
            if stem_ not in self._df:
                if stem_ in self._common:
                    self._df[stem_] = DF_CAP
                    continue
                row = self.db.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)",
                    [f'"{surface}"', DF_CAP],
                ).fetchone()
                self._df[stem_] = int(row[0])
                if self._df[stem_] >= DF_CAP:
                    self._common.add(stem_)
        return {s: self._df[s] for s in terms}

    def holders(self, query: str, cost: int) -> int:
        """How many items match an identifier's FTS5 expression (at most DF_CAP), given its
        rarest token's count `cost` (an upper bound: when that is already capped, so is this,
        and the count is not made: it would read that token's long postings)."""
        if cost <= 1 or cost >= DF_CAP:
            return cost
        key = "\x00" + query  # no stem starts with NUL
        if key not in self._df:
            row = self.db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)",
                [query, DF_CAP],
            ).fetchone()
            self._df[key] = int(row[0])
        return self._df[key]

    def written_holders(self, query: str, pattern: re.Pattern[str], cost: int) -> int:
        """How many items write a slashed identifier as one (`identifiers.written`), given the
        FTS5 expression of its tokens and its rarest token's count `cost`. The index drops the
        slash, so its tokens in order also match dates ("28/2024" and "December 28, 2024"):
        the newest WRITTEN_SAMPLE items holding the tokens are read and the pattern counted in
        them (their title, summary and the start of their text, as ranking reads candidates);
        past the sample, the share found there stands for all (up to DF_CAP) that hold them."""
        if cost <= 1:
            return cost
        key = "\x01" + query  # no stem starts with a control character
        if key not in self._df:
            rows = self.db.execute(
                "SELECT title, summary, substr(coalesce(text, ''), 1, ?) FROM items WHERE rowid IN"
                " (SELECT rowid FROM items_fts WHERE items_fts MATCH ? ORDER BY rowid DESC LIMIT ?)",
                [MATCH_TEXT, query, WRITTEN_SAMPLE],
            ).fetchall()
            found = sum(1 for row in rows if any(part and pattern.search(part) for part in row))
            if len(rows) >= WRITTEN_SAMPLE and found:
                row = self.db.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM items_fts WHERE items_fts MATCH ? LIMIT ?)",
                    [query, DF_CAP],
                ).fetchone()
                found = min(DF_CAP, max(found, round(found * int(row[0]) / len(rows))))
            self._df[key] = found
        return self._df[key]

    def idf(self, df: int, *, at_least: int = 0) -> float:
        """BM25's idf, never below a small floor (a term in every item still says a little);
        `at_least`: count the index as at least this many items."""
        return self.idfs((df,), at_least=at_least)[0]

    def idfs(self, dfs: Iterable[int], *, at_least: int = 0) -> list[float]:
        """`idf` of each count, in order, in one call (a linking run asks for ~60, most of
        them more than once: each made once per index size)."""
        total = max(self.total, at_least)
        known = self._idf.get(total)
        if known is None or len(known) > IDF_COUNTS:  # bounded: sizes and counts made anew
            if len(self._idf) >= IDF_SIZES:
                self._idf.clear()
            known = self._idf[total] = {}
        found = []
        for df in dfs:
            value = known.get(df)
            if value is None:
                value = known[df] = max(math.log((total - df + 0.5) / (df + 0.5) + 1.0), 0.05)
            found.append(value)
        return found


def features(
    target: LinkTarget,
    vocab: Vocabulary,
    ranking: Ranking = DEFAULT_RANKING,
    *,
    doc: DocumentWords | None = None,
) -> list[Feature]:
    """The salient features of a document, heaviest first. `doc`: its words (of its title
    and its text cut at MAX_TEXT), when the caller has them already."""
    title = target.title or ""
    text = (target.text or "")[:MAX_TEXT]
    doc = doc or DocumentWords.of(title, text)
    whole = f"{title}\n{text}"
    identifiers = find_identifiers(whole) if ranking.identifiers else []
    title_idents = {i.label for i in find_identifiers(title)} if ranking.identifiers else set()
    if len(identifiers) > MAX_IDENTIFIERS:  # a long rule cites many: keep the title's and the first
        identifiers = [i for i in identifiers if i.label in title_idents] + [
            i for i in identifiers if i.label not in title_idents
        ][: max(MAX_IDENTIFIERS - len(title_idents), 2)]
    acts: list[Act] = []
    if ranking.acts:
        catalog = known_acts()
        acts = [catalog[name] for name in find_acts(whole, identifiers)]
        named = {a.name.lower() for a in acts} | {alias for a in acts for alias in a.aliases}
        acts += [a for a in defined_acts(whole) if not set(a.aliases) & named]

    title_words = content_words(doc.title)
    text_words = doc.text
    known = doc.stems  # the stems of every word of `whole`, made in one batch
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    # Each distinct word once, in order of first appearance (a Counter keeps it), so stems
    # are counted, and their first surface word kept, as word by word.
    content: set[str] = set()
    tfs = Counter(text_words)
    for word in content_words(tfs):
        tf = tfs[word]
        content.add(word)
        stem_ = known[word]
        counts[stem_] += tf
        surface.setdefault(stem_, word)
    for word in title_words:
        counts[known[word]] += TITLE_TF
        surface.setdefault(known[word], word)
    wanted = {s: surface[s] for s, _ in _most_common(counts, 3 * MAX_WORDS)}
    wanted.update({known[w]: w for w in title_words})
    wanted.update({t: t for i in identifiers for t in i.tokens})
    for act in acts:
        wanted.update({stem(w): w for alias in act.aliases for w in words(alias)})
    df = vocab.df(wanted)
    if ranking.spread:
        df = spread(vocab.db, df, wanted, DF_CAP, vocab.total)

    # Each counted stem's idf once (words and phrases ask for the same stems again and again);
    # a stem not counted weighs as unknown to the index (df 0).
    idfs: dict[str, float] = {}
    unknown = 1.0
    if ranking.idf_words:
        unknown, *counted = vocab.idfs([0, *df.values()])
        idfs = dict(zip(df, counted, strict=True))

    def idf(stem_: str) -> float:
        return idfs.get(stem_, unknown)

    result: list[Feature] = []
    for ident in identifiers:
        query = near(ident.tokens, ident.near)
        # Its rarest token's count (the identifier's own count, one more FTS5 query each, did
        # not change a single development-half ranking: not worth its milliseconds).
        cost = min((df.get(t, DF_CAP) for t in ident.tokens), default=DF_CAP)
        # A slashed one is counted as written (its tokens alone also match dates).
        pattern = written(ident.label) if ranking.written_identifiers else None
        holders = max(vocab.written_holders(query, pattern, cost), 1) if pattern is not None else 0
        rarest = vocab.idf(holders or cost) if ranking.idf_words else 1.0
        boost = IDENTIFIER_BOOST * (1.5 if ident.label in title_idents else 1.0)
        result.append(
            Feature(
                ident.label,
                "identifier",
                query,
                boost * rarest,
                ident.tokens,
                cost,
                ident.reason,
                near=ident.near,
                df=holders,
                scheme=ident.kind,
            )
        )
    title_lower = title.lower()
    for act in acts:
        alias_stems = [stem(w) for alias in act.aliases for w in words(alias)]
        rarest = max((idf(s) for s in alias_stems), default=1.0)
        cost = sum(min((df.get(stem(w), DF_CAP) for w in words(a)), default=DF_CAP) for a in act.aliases)
        weight = ACT_BOOST * rarest * (1.5 if act.pattern.search(title_lower) else 1.0)
        reason = f"both on {act.name}"
        result.append(Feature(act.name, "act", act.query(), weight, (), cost, reason, act.aliases))

    skip = act_words(acts) if ranking.acts else frozenset()
    scored = []
    for stem_, tf in counts.items():
        if stem_ not in df or surface[stem_] in skip:
            continue  # not among the most frequent words, or counted as the act
        weight = (1.0 + math.log(tf)) * idfs.get(stem_, unknown)
        if df.get(stem_, 0) == 0:
            weight *= 0.3  # unknown to the index: cannot retrieve anything, may still match a title
        scored.append((weight, stem_))
    scored.sort(reverse=True)
    title_stems = {known[w] for w in title_words}
    for weight, stem_ in scored[:MAX_WORDS]:
        word = surface[stem_]
        factor = TITLE_FACTOR if stem_ in title_stems else 1.0
        result.append(
            Feature(word, "word", f'"{word}"', weight * factor, (stem_,), df.get(stem_, DF_CAP), word)
        )

    if ranking.phrases:
        seen: set[tuple[str, str]] = set()
        pairs: list[tuple[str, str]] = []  # the title's phrases, then the body's key phrases
        for first, second in itertools.pairwise(doc.title):
            if (
                is_content_word(first)
                and is_content_word(second)
                and (known[first], known[second]) not in seen
            ):
                seen.add((known[first], known[second]))
                pairs.append((first, second))
        pairs += _key_phrases(text_words, seen, df, ranking.body_phrases, known, content)
        for first, second in pairs:
            pair = (known[first], known[second])
            weight = PHRASE_BOOST * (idf(pair[0]) + idf(pair[1])) / 2
            cost = min(df.get(pair[0], DF_CAP), df.get(pair[1], DF_CAP))
            label = f"{first} {second}"
            result.append(Feature(label, "phrase", phrase([first, second]), weight, pair, cost, label))
    result.sort(key=lambda f: -f.weight)
    return result


def _key_phrases(
    text_words: Sequence[str],
    seen: set[tuple[str, str]],
    df: Mapping[str, int],
    limit: int,
    known: Mapping[str, str] | None = None,
    content: set[str] | None = None,
) -> list[tuple[str, str]]:
    """The document's own key phrases beyond its title: its most frequent pairs of adjacent
    content words whose both words were counted (first occurrence first among equals).
    `known`: the words' stems, `content`: its content words, when the caller has them."""
    if limit <= 0:
        return []
    known = stems(text_words) if known is None else known
    if content is None:
        content = {w for w in set(text_words) if is_content_word(w)}  # each distinct word asked once
    counts: Counter[tuple[str, str]] = Counter()
    surface: dict[tuple[str, str], tuple[str, str]] = {}
    for first, second in itertools.pairwise(text_words):
        if first in content and second in content:
            pair = (known[first], known[second])
            if pair not in seen and pair[0] in df and pair[1] in df:
                counts[pair] += 1
                surface.setdefault(pair, (first, second))
    return [surface[pair] for pair, _ in _most_common(counts, limit)]


def _most_common(counts: Mapping[_K, int], n: int) -> list[tuple[_K, int]]:
    """`Counter.most_common(n)`: the `n` largest counts, first counted first among equals, by
    one stable sort (what `heapq.nlargest`, which it calls, is documented to equal; its heap
    is slower on a document's few dozen counts)."""
    return sorted(counts.items(), key=_COUNT, reverse=True)[:n]


_COUNT = itemgetter(1)
