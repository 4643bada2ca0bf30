"""The faster scoring gives exactly what main 518994c's gave: `features` (each counted
stem's idf read once), `score` (a word's or phrase's gain made once per feature, the
general rule kept for identifiers, acts and title labels) and `reason` (one pass over the
matched features), compared with that commit's modules kept whole in tests/support
(`features_518994c`, `ranking_518994c`) on the evaluation set's real development updates
and their real candidates, under every setting that changes which rule a match takes."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import features_518994c as features_before
import pytest
import ranking_518994c as ranking_before

from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import Vocabulary, features
from watcher.related.linking import reason
from watcher.related.ranking import Candidate, retrieve, score
from watcher.related.values import DEFAULT_RANKING, Feature, LinkTarget

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Settings under which a match takes another rule: title labels, no pool, no title bonus,
#: the candidate-title share (plain and by idf), rank fusion.
RANKINGS = [
    DEFAULT_RANKING,
    replace(DEFAULT_RANKING, title_label=True),
    replace(DEFAULT_RANKING, pool=0.0),
    replace(DEFAULT_RANKING, title_bonus=False),
    replace(DEFAULT_RANKING, title_coverage="plain"),
    replace(DEFAULT_RANKING, title_coverage="idf", pool=0.0),
    replace(DEFAULT_RANKING, fusion=True),
]


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> list[tuple[LinkTarget, list[Feature], list[Candidate], Vocabulary]]:
    """Each development update's features and candidates (the OR of all its features, so
    candidates share identifiers, acts, phrases and words), in an index of the set's items."""
    data = load()
    store = Store(tmp_path_factory.mktemp("score") / "db.sqlite")
    save_entries(store, "related", "related", data["candidates"], NOW)
    store.index_pending()
    found = []
    for update in [c for c in data["changes"] if c["split"] == "dev"][:80]:
        target = LinkTarget(update["id"], update["title"], update["text"], update["source"])
        vocab = Vocabulary(store.db)
        feats = features(target, vocab)
        # 518994c counted a slashed identifier by its rarest token (before written_identifiers).
        unwritten = replace(DEFAULT_RANKING, written_identifiers=False)
        assert features(target, vocab, unwritten) == features_before.features(
            target, features_before.Vocabulary(store.db)
        )
        expression = " OR ".join(f"({f.query})" for f in feats)
        candidates = retrieve(store.db, expression, target, "1900-01-01", "2100-01-01", count=40)
        if candidates:
            found.append((target, feats, candidates, vocab))
    yield found
    store.close()


def _scored(rule, linked_one, ranking) -> list[tuple]:
    target, feats, candidates, vocab = linked_one
    fresh = [copy.copy(c) for c in candidates]
    for candidate in fresh:
        candidate.matched = []
    rule(vocab.db, fresh, feats, target, NOW.date(), ranking, vocab)  # reads the texts not read yet
    return [
        (c.id, c.score, c.matched, c.evidence, c.rarity, c.identifier_rarity, c.proceeding) for c in fresh
    ]


@pytest.mark.parametrize("ranking", RANKINGS, ids=lambda r: "default" if r == DEFAULT_RANKING else "")
def test_scores_are_those_of_the_rule_they_shorten(linked, ranking):
    kinds: Counter[str] = Counter()
    for one in linked:
        now = _scored(score, one, ranking)
        assert now == _scored(ranking_before.score, one, ranking)  # floats compared exactly
        kinds.update(f.kind for row in now for f in row[2])
    assert len(linked) > 50 and all(kinds[k] for k in ("identifier", "act", "phrase", "word")), kinds


def test_reasons_are_those_of_the_rule_they_shorten(linked):
    shapes: Counter[tuple[int, bool]] = Counter()
    for target, feats, candidates, vocab in linked:
        for row in _scored(score, (target, feats, candidates, vocab), DEFAULT_RANKING):
            matched = row[2]
            for limit in (0, 1, 3, 5):
                assert reason(matched, limit) == ranking_before.reason(matched, limit)
            strong = sum(f.kind in ("identifier", "act") for f in matched)
            shapes[min(strong, 2), any(f.kind == "phrase" for f in matched)] += 1
    assert all(shapes[shape] for shape in [(0, True), (1, True), (2, True), (0, False)]), shapes


def test_a_word_inside_a_shared_phrase_is_not_repeated_and_no_limit_shows_no_words():
    def feature(label: str, kind: str, weight: float) -> Feature:
        return Feature(label, kind, f'"{label}"', weight, tuple(label.split()), 1, f"same {label}")

    matched = [
        feature("breach", "word", 3.0),
        feature("breach notification", "phrase", 2.0),
        feature("notice", "word", 1.0),
        feature("HHS-OCR-1", "identifier", 0.5),
    ]
    assert reason(matched) == "same HHS-OCR-1; shares: breach notification, notice"
    assert reason(matched, 0) == "same HHS-OCR-1" == ranking_before.reason(matched, 0)
    assert reason(matched[:3], 0) == "" == ranking_before.reason(matched[:3], 0)
    two = [*matched, feature("HHS-OCR-2", "identifier", 0.7)]
    assert reason(two) == "same HHS-OCR-2; same HHS-OCR-1" == ranking_before.reason(two)
