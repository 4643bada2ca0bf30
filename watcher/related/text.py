"""Text normalisation for linking: tokens as FTS5 splits them, stop words, and stems made
by SQLite's own porter tokenizer (so the ranker's stems are the index's), plus FTS5
phrase syntax. No database is opened until the first stem is asked for.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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
#: WORD on ASCII text: there a word character other than "_" is a letter or a digit (and
#: after lower() no capital is left), and a plain range is matched without a Unicode
#: category look-up per character (~40% less time per text).
ASCII_WORD = re.compile(r"[a-z0-9]+")
#: ASCII_WORD's runs, found faster: every byte but a-z and 0-9 made a space, then split on
#: spaces (bytes.translate is a table look-up per byte; ~2.4x faster than findall on the
#: bench's titles and summaries, the same words).
_ASCII_SPACES = bytes(b if 97 <= b <= 122 or 48 <= b <= 57 else 32 for b in range(256))


class Stemmer:
    """Stems exactly as the index makes them: SQLite's FTS5 porter tokenizer, run on an
    in-memory table opened on first use, with a cache (after a few linkings nearly all
    words are known)."""

    MAX_CACHE = 500_000

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            conn.execute("CREATE VIRTUAL TABLE words USING fts5(w, tokenize='porter')")
            conn.execute("CREATE VIRTUAL TABLE stems USING fts5vocab(words, 'instance')")
            self._conn = conn
        return self._conn

    def cached(self, token: str) -> str | None:
        return self._cache.get(token)

    def stems(self, tokens: Iterable[str]) -> dict[str, str]:
        """token -> stem for lowercase tokens (as `words` splits them)."""
        wanted = set(tokens)
        cache = self._cache
        if not wanted.difference(cache):  # set minus dict keys, at C speed: the usual case
            try:
                return dict(zip(wanted, map(cache.__getitem__, wanted), strict=True))
            except KeyError:  # another thread emptied the cache meanwhile
                pass
        with self._lock:
            missing = list(wanted.difference(cache))
            if len(cache) + len(missing) > self.MAX_CACHE:
                # Emptied before this batch, not in the middle of it: every word wanted is
                # stemmed again, none is lost between stemming and reading.
                cache.clear()
                missing = list(wanted)
            if missing:
                conn = self._connection()
                conn.execute("DELETE FROM words")
                conn.executemany("INSERT INTO words (rowid, w) VALUES (?, ?)", enumerate(missing))
                found: dict[int, str] = {}
                for term, doc, offset in conn.execute("SELECT term, doc, offset FROM stems"):
                    if offset == 0:
                        found[doc] = term
                for index, token in enumerate(missing):
                    cache[token] = found.get(index, token)
            return dict(zip(wanted, map(cache.__getitem__, wanted), strict=True))

    def sequence(self, tokens: Sequence[str]) -> tuple[str, ...] | None:
        """The stems of `tokens` in order when every one is cached, else None (then `stems`).
        No set or dict of the tokens is built: the usual case once a few linkings ran."""
        try:
            return tuple(map(self._cache.__getitem__, tokens))
        except KeyError:  # a word not stemmed yet (or another thread emptied the cache)
            return None


_stemmer = Stemmer()


def stem(word: str) -> str:
    """The index's stem of one lowercase word."""
    cached = _stemmer.cached(word)
    return cached if cached is not None else _stemmer.stems((word,))[word]


def stems(tokens: Iterable[str]) -> dict[str, str]:
    """The index's stems of many lowercase words at once."""
    return _stemmer.stems(tokens)


def cached_stems(tokens: Sequence[str]) -> tuple[str, ...] | None:
    """The index's stems of `tokens` in order when all are known already, else None."""
    return _stemmer.sequence(tokens)


def stem_sequence(tokens: Sequence[str]) -> tuple[str, ...]:
    """The index's stems of `tokens`, in order (`stems` read token by token)."""
    found = _stemmer.sequence(tokens)
    if found is None:
        known = _stemmer.stems(tokens)
        found = tuple(map(known.__getitem__, tokens))
    return found


def words(text: str) -> list[str]:
    """Lowercase tokens as FTS5's unicode61 tokenizer splits them."""
    lowered = text.lower()
    if lowered.isascii():  # ASCII_WORD.findall(lowered), faster
        return lowered.encode("ascii").translate(_ASCII_SPACES).decode("ascii").split()
    return WORD.findall(lowered)


@dataclass(frozen=True)
class DocumentWords:
    """A document's words, split and stemmed once for every step that reads them (its
    features, the score of its candidates)."""

    title: tuple[str, ...]  # every word of the title, as `words` splits it
    text: tuple[str, ...]  # every word of the text (cut by the caller)
    stems: Mapping[str, str]  # word -> stem, for every word of both

    @classmethod
    def of(cls, title: str, text: str) -> DocumentWords:
        title_words, text_words = words(title), words(text)
        return cls(tuple(title_words), tuple(text_words), stems([*title_words, *text_words]))

    def title_stems(self) -> frozenset[str]:
        """The stems of its title's words."""
        return frozenset(self.stems[w] for w in self.title)

    def stem_set(self) -> set[str]:
        """The stems of all its words (as `words("title\\ntext")` would give them)."""
        return set(self.stems.values())


def is_content_word(word: str) -> bool:
    # (A word of digits only starts with a digit: `word[:1].isdigit()` covers `word.isdigit()`.)
    return len(word) > 2 and word not in STOP_WORDS and not word[:1].isdigit()


def content_words(tokens: Iterable[str]) -> list[str]:
    """The content words among `tokens`, in order: `is_content_word` without a call per word
    (a candidate's title, split once per candidate; a document's words)."""
    return [w for w in tokens if len(w) > 2 and w not in STOP_WORDS and not w[:1].isdigit()]


def phrase(tokens: Sequence[str]) -> str:
    """An FTS5 phrase of tokens (tokens come from `words`, so they need no escaping)."""
    return '"' + " ".join(tokens) + '"'


def near(tokens: Sequence[str], distance: int) -> str:
    """Tokens within `distance` of each other (a phrase when 0 or one token)."""
    if distance <= 0 or len(tokens) < 2:
        return phrase(tokens)
    return "NEAR(" + " ".join(f'"{t}"' for t in tokens) + f", {distance})"
