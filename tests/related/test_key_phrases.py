"""Query expansion from the document's own words: besides its title's phrases, a document
contributes the most frequent pairs of adjacent content words of its body. Real Federal
Register text from the evaluation set (an FCC order on inmate calling services)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import Vocabulary, features
from watcher.related.linking import LinkTarget, Ranking

NOW = datetime(2024, 1, 10, 12, tzinfo=UTC)
ORDER = "2023-28765"  # "Rates for Interstate Inmate Calling Services" (WC Docket No. 12-375)


def _phrases(tmp_path, ranking: Ranking) -> list[str]:
    data = load()
    store = Store(tmp_path / f"phrases-{ranking.body_phrases}.sqlite")
    try:
        save_entries(store, "feed", "related", data["candidates"], NOW)
        doc = next(c for c in data["candidates"] if c["id"] == ORDER)
        target = LinkTarget(
            doc["id"], doc["title"], doc["text"], "us-fr-fcc", date.fromisoformat(doc["date"])
        )
        return [f.label for f in features(target, Vocabulary(store.db), ranking) if f.kind == "phrase"]
    finally:
        store.close()


def test_body_key_phrases_join_the_title_phrases(tmp_path):
    title_only = _phrases(tmp_path, Ranking(body_phrases=0))
    expanded = _phrases(tmp_path, Ranking())
    assert "inmate calling" in title_only and "ics order" not in title_only
    assert set(title_only) < set(expanded)
    added = set(expanded) - set(title_only)
    assert "ics order" in added  # the order the text cites twice ("the 2022 ICS Order")
    assert len(added) <= Ranking().body_phrases
