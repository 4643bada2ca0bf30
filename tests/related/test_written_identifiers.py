"""A slashed identifier ("Opinion 28/2024", "Guidelines 1/2024") is the same words as a date
("December 28, 2024") once the index drops the slash. A candidate shares it only where it is
written as one (`identifiers.written`), and it weighs by how many items write it
(`Vocabulary.written_holders`), not by its rarest token: before, an EDPB opinion's own
number counted as held by every item dated the 28th of 2024 and none of the four articles
written about it was shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

import watcher.related.features as features_module
from tests.support.evalitems import save_items
from watcher.db.store import Store
from watcher.model import Item
from watcher.related.features import Vocabulary, features
from watcher.related.identifiers import find_identifiers, written
from watcher.related.matching import Matcher, Shared
from watcher.related.text import near, words
from watcher.related.values import DEFAULT_RANKING, LinkTarget

NOW = datetime(2025, 1, 10, tzinfo=UTC)
OPINION = LinkTarget(
    "edpb-opinion",
    "Opinion 28/2024 on certain data protection aspects related to the processing of personal data in the context of AI models",
    "The European Data Protection Board adopted Opinion 28/2024 on 17 December 2024 at the request of the Irish authority.",
    "eu-edpb",
)


def test_written_is_the_label_as_written_not_inside_a_longer_code():
    pattern = written("28/2024")
    assert pattern is not None
    assert pattern.search("EDPB Opinion 28/2024 on AI models")
    assert pattern.search("opinion 28 / 2024")  # a space either side
    for text in ("December 28, 2024", "128/2024", "28/20245", "3/28/2024", "28-2024"):
        assert not pattern.search(text), text
    assert written("PS/00474/2020").search("procedimiento ps/00474/2020.")  # case kept apart
    assert written("45 CFR 164") is None


def _feature_of(label: str):
    (feature,) = [f for f in features(OPINION, _EmptyVocabulary()) if f.label == label]
    return feature


class _EmptyVocabulary(Vocabulary):
    """No index: every count 0 (what the matcher does does not depend on counts)."""

    def __init__(self) -> None:
        self.total, self._df, self._idf, self._common, self.db = 1, {}, {}, set(), None

    def df(self, terms):
        return {s: 0 for s in terms}

    def written_holders(self, query, pattern, cost):
        return 0


def test_a_date_is_not_the_identifier_its_words_spell():
    number = _feature_of("28/2024")
    matcher = Matcher([number])
    dated = ("AI models and the GDPR", "Published December 28, 2024 by the board.")
    cited = ("EDPB on AI models", "The board's Opinion 28/2024 answers four questions.")
    assert matcher.found_in(words("\n".join(dated)), *dated) == []
    assert matcher.found_in(words("\n".join(cited)), *cited) == [0]
    assert not Shared.of(*dated, [number]).has(number) and Shared.of(*cited, [number]).has(number)


def _store_with(tmp_path, cites: list[bool]) -> Store:
    """Items in order, each citing the opinion or dated the 28th of December 2024."""
    store = Store(tmp_path / "db.sqlite")
    items = [
        Item(
            f"c{n}",
            f"Article {n}",
            f"https://ex.org/c{n}",
            "2025-01-03",
            summary="On EDPB Opinion 28/2024 and AI models.",
        )
        if cite
        else Item(
            f"d{n}",
            f"Notice {n}",
            f"https://ex.org/d{n}",
            "2025-01-02",
            summary=f"Signed on December 28, 2024. Item {n}.",
        )
        for n, cite in enumerate(cites)
    ]
    save_items(store, "news", items, NOW)
    store.index_pending()
    return store


def test_holders_are_the_items_that_write_it(tmp_path):
    store = _store_with(tmp_path, [False] * 60 + [True] * 4)
    try:
        vocab = Vocabulary(store.db)
        query = near(("28", "2024"), 0)
        assert vocab.written_holders(query, written("28/2024"), cost=64) == 4
        by_tokens = vocab.holders(query, 64)
        assert by_tokens == 64  # what the rarest token, or the phrase, said before
        number = next(f for f in features(OPINION, vocab) if f.label == "28/2024")
        unwritten = next(
            f
            for f in features(
                OPINION, Vocabulary(store.db), replace(DEFAULT_RANKING, written_identifiers=False)
            )
            if f.label == "28/2024"
        )
        assert number.df == 4 and unwritten.df == 0
        assert number.weight > unwritten.weight  # rare as written: it weighs as rare
    finally:
        store.close()


def test_past_the_sample_the_share_written_stands_for_all(tmp_path, monkeypatch):
    monkeypatch.setattr(features_module, "WRITTEN_SAMPLE", 20)
    store = _store_with(tmp_path, [n % 4 == 0 for n in range(120)])  # a quarter write it
    try:
        vocab = Vocabulary(store.db)
        # The 20 newest holding the words are read: 5 write it; 120 hold the words.
        assert vocab.written_holders(near(("28", "2024"), 0), written("28/2024"), cost=120) == 30
    finally:
        store.close()


@pytest.mark.parametrize("label", ["28/2024", "PS/00474/2020", "2016/679"])
def test_the_opinions_number_is_found_as_a_slashed_identifier(label):
    text = f"{OPINION.title} {label}"
    assert label in {i.label for i in find_identifiers(text)}
