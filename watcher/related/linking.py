"""Link each new document of a change to the most related items of *other* sources.

How the ranking works (README "Related articles" says the same for users):

1. **Salient features of the document** (its title and text: the followed document, else
   the item's summary; for a page edit, the added diff lines):
   - *identifiers*, normalised: CFR citations (`45 CFR 164`, also from `45 CFR Parts 160
     and 164` and `45 C.F.R. § 164.512`), Federal Register document numbers (`2024-08503`)
     and citations (`89 FR 32976`), EU act numbers (`2016/679`, `(EU) 2024/1689`,
     `95/46/EC`), dockets and RINs (`FDA-2023-D-1234`, `RIN 0945-AA22`), Indian gazette
     and circular numbers (`G.S.R. 846(E)`, `Circular No. 12/2024`);
   - *named acts*, by their aliases (`HIPAA` = "Health Insurance Portability and
     Accountability Act"; `GDPR` = "General Data Protection Regulation" = `2016/679`;
     `DPDP`, `AI Act` = `2024/1689`, `ABDM`, `HITECH`, `Cures Act`, ...);
   - *words*: stop words and web boilerplate dropped, Porter-stemmed exactly like the
     index (`tokenize="porter"`), weighted by tf × idf where idf comes from the index
     itself (items containing the word, counted up to `DF_CAP`) and words of the title
     count `TITLE_TF` times; the top `MAX_WORDS` are kept;
   - *title phrases*: adjacent pairs of salient title words ("security rule",
     "reproductive health"), which separate a topic from the same words used apart.
   Every feature weighs its idf (a phrase or identifier: the idf of its rarest word, so
   `45 CFR 164` in a HIPAA-heavy history counts less than a unique FR document number),
   times `IDENTIFIER_BOOST`, `ACT_BOOST` or `PHRASE_BOOST`.
2. **Candidates**: one FTS5 query, the OR of the most selective features (rarest first,
   until they would read `RETRIEVAL_BUDGET` postings; common words only count in the
   score, which keeps linking fast in a large history), over items of other sources
   (never the document itself nor an item with the same link), dated within the window
   (default 120 days before to 365 days after the document's own date, or the detection
   time when it has none; an item without a date counts from when regwatch first saw it),
   ordered by BM25 with column weights title 4, summary 2, text 1; the best `CANDIDATES`.
3. **Score** of a candidate, from its title, summary and the first `MATCH_TEXT` characters
   of its text: half is the share of the document's feature weight it matches (a feature
   also found in the candidate's title counts `TITLE_BONUS` more), half the share of the
   candidate's own title words that the document uses (a story about *another*
   settlement or *another* guideline has title words the document lacks); plus
   `BM25_WEIGHT` × its BM25 relative to the best candidate (a tie-breaker); times a mild
   date decay (1 at the same date, `1 - DATE_DECAY` a year apart). Scores are in [0, ~1.5].
4. Up to `keep` links per document are stored with their score and matched features
   (`regwatch related CHANGE_ID` lists them); those scoring at least `threshold` and
   in the best `shown` are marked shown: alerts list them under the document.

Measured on the evaluation set in tests/related/ (`python bench/related_eval.py --ablation`
prints what each part adds; the candidate-title share and idf word choice matter most there,
identifiers and acts mostly sharpen which links are shown).
"""

from __future__ import annotations

import itertools
import math
import re
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlite_utils import Database

TITLE_TF = 3
MAX_WORDS = 14
MAX_TEXT = 20_000
CANDIDATES = 40
DF_CAP = 1000
RETRIEVAL_BUDGET = 4000
#: Candidates are matched on their title, summary and this much of their followed text.
MATCH_TEXT = 6000
#: With no selective feature (only common words), candidates come from this many newest
#: items: scoring every match of two common words would grow with the whole history, and
#: a link resting on common words alone is weak evidence anyway.
FALLBACK_RECENT = 20_000
IDENTIFIER_BOOST = 2.0
ACT_BOOST = 1.2
PHRASE_BOOST = 0.6
TITLE_BONUS = 0.5
TITLE_SHARE = 0.5
BM25_WEIGHT = 0.1
DATE_DECAY = 0.15
#: bm25() column weights of items_fts (title, summary, text).
COLUMN_WEIGHTS = (4.0, 2.0, 1.0)


@dataclass(frozen=True)
class Ranking:
    """Settings of the ranker; the defaults are what the evaluation set measures."""

    before_days: int = 120
    after_days: int = 365
    threshold: float = 0.45
    shown: int = 3
    keep: int = 10
    identifiers: bool = True
    acts: bool = True
    phrases: bool = True
    idf_words: bool = True
    title_bonus: bool = True
    title_coverage: str = "plain"  # "plain", "idf" or "" (off)
    date_decay: bool = True
    rerank: bool = True


@dataclass(frozen=True)
class LinkTarget:
    """A document to find related items for."""

    item_key: str  # '' for a page edit
    title: str
    text: str
    source_id: str
    date: date | None = None
    item_id: int | None = None
    link: str = ""


@dataclass(frozen=True)
class Feature:
    """One salient feature of a document: how to find it (FTS5) and what it weighs."""

    label: str  # what users see in `regwatch related`: "45 CFR 164", "hipaa", "security rule"
    kind: str  # identifier | act | phrase | word
    query: str  # an FTS5 expression
    weight: float
    stems: tuple[str, ...] = ()
    cost: int = 0  # postings FTS5 must read to find it (df of its rarest word; capped at DF_CAP)


@dataclass(frozen=True)
class Link:
    """A related item found for a document, with why."""

    item_key: str
    related_item_id: int
    source_id: str
    title: str
    link: str
    date: str | None
    score: float
    terms: tuple[str, ...]
    rank: int = 0
    shown: bool = False

    def row(self) -> dict:
        return {
            "item_key": self.item_key,
            "related_item_id": self.related_item_id,
            "source_id": self.source_id,
            "title": self.title,
            "link": self.link,
            "date": self.date,
            "score": round(self.score, 4),
            "terms": list(self.terms),
            "rank": self.rank,
            "shown": self.shown,
        }


# -- vocabulary ---------------------------------------------------------------------------

_STOP_TEXT = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each either else etc
    ever every few for from further had has have having he her here hers him his how however i
    if in into is it its itself just least less like made make many may me might more most much
    must my new no nor not now of off often on once one only or other our ours out over own per
    rather said same say says see shall she should since so some such than that the their theirs
    them then there these they this those through thus to too two under until up upon us use
    used using very via was we were what when where whether which while who whom whose why will
    with within without would yet you your yours today yesterday week month year years day days
    monday tuesday wednesday thursday friday january february march april june july august
    september october november december jan feb mar apr jun jul aug sep sept oct nov dec news
    press release releases read click page pages website site home share print email subscribe
    contact menu search skip main content link links view download pdf html available announced
    announces announce statement statements update updated updates published publish post posted
    following follows include includes including according first second third last latest issued
    issue issues well mr ms dr inc ltd llc co
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
WORD = re.compile(r"[^\W_]+", re.UNICODE)


class Stemmer:
    """Stems exactly as the index makes them: SQLite's own FTS5 porter tokenizer, run on an
    in-memory table, with a cache (words repeat: after a few linkings nearly all are known)."""

    MAX_CACHE = 500_000

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("CREATE VIRTUAL TABLE words USING fts5(w, tokenize='porter')")
        self._conn.execute("CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'instance')")
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> str | None:
        return self._cache.get(token)

    def stems(self, tokens: Iterable[str]) -> dict[str, str]:
        """token -> stem for lowercase tokens (as `words` splits them)."""
        wanted = set(tokens)
        missing = [t for t in wanted if t not in self._cache]
        if missing:
            with self._lock:
                if len(self._cache) > self.MAX_CACHE:
                    self._cache.clear()
                self._conn.execute("DELETE FROM words")
                self._conn.executemany("INSERT INTO words (rowid, w) VALUES (?, ?)", enumerate(missing))
                found: dict[int, str] = {}
                for term, doc, offset in self._conn.execute("SELECT term, doc, offset FROM stems"):
                    if offset == 0:
                        found[doc] = term
                for index, token in enumerate(missing):
                    self._cache[token] = found.get(index, token)
        return {t: self._cache[t] for t in wanted}


_stemmer = Stemmer()


def stem(word: str) -> str:
    """The index's stem of one lowercase word."""
    cached = _stemmer.cached(word)
    return cached if cached is not None else _stemmer.stems((word,))[word]


def stems(tokens: Iterable[str]) -> dict[str, str]:
    """The index's stems of many lowercase words at once."""
    return _stemmer.stems(tokens)


def words(text: str) -> list[str]:
    """Lowercase tokens as FTS5's unicode61 tokenizer splits them."""
    return WORD.findall(text.lower())


def is_content_word(word: str) -> bool:
    return len(word) > 2 and word not in STOP_WORDS and not word.isdigit() and not word[:1].isdigit()


# -- identifiers and named acts --------------------------------------------------------------

_CFR = re.compile(
    r"\b(\d{1,2})\s*C\.?\s?F\.?\s?R\.?\s*(?:(?:parts?|pts?\.?|§§?|sec(?:tions?|s)?\.?)\s*)?"
    r"(\d{1,4})(?:\.\d+[a-z]?)?((?:\s*(?:,|and|&|or)\s*(?:parts?\s*)?\d{1,4}(?:\.\d+[a-z]?)?)*)",
    re.IGNORECASE,
)
_FR_DOC = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)-(\d{5})(?![\d-])")
_FR_CITE = re.compile(r"\b(\d{2,3})\s+FR\s+(\d{3,6})\b")
_EU_NEW = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)/(\d{1,4})(?![\d/])")
_EU_OLD = re.compile(r"\((?:EC|EU|EEC)\)\s*No\.?\s*(\d{1,4})/((?:19|20)\d\d)\b", re.IGNORECASE)
_EU_DIRECTIVE = re.compile(r"(?<![\d/])(\d{2,4})/(\d{1,4})/(EC|EEC|EU|EURATOM)\b", re.IGNORECASE)
_DOCKET = re.compile(r"\b([A-Z]{2,6}(?:-[A-Z]{2,6})?-(?:19|20)\d\d-(?:[A-Z]{1,4}-)?\d{3,5})\b")
_RIN = re.compile(r"\bRIN\s*:?\s*(\d{4}-[A-Z]{2}\d{2})\b")
_GAZETTE = re.compile(r"\b(G\.?\s?S\.?\s?R|S\.?\s?O)\.?\s*(\d{1,5})\s*\(\s*E\s*\)", re.IGNORECASE)
_CIRCULAR = re.compile(
    r"\b(?:circular|notification|office memorandum|order|advisory)\s+(?:no\.?|number)\s*:?\s*"
    r"([A-Z0-9][\w().-]*(?:/[\w().-]+)+)",
    re.IGNORECASE,
)
_CODE = re.compile(r"\b(HTI-\d|NIS ?2)\b", re.IGNORECASE)

#: canonical name -> its aliases, lowercase, as written (matched as whole words).
ACTS: dict[str, tuple[str, ...]] = {
    "HIPAA": ("hipaa", "health insurance portability and accountability act"),
    "HITECH": ("hitech", "health information technology for economic and clinical health"),
    "GDPR": ("gdpr", "general data protection regulation"),
    "DPA 2018": ("data protection act 2018",),
    "DUAA": ("data (use and access) act", "data use and access act"),
    "DPDP": ("dpdp", "digital personal data protection"),
    "AI Act": ("ai act", "artificial intelligence act"),
    "ABDM": ("abdm", "ayushman bharat digital mission", "ndhm", "national digital health mission"),
    "ABHA": ("abha", "ayushman bharat health account"),
    "Cures Act": ("21st century cures", "cures act"),
    "Information blocking": ("information blocking",),
    "TEFCA": ("tefca", "trusted exchange framework"),
    "CCPA": ("ccpa", "cpra", "california consumer privacy act", "california privacy rights act"),
    "HBNR": ("health breach notification rule",),
    "EHDS": ("ehds", "european health data space"),
    "MDR": ("medical device regulation", "medical devices regulation"),
    "IVDR": ("ivdr", "in vitro diagnostic regulation", "in vitro diagnostic medical devices regulation"),
    "NIS2": ("nis2", "nis 2 directive"),
    "Data Act": ("data act",),
    "DSA": ("digital services act",),
    "ePrivacy": ("eprivacy", "e-privacy"),
    "FD&C Act": ("food, drug, and cosmetic act", "food, drug and cosmetic act", "fd&c act"),
    "GLBA": ("gramm-leach-bliley", "glba"),
    "IT Act": ("information technology act",),
}
_ACT_PATTERNS = {
    name: re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in aliases) + r")(?![\w-])")
    for name, aliases in ACTS.items()
}
#: EU act numbers that name an act.
ACT_NUMBERS = {
    "2016/679": "GDPR",
    "2024/1689": "AI Act",
    "2017/745": "MDR",
    "2017/746": "IVDR",
    "2022/2555": "NIS2",
    "2022/2065": "DSA",
    "2023/2854": "Data Act",
    "2025/327": "EHDS",
    "2002/58/EC": "ePrivacy",
}
#: Words that are an act's whole name ("hipaa"): counted once, as the act, not again as words.
ACT_WORDS = frozenset(a for aliases in ACTS.values() for a in aliases if " " not in a and "-" not in a)


@dataclass(frozen=True)
class Identifier:
    label: str  # normalised, e.g. "45 CFR 164"
    tokens: tuple[str, ...]  # as the index holds them, e.g. ("45", "cfr", "164")
    near: int = 0  # tokens allowed between (CFR: "45 CFR Parts 160 and 164")


def find_identifiers(text: str) -> list[Identifier]:
    """Identifiers in `text`, normalised, in order of first appearance, without duplicates."""
    found: dict[str, Identifier] = {}

    def add(ident: Identifier) -> None:
        found.setdefault(ident.label, ident)

    for match in _CFR.finditer(text):
        title = match.group(1)
        parts = [
            match.group(2),
            *re.findall(r"\d{1,4}(?=(?:\.\d+[a-z]?)?(?:\s|$|[,;)]|\.(?!\d)))", match.group(3) or ""),
        ]
        for part in parts:
            add(Identifier(f"{title} CFR {part}", (title, "cfr", part), near=4))
    for match in _FR_DOC.finditer(text):
        add(Identifier(f"{match.group(1)}-{match.group(2)}", (match.group(1), match.group(2))))
    for match in _FR_CITE.finditer(text):
        add(Identifier(f"{match.group(1)} FR {match.group(2)}", (match.group(1), "fr", match.group(2))))
    for match in _EU_DIRECTIVE.finditer(text):
        label = f"{match.group(1)}/{match.group(2)}/{match.group(3).upper()}"
        add(Identifier(label, (match.group(1), match.group(2), match.group(3).lower())))
    for match in _EU_NEW.finditer(text):
        tail = text[match.end() : match.end() + 1]
        if tail == "/":  # part of a directive number, handled above
            continue
        add(Identifier(f"{match.group(1)}/{match.group(2)}", (match.group(1), match.group(2))))
    for match in _EU_OLD.finditer(text):
        add(Identifier(f"{match.group(1)}/{match.group(2)}", (match.group(1), match.group(2))))
    for match in _DOCKET.finditer(text):
        label = match.group(1).upper()
        add(Identifier(label, tuple(words(label))))
    for match in _RIN.finditer(text):
        label = f"RIN {match.group(1)}"
        add(Identifier(label, tuple(words(match.group(1)))))
    for match in _GAZETTE.finditer(text):
        prefix = "GSR" if match.group(1).upper().startswith("G") else "SO"
        add(Identifier(f"{prefix} {match.group(2)}(E)", (match.group(2), "e"), near=0))
    for match in _CIRCULAR.finditer(text):
        label = match.group(1).rstrip(".").upper()
        tokens = tuple(words(label))
        if any(t.isdigit() for t in tokens) and len(tokens) >= 2:
            add(Identifier(label, tokens))
    for match in _CODE.finditer(text):
        label = match.group(1).upper().replace(" ", "")
        add(Identifier(label, tuple(words(label))))
    return list(found.values())


def find_acts(text: str, identifiers: Iterable[Identifier] = ()) -> list[str]:
    """Named acts mentioned in `text` (by alias or by their EU number), canonical names."""
    lowered = text.lower()
    acts = [name for name, pattern in _ACT_PATTERNS.items() if pattern.search(lowered)]
    for ident in identifiers:
        name = ACT_NUMBERS.get(ident.label)
        if name and name not in acts:
            acts.append(name)
    return acts


def act_query(name: str) -> str:
    """An FTS5 expression for a named act: the OR of its aliases (and EU number) as phrases."""
    phrases = [_phrase(words(alias)) for alias in ACTS.get(name, ()) if words(alias)]
    phrases += [_phrase(words(number)) for number, act in ACT_NUMBERS.items() if act == name]
    if not phrases:
        phrases.append(_phrase(words(name)))
    return " OR ".join(dict.fromkeys(phrases))


def _phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def _near(tokens: Sequence[str], distance: int) -> str:
    if distance <= 0 or len(tokens) < 2:
        return _phrase(tokens)
    return "NEAR(" + " ".join(f'"{t}"' for t in tokens) + f", {distance})"


# -- the document's features -----------------------------------------------------------------


#: Per database connection, while it lives: stems found in DF_CAP items.
_COMMON: weakref.WeakKeyDictionary[Database, set[str]] = weakref.WeakKeyDictionary()


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
        # Items are never deleted (a delisted one gets `removed_at`), so a count that reached
        # DF_CAP stays there: such words are remembered per database for later linking runs.
        self._common = _COMMON.setdefault(db, set())

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

    def idf(self, df: int) -> float:
        """BM25's idf, never below a small floor (a term in every item still says a little)."""
        return max(math.log((self.total - df + 0.5) / (df + 0.5) + 1.0), 0.05)


def features(target: LinkTarget, vocab: Vocabulary, ranking: Ranking = Ranking()) -> list[Feature]:
    """The salient features of a document, heaviest first."""
    title = target.title or ""
    text = (target.text or "")[:MAX_TEXT]
    whole = f"{title}\n{text}"
    result: list[Feature] = []

    identifiers = find_identifiers(whole) if ranking.identifiers else []
    title_idents = {i.label for i in find_identifiers(title)} if ranking.identifiers else set()
    if len(identifiers) > 8:  # a long rule cites many sections: keep the title's and the first ones
        identifiers = [i for i in identifiers if i.label in title_idents] + [
            i for i in identifiers if i.label not in title_idents
        ][: max(8 - len(title_idents), 2)]
    acts = find_acts(whole, identifiers) if ranking.acts else []

    title_words = [w for w in words(title) if is_content_word(w)]
    stems(words(whole))  # one batch: the calls below hit the cache
    counts: Counter[str] = Counter()
    surface: dict[str, str] = {}
    for word in words(text):
        if is_content_word(word):
            counts[stem(word)] += 1
            surface.setdefault(stem(word), word)
    for word in title_words:
        counts[stem(word)] += TITLE_TF
        surface.setdefault(stem(word), word)
    act_tokens = {name: [stem(w) for alias in ACTS.get(name, ()) for w in words(alias)] for name in acts}
    wanted = {s: surface[s] for s, _ in counts.most_common(3 * MAX_WORDS)}
    wanted.update({stem(w): w for w in title_words})
    wanted.update({t: t for i in identifiers for t in i.tokens})
    for alias_words in (words(alias) for name in acts for alias in ACTS.get(name, ())):
        wanted.update({stem(w): w for w in alias_words})
    df = vocab.df(wanted)

    def idf(stem_: str) -> float:
        return vocab.idf(df.get(stem_, 0)) if ranking.idf_words else 1.0

    for ident in identifiers:
        rarest = max((idf(t) for t in ident.tokens), default=1.0)
        boost = IDENTIFIER_BOOST * (1.5 if ident.label in title_idents else 1.0)
        result.append(
            Feature(
                ident.label,
                "identifier",
                _near(ident.tokens, ident.near),
                boost * rarest,
                ident.tokens,
                min((df.get(t, DF_CAP) for t in ident.tokens), default=DF_CAP),
            )
        )
    title_lower = title.lower()
    for name in acts:
        rarest = max((idf(t) for t in act_tokens.get(name, ())), default=1.0)
        in_title = name in _ACT_PATTERNS and bool(_ACT_PATTERNS[name].search(title_lower))
        cost = sum(
            min((df.get(stem(w), DF_CAP) for w in words(alias)), default=DF_CAP)
            for alias in ACTS.get(name, ())
        )
        weight = ACT_BOOST * rarest * (1.5 if in_title else 1.0)
        result.append(Feature(name, "act", act_query(name), weight, (), cost))

    scored = []
    for stem_, tf in counts.items():
        if stem_ not in df:
            continue  # not among the most frequent words: never salient enough to keep
        if ranking.acts and surface[stem_] in ACT_WORDS:
            continue  # counted as the act
        weight = (1.0 + math.log(tf)) * idf(stem_)
        if df.get(stem_, 0) == 0:
            weight *= 0.3  # unknown to the index: cannot retrieve anything, may still match a title
        scored.append((weight, stem_))
    scored.sort(reverse=True)
    title_stems = {stem(w) for w in title_words}
    for weight, stem_ in scored[:MAX_WORDS]:
        word = surface[stem_]
        factor = 1.3 if stem_ in title_stems else 1.0
        result.append(Feature(word, "word", f'"{word}"', weight * factor, (stem_,), df.get(stem_, DF_CAP)))

    if ranking.phrases:
        seen: set[tuple[str, str]] = set()
        raw = words(title)
        for first, second in itertools.pairwise(raw):
            if not (is_content_word(first) and is_content_word(second)):
                continue
            pair = (stem(first), stem(second))
            if pair in seen:
                continue
            seen.add(pair)
            weight = PHRASE_BOOST * (idf(pair[0]) + idf(pair[1])) / 2
            cost = min(df.get(pair[0], DF_CAP), df.get(pair[1], DF_CAP))
            result.append(
                Feature(f"{first} {second}", "phrase", _phrase([first, second]), weight, pair, cost)
            )
    result.sort(key=lambda f: -f.weight)
    return result


# -- candidates and scores -----------------------------------------------------------------


@dataclass
class _Candidate:
    id: int
    source_id: str
    title: str
    link: str
    date: str | None
    seen: str
    bm25: float
    matched: list[Feature] = field(default_factory=list)
    score: float = 0.0


def retrieval_query(feats: Sequence[Feature]) -> tuple[str, bool]:
    """The FTS5 query that finds candidates: the OR of the most selective features, and
    whether any feature was selective.

    Reading a common word's postings costs time in a large history and finds nothing a
    rarer feature would not, so features join in order of selectivity until they would
    read more than RETRIEVAL_BUDGET postings; common features still count in the score.
    When even the most selective one is common, the two most selective must both match
    (and the caller searches only the most recent items: see FALLBACK_RECENT).
    """
    ordered = sorted(feats, key=lambda f: (f.cost, -f.weight))
    chosen: list[Feature] = []
    spent = 0
    for feature in ordered:
        if feature.cost >= DF_CAP or spent + feature.cost > RETRIEVAL_BUDGET:
            break  # a capped count means "common": its real cost is unknown and large
        chosen.append(feature)
        spent += feature.cost
    if chosen:
        return " OR ".join(f"({f.query})" for f in chosen), True
    if len(ordered) > 1:
        return f"({ordered[0].query}) AND ({ordered[1].query})", False
    return ordered[0].query, False


def window(target: LinkTarget, detected: datetime | None, ranking: Ranking) -> tuple[str, str]:
    """The dates candidates must fall within (ISO, inclusive)."""
    center = target.date or (detected.date() if detected else date.today())
    start = center - timedelta(days=ranking.before_days)
    end = center + timedelta(days=ranking.after_days)
    return start.isoformat(), end.isoformat() + "\uffff"


def rank(
    db: Database,
    target: LinkTarget,
    *,
    detected: datetime | None = None,
    ranking: Ranking = Ranking(),
    vocab: Vocabulary | None = None,
) -> list[Link]:
    """The best related items of other sources for one document, best first (at most `keep`)."""
    vocab = vocab or Vocabulary(db)
    feats = features(target, vocab, ranking)
    if not feats:
        return []
    expression, selective = retrieval_query(feats)
    start, end = window(target, detected, ranking)
    since_rowid = 0 if selective else _recent_rowid(db, FALLBACK_RECENT)
    candidates = _retrieve(db, expression, target, start, end, since_rowid)
    if not candidates:
        return []
    if ranking.rerank:
        _score(db, candidates, feats, target, detected, ranking, vocab)
    else:
        best = min(c.bm25 for c in candidates) or -1.0
        for candidate in candidates:
            candidate.score = candidate.bm25 / best
            candidate.matched = []
    candidates.sort(key=lambda c: (-c.score, c.bm25, c.id))
    links = []
    for position, candidate in enumerate(candidates[: ranking.keep], start=1):
        links.append(
            Link(
                item_key=target.item_key,
                related_item_id=candidate.id,
                source_id=candidate.source_id,
                title=candidate.title,
                link=candidate.link,
                date=candidate.date,
                score=candidate.score,
                terms=tuple(f.label for f in candidate.matched),
                rank=position,
                shown=position <= ranking.shown and candidate.score >= ranking.threshold,
            )
        )
    return links


def _recent_rowid(db: Database, recent: int) -> int:
    """The rowid below which items are older than the `recent` newest ones."""
    row = db.execute("SELECT max(rowid) FROM items_fts").fetchone()
    return max(0, (row[0] or 0) - recent)


def _retrieve(
    db: Database, expression: str, target: LinkTarget, start: str, end: str, since_rowid: int = 0
) -> list[_Candidate]:
    """The best CANDIDATES items by BM25 that match `expression`, are of another source, are
    not the document itself nor share its link, and fall in the date window; best first
    (equal BM25: lower id first).

    In two steps, because a join evaluated for every match costs as much as the ranking
    itself when the query matches thousands of items: the best matches are read from the
    index alone, then their rows are fetched and filtered; more are read only when too many
    were filtered out. The result is the same as one filtered `ORDER BY bm25, id` query.
    """
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    ranked_sql = (
        f"SELECT rowid, bm25(items_fts, {weights}) AS bm FROM items_fts WHERE items_fts MATCH ?"
        " AND rowid > ? ORDER BY bm, rowid LIMIT ?"
    )
    exclude_id, exclude_link = target.item_id or -1, target.link or "\x00"
    limit = CANDIDATES * 4
    while True:
        ranked = db.execute(ranked_sql, [expression, since_rowid, limit]).fetchall()
        rows: dict[int, tuple] = {}
        ids = [r[0] for r in ranked]
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" for _ in part)
            for row in db.execute(
                f"SELECT id, source_id, title, link, date, first_seen FROM items WHERE id IN ({marks})", part
            ).fetchall():
                rows[row[0]] = row
        candidates = []
        for item_id, bm in ranked:
            row = rows.get(item_id)
            if row is None:
                continue
            _, source_id, title, link, day, seen = row
            when = day if day is not None else seen
            if source_id == target.source_id or item_id == exclude_id or link == exclude_link:
                continue
            if when is None or not start <= when <= end:
                continue
            candidates.append(_Candidate(item_id, source_id, title, link, day, seen, bm))
            if len(candidates) == CANDIDATES:
                return candidates
        if len(ranked) < limit:
            return candidates
        limit *= 4


def _score(
    db: Database,
    candidates: list[_Candidate],
    feats: list[Feature],
    target: LinkTarget,
    detected: datetime | None,
    ranking: Ranking,
    vocab: Vocabulary,
) -> None:
    """Score candidates by the document features they share (see the module docstring)."""
    marks = ",".join("?" for _ in candidates)
    sql = f"SELECT id, summary, substr(coalesce(text, ''), 1, {MATCH_TEXT}) FROM items WHERE id IN ({marks})"
    texts = {row[0]: f"{row[1]}\n{row[2]}" for row in db.execute(sql, [c.id for c in candidates]).fetchall()}
    stems(w for c in candidates for w in words(f"{c.title}\n{texts.get(c.id, '')}"))  # one batch
    doc_stems = {stem(w) for w in words(f"{target.title}\n{target.text[:MAX_TEXT]}")}
    total = sum(f.weight for f in feats) or 1.0
    best = min(c.bm25 for c in candidates) or -1.0
    center = target.date or (detected.date() if detected else None)
    title_weights = _title_weights(candidates, vocab) if ranking.title_coverage == "idf" else None
    for candidate in candidates:
        shared = _Shared.of(candidate.title, texts.get(candidate.id, ""), feats)
        title_stems = {stem(w) for w in words(candidate.title)}
        value = 0.0
        for feature in feats:
            if not shared.has(feature):
                continue
            candidate.matched.append(feature)
            bonus = (
                TITLE_BONUS
                if ranking.title_bonus and _in_title(feature, title_stems, candidate.title)
                else 0.0
            )
            value += feature.weight * (1.0 + bonus)
        score = value / total
        if ranking.title_coverage:
            # How much of the candidate's own title the document explains: a story about
            # another settlement or another guideline has title words the document lacks.
            share = _title_share(candidate.title, doc_stems, title_weights)
            score = (1 - TITLE_SHARE) * score + TITLE_SHARE * share
        score += BM25_WEIGHT * (candidate.bm25 / best)
        if ranking.date_decay and center is not None:
            when = _as_date(candidate.date) or _as_date(candidate.seen)
            if when is not None:
                years = abs((when - center).days) / 365.0
                score *= 1.0 - DATE_DECAY * min(years, 1.5)
        candidate.score = score


@dataclass(frozen=True)
class _Shared:
    """What a candidate offers for matching: its stems, stem pairs, identifiers and acts."""

    stems: frozenset[str]
    pairs: frozenset[tuple[str, str]]
    identifiers: frozenset[str]
    acts: frozenset[str]

    @classmethod
    def of(cls, title: str, text: str, feats: Sequence[Feature]) -> _Shared:
        """Only what the document's features can match is looked for (identifier and act
        patterns run only when the candidate has the words they need)."""
        whole = f"{title}\n{text}"
        tokens = words(whole)
        known = stems(tokens)
        sequence = [known[t] for t in tokens]
        present = set(sequence)
        identifiers: list[Identifier] = []
        wanted = [f for f in feats if f.kind == "identifier" and set(f.stems) <= present]
        if wanted:
            identifiers = find_identifiers(whole)
        acts: list[str] = []
        if any(f.kind == "act" for f in feats):
            lowered = whole.lower()
            acts = [f.label for f in feats if f.kind == "act" and _has_act(f.label, lowered, identifiers)]
        return cls(
            frozenset(present),
            frozenset(itertools.pairwise(sequence)),
            frozenset(i.label for i in identifiers),
            frozenset(acts),
        )

    def has(self, feature: Feature) -> bool:
        if feature.kind == "identifier":
            return feature.label in self.identifiers
        if feature.kind == "act":
            return feature.label in self.acts
        if feature.kind == "phrase":
            return (feature.stems[0], feature.stems[1]) in self.pairs
        return feature.stems[0] in self.stems


def _has_act(name: str, lowered: str, identifiers: Sequence[Identifier]) -> bool:
    pattern = _ACT_PATTERNS.get(name)
    if pattern is not None and pattern.search(lowered):
        return True
    return any(ACT_NUMBERS.get(i.label) == name for i in identifiers)


def _title_weights(candidates: list[_Candidate], vocab: Vocabulary) -> dict[str, float]:
    terms = {stem(w): w for c in candidates for w in words(c.title) if is_content_word(w)}
    return {s: vocab.idf(df) for s, df in vocab.df(terms).items()}


def _title_share(title: str, doc_stems: set[str], weights: Mapping[str, float] | None) -> float:
    """The share of a title's content words (idf-weighted, or each alike) the document also uses."""
    stems = {stem(w) for w in words(title) if is_content_word(w)}
    if not stems:
        return 0.0
    weight = {s: (weights.get(s, 1.0) if weights is not None else 1.0) for s in stems}
    return sum(w for s, w in weight.items() if s in doc_stems) / sum(weight.values())


def _in_title(feature: Feature, title_stems: set[str], title: str) -> bool:
    if feature.kind == "act":
        pattern = _ACT_PATTERNS.get(feature.label)
        return bool(pattern and pattern.search(title.lower()))
    if feature.kind == "identifier":
        return all(t in title_stems for t in feature.stems)
    return all(s in title_stems for s in feature.stems)


def _as_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


# -- a whole change ------------------------------------------------------------------------


def targets_for_change(db: Database, change_id: int) -> list[LinkTarget]:
    """The documents of a change: each added item (with its followed text) and the page edit."""
    row = db.execute(
        "SELECT source_id, diff, n_added, detected_at FROM changes WHERE id = ?", [change_id]
    ).fetchone()
    if row is None:
        return []
    source_id, diff, _n_added, _detected = row
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
    db: Database, change_id: int, *, ranking: Ranking = Ranking(), detected: datetime | None = None
) -> list[Link]:
    """Rank related items for every document of a change (the caller stores them)."""
    if detected is None:
        row = db.execute("SELECT detected_at FROM changes WHERE id = ?", [change_id]).fetchone()
        detected = datetime.fromisoformat(row[0]) if row and row[0] else None
    vocab = Vocabulary(db)
    links: list[Link] = []
    for target in targets_for_change(db, change_id):
        links.extend(rank(db, target, detected=detected, ranking=ranking, vocab=vocab))
    return links
