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
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import MAX_TEXT, Vocabulary, features
from watcher.related.matching import Matcher, Shared, in_title
from watcher.related.text import DocumentWords, stem, stems, words
from watcher.related.values import LinkTarget

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
