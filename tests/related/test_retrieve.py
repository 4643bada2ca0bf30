"""Candidate retrieval (`ranking.retrieve`) is one filtered `ORDER BY bm25, id` over every
match: the same candidates whichever way the statement is written, also when most of the
best matches are filtered out (the same source, the document itself, its link, outside the
date window) and when only the first matches may be looked at (`widen=False`)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from tests.support.evalitems import save_items
from watcher.db.store import Store
from watcher.model import Item
from watcher.related.features import Vocabulary, features
from watcher.related.ranking import COLUMN_WEIGHTS, MATCH_TEXT, retrieve, score
from watcher.related.values import DEFAULT_RANKING, LinkTarget

NOW = datetime(2025, 1, 20, 12, tzinfo=UTC)
DOCUMENT = LinkTarget(
    "doc", "Ransomware guidance", "", "us-hhs", date(2025, 1, 14), None, "https://hhs.example/doc"
)


def _index(store: Store, source_id: str, items: list[Item]) -> None:
    save_items(store, source_id, items, NOW, role="watch", kind="listing")
    store.index_pending()


def _store(tmp_path) -> Store:
    """The best matches (most "ransomware" in the title) are filtered out: the document's own
    source, its link, dates outside the window; those that pass rank lower, some undated
    (their first-seen time counts)."""
    store = Store(tmp_path / "db.sqlite")
    _index(
        store,
        "us-hhs",
        [Item(f"own{i}", "ransomware " * 6, f"https://hhs.example/{i}", "2025-01-10") for i in range(40)],
    )
    far = [Item(f"old{i}", "ransomware " * 5, f"https://old.example/{i}", "2023-06-01") for i in range(60)]
    far += [Item("twin", "ransomware " * 5, DOCUMENT.link, "2025-01-10")]
    _index(store, "us-old", far)
    passing = [
        Item(
            f"ok{i}",
            "ransomware " * (1 + i % 4) + f"notice {i}",
            f"https://ok.example/{i}",
            None if i % 5 == 0 else "2025-01-02",
        )
        for i in range(45)
    ]
    _index(store, "us-ok", passing)
    return store


def _reference(
    store: Store, expression: str, start: str, end: str, count: int, first: int = 0
) -> list[tuple]:
    """Every match by BM25 (then id), filtered here, the first `count` (of the first `first`)."""
    weights = ", ".join(str(w) for w in COLUMN_WEIGHTS)
    ranked = store.db.execute(
        f"SELECT rowid, bm25(items_fts, {weights}) AS bm FROM items_fts WHERE items_fts MATCH ? ORDER BY bm, rowid",
        [expression],
    ).fetchall()
    found = []
    for item_id, bm in ranked[:first] if first else ranked:
        source_id, link, day, seen = store.db.execute(
            "SELECT source_id, link, date, first_seen FROM items WHERE id = ?", [item_id]
        ).fetchone()
        when = day if day is not None else seen
        if source_id != DOCUMENT.source_id and link != DOCUMENT.link and start <= when <= end:
            found.append((item_id, bm))
    return found[:count]


def test_the_best_that_pass_the_filters_however_deep(tmp_path):
    store = _store(tmp_path)
    try:
        start, end = "2024-09-16", "2026-01-14\uffff"
        expected = _reference(store, '"ransomware"', start, end, 25)
        assert len(expected) == 25 and expected[0][0] > 101  # the best 101 matches are all filtered out
        found = retrieve(store.db, '"ransomware"', DOCUMENT, start, end)
        assert [(c.id, c.bm25) for c in found] == expected
        assert all(c.source_id == "us-ok" for c in found)
        assert any(c.date is None and c.seen for c in found)  # undated: its first-seen time is in the window
    finally:
        store.close()


def test_without_widening_only_the_first_matches_are_looked_at(tmp_path):
    store = _store(tmp_path)
    try:
        start, end = "2024-09-16", "2026-01-14\uffff"
        assert retrieve(store.db, '"ransomware"', DOCUMENT, start, end, count=10, widen=False) == []
        wide = retrieve(store.db, '"ransomware"', DOCUMENT, start, end, count=40, widen=False)
        assert [(c.id, c.bm25) for c in wide] == _reference(store, '"ransomware"', start, end, 40, first=160)
    finally:
        store.close()


def test_newest_first_without_bm25(tmp_path):
    store = _store(tmp_path)
    try:
        start, end = "2024-09-16", "2026-01-14\uffff"
        found = retrieve(store.db, '"ransomware"', DOCUMENT, start, end, count=7, recent_first=True)
        newest = [
            row[0]
            for row in store.db.execute("SELECT id FROM items WHERE source_id = 'us-ok' ORDER BY id DESC")
        ]
        assert [c.id for c in found] == newest[:7]
        assert {c.bm25 for c in found} == {-1.0}
    finally:
        store.close()


def test_newest_first_candidates_carry_the_text_score_matches(tmp_path):
    """Read newest first, a candidate brings its summary and text (cut at MATCH_TEXT) with its
    row, and `score` then gives exactly what it gives reading them itself."""
    store = Store(tmp_path / "db.sqlite")
    try:
        items = [
            Item(
                f"n{i}",
                f"Ransomware notice {i}",
                f"https://n.example/{i}",
                "2025-01-02",
                f"risk analysis {i}",
            )
            for i in range(12)
        ]
        _index(store, "us-ok", items)
        rows = store.db.execute("SELECT id FROM items ORDER BY id").fetchall()
        long_text = "ransomware risk analysis security incident " * 400  # longer than MATCH_TEXT
        store.set_item_text(rows[-1][0], long_text, NOW)
        store.set_item_text(rows[-2][0], "a short text on ransomware", NOW)
        store.index_pending()
        start, end = "2024-09-16", "2026-01-14\uffff"
        found = retrieve(store.db, '"ransomware"', DOCUMENT, start, end, count=10, recent_first=True)
        assert len(found) == 10
        for candidate in found:
            summary, text = store.db.execute(
                "SELECT summary, text FROM items WHERE id = ?", [candidate.id]
            ).fetchone()
            assert candidate.text == f"{summary}\n{(text or '')[:MATCH_TEXT]}"
        assert found[0].text == f"risk analysis 11\n{long_text[:MATCH_TEXT]}"  # the newest: cut
        target = LinkTarget(
            "doc", "Ransomware risk analysis", "security incident", "us-hhs", date(2025, 1, 14)
        )
        vocab = Vocabulary(store.db)
        feats = features(target, vocab)
        unread = [dataclasses.replace(c, text=None) for c in found]
        score(store.db, found, feats, target, date(2025, 1, 14), DEFAULT_RANKING, vocab)
        score(store.db, unread, feats, target, date(2025, 1, 14), DEFAULT_RANKING, vocab)
        assert [(c.id, c.score, c.matched) for c in found] == [(c.id, c.score, c.matched) for c in unread]
        assert any(c.score > 0 for c in found)
    finally:
        store.close()
