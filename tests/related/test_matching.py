"""The shortcuts of scoring give what the plain way gives: a document's words split and
stemmed once (`DocumentWords`) are those of its title and text split together, and a
`Matcher` finds exactly the features `Shared.has` finds, one by one (also without building
a `Shared`: `Matcher.found`). Real updates of the evaluation set's development half and its
real candidate articles."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from bench.related_eval import load
from tests.support.evalitems import save_entries, save_items
from watcher.db.store import Store
from watcher.model import Item
from watcher.related.features import MAX_TEXT, Vocabulary, features
from watcher.related.matching import (
    CANDIDATE_WORDS,
    CandidateCache,
    CandidateWords,
    Matcher,
    Shared,
    in_title,
)
from watcher.related.ranking import MATCH_TEXT, retrieve, score
from watcher.related.text import (
    ASCII_WORD,
    STOP_WORDS,
    WORD,
    DocumentWords,
    content_words,
    is_content_word,
    stem,
    stems,
    words,
)
from watcher.related.values import DEFAULT_RANKING, LinkTarget

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EDGES = [
    ("ΟΔΟΣ", "ΣΟΦΙΑ"),  # a final sigma at the end of the title, a sigma starting the text
    ("İstanbul_office", "snake_case and 45 CFR 164.308"),
    ("", "only text"),
    ("only a title", ""),
    ("trailing-hyphen-", "-leading"),
]


@pytest.fixture(scope="module")
def data() -> dict:
    return load()


@pytest.fixture(scope="module")
def updates(data) -> list[dict]:
    return [c for c in data["changes"] if c["split"] == "dev"][:60]


def test_title_and_text_split_apart_as_together(updates):
    for title, text in [(u["title"], u["text"]) for u in updates] + EDGES:
        doc = DocumentWords.of(title, text)
        assert list(doc.title) + list(doc.text) == words(f"{title}\n{text}")
        assert doc.stem_set() == {stem(w) for w in words(f"{title}\n{text}")}


def test_features_from_words_split_once_are_the_same(tmp_path, data, updates):
    store = Store(tmp_path / "db.sqlite")
    try:
        save_entries(store, "related", "related", data["candidates"], NOW)
        store.index_pending()
        for update in updates:
            target = LinkTarget(update["id"], update["title"], update["text"], update["source"])
            doc = DocumentWords.of(target.title, target.text[:MAX_TEXT])
            assert features(target, Vocabulary(store.db), doc=doc) == features(target, Vocabulary(store.db))
    finally:
        store.close()


def test_a_matcher_finds_what_shared_has_finds(tmp_path, data, updates):
    store = Store(tmp_path / "db.sqlite")
    kinds: Counter[str] = Counter()
    try:
        save_entries(store, "related", "related", data["candidates"], NOW)
        store.index_pending()
        candidates = data["candidates"][:300]
        tokens = [words(f"{c['title']}\n{c['text']}") for c in candidates]
        known = stems(set().union(*tokens))
        for update in updates:
            target = LinkTarget(
                update["id"], update["title"], update["text"], update["source"], date(2025, 1, 1)
            )
            feats = features(target, Vocabulary(store.db))
            matcher = Matcher(feats)
            for candidate, found in zip(candidates, tokens, strict=True):
                shared = matcher.shared(candidate["title"], candidate["text"], found, known)
                assert shared == Shared.of(candidate["title"], candidate["text"], feats)
                expected = [i for i, f in enumerate(feats) if shared.has(f)]
                assert matcher.matching(shared) == expected
                # The shortcut ranking.score takes: no Shared built, the same features.
                assert matcher.found(candidate["title"], candidate["text"], found, known) == expected
                kinds.update(feats[i].kind for i in expected)
                title_stems = {stem(w) for w in words(candidate["title"])}
                for feature in feats:
                    if feature.kind != "act":  # an act: a pattern over the title, unchanged
                        plain = all(s in title_stems for s in feature.stems)
                        assert in_title(feature, title_stems, candidate["title"]) == plain
    finally:
        store.close()
    assert all(kinds[kind] for kind in ("identifier", "act", "phrase", "word")), kinds


def test_candidate_words_kept_are_those_made_afresh(data):
    cache = CandidateCache()
    pairs = [(c["title"], c["text"][:MATCH_TEXT]) for c in data["candidates"][:200]]
    first = cache.words_of(pairs)
    again = cache.words_of(pairs)  # all held now
    assert all(a is b for a, b in zip(first, again, strict=True))
    for (title, text), kept in zip(pairs, again, strict=True):
        assert kept == CandidateWords.of(title, text)
        assert list(kept.sequence) == [stem(w) for w in words(f"{title}\n{text}")]
        assert kept.title_stems == {stem(w) for w in words(title)}
        assert kept.content_stems == {stem(w) for w in words(title) if is_content_word(w)}


def test_content_words_are_those_the_full_test_keeps(updates):
    """`content_words` (and `is_content_word`) keep what the test with `word.isdigit()` kept:
    a word of digits only starts with a digit, so that check adds nothing."""

    def kept(word: str) -> bool:
        return len(word) > 2 and word not in STOP_WORDS and not word.isdigit() and not word[:1].isdigit()

    edges = ["²³⁴", "١٢٣٤", "2024", "12ab", "ab12", "cfr", "the", "ab", "ΣΟΦΙΑ".lower(), "x²y"]
    for tokens in [words(f"{u['title']}\n{u['text']}") for u in updates] + [edges]:
        assert content_words(tokens) == [w for w in tokens if kept(w)]
        assert [is_content_word(w) for w in tokens] == [kept(w) for w in tokens]


def test_the_candidate_cache_is_bounded_oldest_out_first():
    cache = CandidateCache(entries=3, stems_held=10)
    cache.words_of([(f"title {i}", "") for i in range(5)])
    assert len(cache) == 3
    held = cache.words_of([("title 2", ""), ("title 3", ""), ("title 4", "")])
    assert len(cache) == 3 and all(h is not None for h in held)
    cache.words_of([("a title of twelve words: one two three four five six seven eight nine", "")])
    assert len(cache) == 3  # longer than everything it may hold: not kept
    cache.words_of([("six words in this title here", ""), ("five words in this title", "")])
    assert len(cache) == 1  # 6 + 5 stems > 10: the older one went


def test_an_item_whose_text_changed_is_matched_on_its_new_text(tmp_path):
    """Linking keeps each candidate's words for later documents; an item whose text changed
    between two linkings is split again, never matched on what it said before."""
    store = Store(tmp_path / "db.sqlite")
    try:
        items = [
            Item("a", "Privacy notice", "https://a.example/1", "2025-01-02", "about breach notification"),
            Item("b", "Privacy notice two", "https://a.example/2", "2025-01-03", "about consent"),
        ]
        save_items(store, "other", items, NOW, role="watch", kind="listing")
        store.index_pending()
        target = LinkTarget("doc", "Privacy notice", "ransomware recovery plans", "us-hhs", date(2025, 1, 5))
        start, end = "2024-09-01", "2026-01-01\uffff"
        before = _scored(store, target, start, end)
        assert "ransomware" not in before["b"]
        item_id = store.db.execute("SELECT id FROM items WHERE key = 'b'").fetchone()[0]
        store.set_item_text(item_id, "ransomware recovery plans for hospitals", NOW)
        store.index_pending()
        after = _scored(store, target, start, end)
        assert "ransomware" in after["b"] and "recovery plans" in after["b"]
        CANDIDATE_WORDS.clear()
        assert _scored(store, target, start, end) == after  # as if never seen before
    finally:
        store.close()


def _scored(store: Store, target: LinkTarget, start: str, end: str) -> dict[str, list[str]]:
    """Each candidate's key -> the labels of the features it matched (score, as rank runs it)."""
    vocab = Vocabulary(store.db)
    feats = features(target, vocab)
    found = retrieve(store.db, " OR ".join(f"({f.query})" for f in feats), target, start, end)
    score(store.db, found, feats, target, target.date, DEFAULT_RANKING, vocab)
    keys = dict(store.db.execute("SELECT id, key FROM items").fetchall())
    return {keys[c.id]: [f.label for f in c.matched] for c in found}


def test_ascii_text_splits_into_the_runs_of_letters_and_digits(updates):
    """`words` on ASCII text (split by a byte table, not a pattern) gives the pattern's words:
    every ASCII character once, real update text, and the non-ASCII path unchanged."""
    every = "".join(map(chr, range(128)))
    texts = [every, every[::-1] * 3, "a_b c-d\x00e\x7ff\t\n9 __ x1y2", ""] + [
        f"{u['title']}\n{u['text']}" for u in updates
    ]
    ascii_texts = [t for t in texts if t.lower().isascii()]
    assert len(ascii_texts) > 20
    for text in ascii_texts:
        assert words(text) == ASCII_WORD.findall(text.lower()) == WORD.findall(text.lower())
    for text in ("İstanbul_office ΟΔΟΣ", "café-crème 12€"):
        assert words(text) == WORD.findall(text.lower())
