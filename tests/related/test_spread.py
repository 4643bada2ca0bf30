"""Common words told apart (watcher/related/spread.py): a word counted up to the Vocabulary's
cap weighs by an estimate of its real frequency, so a page's generic words ("find",
"england") no longer weigh as much as its topic ("council") in a large history.

The cap is lowered to 10 items so that the real GOV.UK pages of the evaluation set behave as
a large history does; their own counts (568 items, all within the sample) are exact."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import watcher.related.features as features_module
import watcher.related.ranking as ranking_module
from bench.related_eval import load
from tests.support.evalitems import save_entries
from watcher.db.store import Store
from watcher.related.features import Vocabulary, features
from watcher.related.linking import LinkTarget, Ranking
from watcher.related.spread import spread

NOW = datetime(2016, 1, 1, tzinfo=UTC)
CAP = 10


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(features_module, "DF_CAP", CAP)
    monkeypatch.setattr(ranking_module, "DF_CAP", CAP)
    store = Store(tmp_path / "govuk.sqlite")
    govuk = [c for c in load()["candidates"] if c["source"] == "uk-govuk"]
    save_entries(store, "uk-govuk", "related", govuk, NOW)
    yield store
    store.close()


def _count(store: Store, word: str) -> int:
    return store.db.execute(
        "SELECT count(*) FROM items_fts WHERE items_fts MATCH ?", [f'"{word}"']
    ).fetchone()[0]


def test_capped_counts_are_estimated_and_others_kept(store):
    total = Vocabulary(store.db).total
    df = {"council": CAP, "tax": CAP, "band": 5}
    estimated = spread(store.db, df, {s: s for s in df}, CAP, total)
    assert estimated["band"] == 5  # under the cap: the Vocabulary's own count
    assert estimated["council"] == _count(store, "council") > CAP
    assert estimated["tax"] == _count(store, "tax") > estimated["council"]


def test_a_pages_topic_outweighs_its_generic_words(store):
    update = next(c for c in load()["changes"] if c["id"] == "/council-tax-bands")
    target = LinkTarget(
        update["id"], update["title"], update["text"], update["source"], date.fromisoformat(update["date"])
    )

    def weights(ranking: Ranking) -> dict[str, float]:
        return {
            f.label: f.weight for f in features(target, Vocabulary(store.db), ranking) if f.kind == "word"
        }

    flat, spread_out = weights(Ranking(spread=False)), weights(Ranking())
    # Without: every word above the cap weighs alike (by its count in the text).
    assert flat["council"] == flat["tax"] and flat["find"] == flat["england"]
    # With: by how common each really is ("find" is in more pages than "council").
    assert spread_out["council"] > spread_out["find"]
    assert spread_out["council"] > spread_out["tax"]  # "tax": corporation tax, VAT, ... pages
    assert spread_out["band"] == flat["band"]  # a word under the cap is unchanged


def test_an_estimate_is_kept_until_the_index_grows(store):
    """Estimates are cached per connection and made again once the index has grown by a
    tenth: the same pages indexed again by a second source double the count."""
    govuk = [c for c in load()["candidates"] if c["source"] == "uk-govuk"]
    df = {"council": CAP}
    before = Vocabulary(store.db).total
    first = spread(store.db, df, {"council": "council"}, CAP, before)
    save_entries(store, "uk-govuk-mirror", "related", govuk, NOW)
    grown = Vocabulary(store.db).total
    assert spread(store.db, df, {"council": "council"}, CAP, before + 10) == first  # under a tenth more
    assert spread(store.db, df, {"council": "council"}, CAP, grown)["council"] == 2 * first["council"]
