"""Round 15's shortcuts in linking give exactly what the rules they shorten give, on the
evaluation set's real development updates and their real candidate articles: the idfs of a
linking run made in one call (`Vocabulary.idfs`), `Counter.most_common` by one stable sort
(`features._most_common`), the retrieval query's features sorted once (`retrieval_query`
against main 518994c's, kept whole in tests/support), a `Matcher` that maps one index per
key (and still finds every feature when two look for the same key), and `score` with its
candidates' texts carried by a newest-first `retrieve` (against 518994c's `score`)."""

from __future__ import annotations

import copy
import itertools
import math
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import ranking_518994c as ranking_before

from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import DF_CAP, Vocabulary, _most_common, features
from watcher.related.linking import reason
from watcher.related.matching import Matcher
from watcher.related.ranking import RARITY_MIN_ITEMS, retrieval_query, retrieve, score, selective
from watcher.related.text import stems, words
from watcher.related.values import DEFAULT_RANKING, Feature, LinkTarget

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def data() -> dict:
    return load()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, data):
    """The set's candidates in an index, and the first 60 development updates as targets."""
    store = Store(tmp_path_factory.mktemp("shortcuts") / "db.sqlite")
    save_entries(store, "related", "related", data["candidates"], NOW)
    store.index_pending()
    updates = [c for c in data["changes"] if c["split"] == "dev"][:60]
    targets = [LinkTarget(u["id"], u["title"], u["text"], u["source"], date(2025, 1, 1)) for u in updates]
    yield store, targets
    store.close()


def _idf(total: int, df: int) -> float:
    """BM25's idf with its floor, as `Vocabulary.idf` made it one count at a time."""
    return max(math.log((total - df + 0.5) / (df + 0.5) + 1.0), 0.05)


def test_idfs_in_one_call_are_each_count_idf(indexed):
    store, targets = indexed
    vocab = Vocabulary(store.db)
    counts = [f.cost for t in targets[:20] for f in features(t, Vocabulary(store.db))]
    counts += [0, 1, 2, DF_CAP, DF_CAP + 1, vocab.total, 7, 7, 0]  # repeats, the ends
    assert len(set(counts)) > 20
    for at_least in (0, RARITY_MIN_ITEMS, 10 * vocab.total):
        total = max(vocab.total, at_least)
        found = vocab.idfs(counts, at_least=at_least)
        assert found == [_idf(total, n) for n in counts]  # floats compared exactly
        assert vocab.idfs(reversed(counts), at_least=at_least) == found[::-1]  # memo: the same values
        assert [vocab.idf(n, at_least=at_least) for n in counts] == found


def test_most_common_by_one_sort_is_the_counters(data):
    """Word and word-pair counts of real documents (ties everywhere: most counts are 1 or 2),
    every cut: the same pairs in the same order, first counted first among equals."""
    documents = [c for c in data["changes"] if c["split"] == "dev"][:80] + data["candidates"][:80]
    ties = 0
    for document in documents:
        tokens = words(f"{document['title']}\n{document['text']}")
        for counts in (Counter(tokens), Counter(itertools.pairwise(tokens))):
            ties += len(counts) - len(set(counts.values()))
            for n in (0, 1, 3, 6, 36, len(counts), len(counts) + 5):
                assert _most_common(counts, n) == counts.most_common(n)
    assert ties > 1000


def test_the_retrieval_query_sorted_once_is_the_same(indexed):
    store, targets = indexed
    kinds = Counter()
    for target in targets:
        feats = features(target, Vocabulary(store.db))
        for chosen in (feats, [f for f in feats if f.cost >= DF_CAP], feats[:1]):  # selective, common, one
            if chosen:
                assert retrieval_query(chosen) == ranking_before.retrieval_query(chosen)
                assert selective(chosen) == ranking_before.selective(chosen)
                kinds[retrieval_query(chosen)[1]] += 1
    assert kinds[True] and kinds[False], kinds


def test_a_key_looked_for_by_two_features_finds_both(indexed, data):
    """A `Matcher` maps each stem or stem pair to the one feature looking for it; given two
    features looking for the same key (not what `features` makes, but a caller may), it
    finds both, as the general rule (`Shared.has`, one feature at a time) does."""
    store, targets = indexed
    candidates = data["candidates"][:150]
    tokens = [words(f"{c['title']}\n{c['text']}") for c in candidates]
    known = stems(set().union(*tokens))
    twice = 0
    for target in targets[:30]:
        feats = features(target, Vocabulary(store.db))
        doubled = feats + [f for f in feats if f.kind in ("word", "phrase")]  # each key twice
        for these in (feats, doubled):
            matcher = Matcher(these)
            for candidate, found in zip(candidates, tokens, strict=True):
                shared = matcher.shared(candidate["title"], candidate["text"], found, known)
                expected = [i for i, f in enumerate(these) if shared.has(f)]
                assert matcher.found(candidate["title"], candidate["text"], found, known) == expected
                if these is doubled:
                    twice += sum(i >= len(feats) for i in expected)
    assert twice > 100


@pytest.mark.parametrize("pool", [DEFAULT_RANKING.pool, 0.0])
def test_scores_of_newest_first_candidates_are_the_rules(indexed, pool):
    """Candidates read newest first carry their texts from `retrieve` (no second read);
    scored with them, each candidate's score, matches and rarities are 518994c's."""
    store, targets = indexed
    ranking = replace(DEFAULT_RANKING, pool=pool)
    compared = 0
    for target in targets:
        vocab = Vocabulary(store.db)
        feats = features(target, vocab)
        expression = " OR ".join(f"({f.query})" for f in feats)
        found = retrieve(store.db, expression, target, "1900-01-01", "2100-01-01", recent_first=True)
        assert all(c.text is not None for c in found)
        rows = []
        for rule in (score, ranking_before.score):
            fresh = [copy.copy(c) for c in found]
            for candidate in fresh:
                candidate.matched = []
            rule(store.db, fresh, feats, target, NOW.date(), ranking, vocab)
            rows.append([(c.id, c.score, c.matched, c.rarity, c.identifier_rarity) for c in fresh])
        assert rows[0] == rows[1]  # floats compared exactly
        compared += len(found)
    assert compared > 500


def _feature(label: str, kind: str, weight: float) -> Feature:
    return Feature(label, kind, f'"{label}"', weight, tuple(label.split()), 1, f"same {label}")


def test_reasons_of_matches_in_any_order_with_equal_weights():
    """`reason` sorts by weight reversed (no key function per feature); equal weights keep
    their order as the sort by -weight kept it: every order of a set with ties."""
    matched = [
        _feature("breach", "word", 2.0),
        _feature("risk analysis", "phrase", 2.0),
        _feature("HHS-OCR-1", "identifier", 2.0),
        _feature("notice", "word", 1.0),
        _feature("HIPAA", "act", 1.0),
        _feature("HHS-OCR-2", "identifier", 3.0),
        _feature("analysis", "word", 2.0),
    ]
    for order in itertools.permutations(matched, 5):
        for limit in (0, 1, 3):
            assert reason(order, limit) == ranking_before.reason(order, limit)
