"""A candidate's words as the cache makes them when it does not hold them yet (round 11): the
stems read straight from the stemmer's cache in order (`cached_stems`, `stem_sequence`),
words never stemmed before stemmed in one batch, and the title's content stems made only
when read (`Ranking.title_coverage`, off by default, is their only reader). Each compared
with what a fresh stemmer gives word by word, on the evaluation set's real candidates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import Vocabulary, features
from watcher.related.matching import CANDIDATE_WORDS, CandidateCache, CandidateWords
from watcher.related.ranking import MATCH_TEXT, retrieve, score
from watcher.related.text import Stemmer, cached_stems, is_content_word, stem_sequence, words
from watcher.related.values import DEFAULT_RANKING, LinkTarget, Ranking

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> dict:
    return load()


def _unseen(count: int) -> list[str]:
    """Words no stemmer of this process has seen (some with suffixes the stemmer cuts)."""
    tag = uuid.uuid4().hex[:8]
    return [f"zq{tag}{i}{suffix}" for i, suffix in enumerate(["ing", "s", "ation", ""] * count) if i < count]


def _reference(title: str, text: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    """Sequence, title stems and title content stems, from a stemmer of its own, word by word."""
    fresh = Stemmer()
    title_words, text_words = words(title), words(text)
    stem_of = {w: fresh.stems([w])[w] for w in title_words + text_words}
    return (
        tuple(stem_of[w] for w in title_words + text_words),
        frozenset(stem_of[w] for w in title_words),
        frozenset(stem_of[w] for w in title_words if is_content_word(w)),
    )


def test_stems_in_order_from_the_cache_or_none(data):
    known = words(data["candidates"][0]["title"])
    stem_sequence(known)  # stemmed (and cached) now
    fresh = Stemmer()
    expected = tuple(fresh.stems([w])[w] for w in known)
    assert cached_stems(known) == expected
    unseen = _unseen(3)
    mixed = [*known[:2], unseen[0], *known[2:], unseen[1], unseen[0], unseen[2]]
    assert cached_stems(mixed) is None  # some never stemmed: the caller stems them
    made = stem_sequence(mixed)
    assert made == tuple(fresh.stems([w])[w] for w in mixed)
    assert cached_stems(mixed) == made  # all cached now
    assert cached_stems([]) == stem_sequence([]) == ()


def test_candidates_not_held_are_made_as_word_by_word(data):
    """A batch of candidates some of whose words were never stemmed (stemmed together in one
    batch) and some whose words all were: each the same as a fresh stemmer makes it."""
    cache = CandidateCache()
    real = [(c["title"], c["text"][:MATCH_TEXT]) for c in data["candidates"][:120]]
    unseen = _unseen(40)
    pairs = []
    for index, (title, text) in enumerate(real):
        if index % 3 == 0:  # an unseen word in the title, another in the text
            title, text = f"{unseen[index % 40]} {title}", f"{text} {unseen[(index + 7) % 40]}"
        pairs.append((title, text))
    pairs += [("", ""), ("only a title", ""), ("", "only text"), ("ΟΔΟΣ", "ΣΟΦΙΑ")]
    made = cache.words_of(pairs)
    for (title, text), kept in zip(pairs, made, strict=True):
        sequence, title_stems, content_stems = _reference(title, text)
        assert kept.sequence == sequence
        assert kept.title_stems == title_stems
        assert kept.content_stems == content_stems
        assert kept == CandidateWords.of(title, text)


def test_title_content_stems_are_made_only_when_read(tmp_path, data):
    """Scoring with the default ranking does not make them; with the candidate-title share
    on, they are read and are the content words' stems."""
    cache = CandidateCache()
    pairs = [(c["title"], c["text"][:MATCH_TEXT]) for c in data["candidates"][:50]]
    held = cache.words_of(pairs)
    assert all(kept._content_stems is None for kept in held)
    for (title, _), kept in zip(pairs, held, strict=True):
        assert kept.content_stems == _reference(title, "")[2]
        assert kept._content_stems is not None  # made once, kept

    store = Store(tmp_path / "db.sqlite")
    try:
        save_entries(store, "related", "related", data["candidates"], NOW)
        store.index_pending()
        update = next(c for c in data["changes"] if c["split"] == "dev")
        target = LinkTarget(update["id"], update["title"], update["text"], update["source"])
        vocab = Vocabulary(store.db)
        feats = features(target, vocab)
        start, end = "1900-01-01", "2100-01-01"
        for coverage, read in (("", False), ("plain", True)):
            CANDIDATE_WORDS.clear()
            found = retrieve(store.db, " OR ".join(f"({f.query})" for f in feats[:6]), target, start, end)
            assert found
            # (a candidate of the same proceeding turns the share off: proceeding_holders 0)
            chosen = (
                DEFAULT_RANKING if not coverage else Ranking(title_coverage=coverage, proceeding_holders=0)
            )
            score(store.db, found, feats, target, date(2025, 1, 1), chosen, vocab)
            rows = store.db.execute(
                f"SELECT id, summary, substr(coalesce(text, ''), 1, {MATCH_TEXT}) FROM items"
                f" WHERE id IN ({','.join(str(c.id) for c in found)})"
            ).fetchall()
            texts = {item_id: f"{summary}\n{text}" for item_id, summary, text in rows}  # as score reads them
            kept = CANDIDATE_WORDS.words_of([(c.title, texts[c.id]) for c in found])
            assert all((k._content_stems is not None) == read for k in kept)
    finally:
        store.close()


def test_title_stems_are_made_when_read_not_held(data):
    """Round 14: an entry keeps its stems in order and its title's word count, no set of its
    title's stems (half of an entry's memory), so the cache holds 2,048 entries in what 1,024
    took; the title's stems made from the sequence are the title's words' stems, repeated
    words and empty titles included."""
    assert CandidateCache().entries == 2048
    cache = CandidateCache()
    pairs = [(c["title"], c["text"][:MATCH_TEXT]) for c in data["candidates"][:80]]
    pairs += [("", "text only"), ("rule rule the rule", ""), ("Rules ruling", "rules")]
    for (title, text), kept in zip(pairs, cache.words_of(pairs), strict=True):
        held = [getattr(kept, slot) for slot in CandidateWords.__slots__ if slot != "_content_stems"]
        assert not any(isinstance(value, (set, frozenset)) for value in held)
        assert kept.title_count == len(words(title))
        assert kept.title_stems == _reference(title, text)[1]
