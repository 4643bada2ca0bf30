"""Round 18's cuts in linking give what the code they shorten gave: identifier patterns not
run over a text that lacks what every match holds (`find_identifiers`), idfs shared by the
linking runs of one index size (`Vocabulary.idfs`), and the candidate cache's oldest entry
found without walking the dict (`CandidateCache`). Checked on the evaluation set's real
development updates (the development half only) and on texts made to sit at each edge."""

from __future__ import annotations

import math
import re

import pytest

from bench.related_eval import changes_of, load
from watcher.related import features as features_module
from watcher.related import identifiers
from watcher.related.features import Vocabulary
from watcher.related.identifiers import find_identifiers
from watcher.related.matching import CandidateCache

#: Texts at the gates' edges: every CFR spelling, each label word in any case, whitespace
#: \s matches (tab, newline, \x1c), and non-ASCII text where IGNORECASE matches "ſ" for "s"
#: and "ı"/"İ" for "i" (there the lowered text does not hold the word: the pattern must run).
EDGES = [
    "45 CFR 164",
    "45 C.F.R. Parts 160 and 164",
    "45 c. f. r. part 164",
    "21 C\tF\nR 11",
    "21 C\x1cF.R 11",
    "21 CF R 11",
    "Docket No. 50-255",
    "DOCKET ID FDA-2024-N-1234",
    "File No. SR-MEMX-2023-40",
    "case number C-311/18",
    "Project no. AB-1234.5",
    "Caſe No. AB-1234",
    "Fıle No. AB-1234",
    "FİLE No. AB-1234",
    "Docket No. 50-255 – café",
    "(EC) No 1234/2007 and (EU) No. 2016/679",
    "Regulation (EU) 2016/679, RIN 0945-AA22, 88 FR 12345, 2024-01234",
    "no identifiers at all here, only words",
    "",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Every development update's title, text, and both as `features` joins them."""
    found = []
    for change in changes_of(load(), "dev"):
        title, text = change["title"] or "", change["text"] or ""
        found += [title, text, f"{title}\n{text}"]
    return found + EDGES


def _ungated(text: str, monkeypatch: pytest.MonkeyPatch) -> list:
    """`find_identifiers` with the CFR and label gates open (an empty pattern and label match
    anywhere), as every pattern ran before."""
    with monkeypatch.context() as patched:
        patched.setattr(identifiers, "_CFR_HINT", re.compile(""))
        patched.setattr(identifiers, "_LABELS", ("",))
        return find_identifiers(text)


def test_a_gate_closes_only_where_its_pattern_finds_nothing(texts):
    for text in texts:
        lowered = text.lower() if text.isascii() else None
        if lowered is not None and identifiers._CFR_HINT.search(lowered) is None:
            assert identifiers._CFR.search(text) is None, text
        if lowered is not None and not any(label in lowered for label in identifiers._LABELS):
            assert identifiers._LABELLED.search(text) is None, text
        if "(" not in text:
            assert identifiers._EU_OLD.search(text) is None, text


def test_identifiers_found_are_those_every_pattern_finds(texts, monkeypatch):
    found = 0
    for text in texts:
        gated = find_identifiers(text)
        assert gated == _ungated(text, monkeypatch), text
        found += len(gated)
    assert found > 50  # the set's updates cite CFR parts, dockets, case numbers
    kinds = {i.kind for text in EDGES for i in find_identifiers(text)}
    assert {"cfr", "docket", "eu", "rin", "fr-cite", "fr-doc"} <= kinds


def test_non_ascii_text_is_scanned_for_labels_it_may_hold():
    assert [i.label for i in find_identifiers("Caſe No. AB-1234")] == ["AB-1234"]
    assert [i.label for i in find_identifiers("Fıle No. AB-1234")] == ["AB-1234"]


class _Unrun:
    """A pattern that must not run."""

    def __init__(self, name: str) -> None:
        self.name = name

    def finditer(self, text: str):
        raise AssertionError(f"{self.name} ran over {text!r}")

    search = finditer


def test_patterns_are_not_run_over_ascii_text_without_their_words(monkeypatch):
    for name in ("_CFR", "_LABELLED", "_EU_OLD"):
        monkeypatch.setattr(identifiers, name, _Unrun(name))
    assert find_identifiers("Controller health regulation bulletin, security identity compliance") == []
    assert find_identifiers("Data processor enforcement; frequently asked questions") == []


def test_vocabularies_share_their_idfs_and_each_is_the_formula(tmp_path):
    from watcher.db.store import Store

    store = Store(tmp_path / "db.sqlite")
    try:
        first, second = Vocabulary(store.db), Vocabulary(store.db)
        assert first._idf is second._idf is features_module._IDFS
        counts = [0, 1, 2, 7, 7, 999, 1000, 5000, 0]
        for at_least in (0, 1000, 50_000):
            total = max(first.total, at_least)
            want = [max(math.log((total - df + 0.5) / (df + 0.5) + 1.0), 0.05) for df in counts]
            assert first.idfs(counts, at_least=at_least) == want
            assert second.idfs(counts, at_least=at_least) == want  # read from the shared table
            assert features_module._IDFS[total][7] == want[3]
    finally:
        store.close()


def test_the_shared_idfs_stay_bounded(tmp_path, monkeypatch):
    from watcher.db.store import Store

    monkeypatch.setattr(features_module, "_IDFS", {})
    store = Store(tmp_path / "db.sqlite")
    try:
        vocab = Vocabulary(store.db)
        for size in range(10_000, 10_000 + 3 * features_module.IDF_SIZES):
            vocab.idfs([1, 2, 3], at_least=size)
            assert len(vocab._idf) <= features_module.IDF_SIZES
        vocab.idfs(range(features_module.IDF_COUNTS + 10), at_least=50_000)
        assert vocab.idfs([5], at_least=50_000) == [max(math.log((50_000 - 5 + 0.5) / 5.5 + 1.0), 0.05)]
        assert len(vocab._idf[50_000]) == 1  # a table grown past IDF_COUNTS is made anew
    finally:
        store.close()


def _pairs(count: int, start: int = 0) -> list[tuple[str, str]]:
    return [
        (f"title {i}", " ".join(f"w{i}x{j}" for j in range(1 + i % 5))) for i in range(start, start + count)
    ]


def test_the_cache_puts_out_its_oldest_entries_first_as_it_did():
    cache = CandidateCache(entries=50, stems_held=120)
    before: dict[tuple[str, str], int] = {}  # the cache as round 17 kept it: dict order, walked
    held = 0
    for start in range(0, 400, 7):
        batch = _pairs(9, start) + _pairs(3, max(0, start - 20))  # new ones and some held
        made = cache.words_of(batch)
        assert made == CandidateCache().words_of(batch)  # the same words as made anew
        for pair, words_ in zip(batch, made, strict=True):
            if pair not in before and len(words_.sequence) <= 120:
                before[pair] = len(words_.sequence)
                held += len(words_.sequence)
        while len(before) > 50 or held > 120:
            held -= before.pop(next(iter(before)))
        assert list(cache._found) == list(before)
        assert list(cache._order) == list(cache._found)  # the order kept beside the dict
    cache.clear()
    assert len(cache) == 0 and not cache._order
