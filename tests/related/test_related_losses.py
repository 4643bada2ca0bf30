"""bench/related_losses.py: where the linking loses to plain BM25, on the development half only
(the test half is never linked; the court pages it adds are of the development period), and the
rules it simulates on the linked lists."""

from __future__ import annotations

import copy
import gzip
import json

from bench.related_eval import EVAL_SET, changes_of, load
from bench.related_gdprhub import RAW
from bench.related_losses import Linked, agreed, analyse, court_updates, guarded, link_dev
from watcher.related.values import Ranking


def test_only_development_updates_are_linked():
    data = load(EVAL_SET, ("us-fr",))
    dev = next(c for c in changes_of(data, "dev") if c["related"])
    later = copy.deepcopy(dev) | {"id": "copy-of-a-dev-update", "split": "test"}
    wanted = {dev["id"], *dev["related"], *dev["maybe"]}
    small = {"changes": [dev, later], "candidates": [c for c in data["candidates"] if c["id"] in wanted]}
    linked = link_dev(small, Ranking())
    assert [item.change["id"] for item in linked] == [dev["id"]]
    assert linked[0].ours and linked[0].bm25


def test_court_pages_are_of_the_development_period_and_not_in_the_set():
    data = load(EVAL_SET, ("eu-gdprhub",))
    updates = court_updates(data, json.loads(gzip.decompress(RAW.read_bytes())))
    dev_end = max(c["date"] for c in changes_of(data, "dev"))
    in_set = {c["id"] for c in data["changes"]}
    dates = {c["id"]: c["date"] for c in data["candidates"]}
    assert len(updates) >= 60
    for update in updates:
        assert update["split"] == "dev" and update["id"] not in in_set
        assert update["date"] <= dev_end
        assert all(dates[r] <= dev_end for r in update["related"] + update["maybe"])
        assert not set(update["related"]) & set(update["maybe"])


def _linked(related: list[str], ours: list[str], bm25: list[tuple[str, float]], shown: int = 1) -> Linked:
    change = {"id": "u", "corpus": "c", "title": "t", "related": related}
    return Linked(change, [(c, 1.0 - k / 10, k < shown, "") for k, c in enumerate(ours)], bm25)


def test_a_first_link_lost_to_plain_bm25_is_counted_with_where_ours_put_it():
    item = _linked(["a"], ["x", "y", "a"], [("a", 9.0), ("x", 4.0), ("y", 3.0)])
    counts = analyse([item])["c"]
    assert counts["lost first"] == 1 and counts["lost first: ours at 3"] == 1
    assert counts["hidden (BM25 top 3, ours top 3, not shown)"] == 1  # "a" is 3rd, not shown
    assert counts["won first"] == 0


def test_the_guard_moves_only_a_confident_first():
    item = _linked(["a"], ["x", "y", "a"], [("a", 9.0), ("x", 4.0), ("y", 3.0)])
    assert guarded(item, 2.0, 1, show=True)[0] == ("a", True)  # 9 / 4 >= 2
    assert guarded(item, 2.0, 2, show=False)[:2] == [("x", True), ("a", False)]
    assert [c for c, _ in guarded(item, 3.0, 1, show=True)] == ["x", "y", "a"]  # not sure enough


def test_agreement_shows_a_hidden_link_bm25_ranks_well_ahead_of_its_fourth():
    item = _linked(["a"], ["x", "a", "z"], [("a", 9.0), ("x", 8.0), ("q", 5.0), ("z", 2.0)])
    assert agreed(item, 2.0) == [("x", True), ("a", True), ("z", False)]
    assert agreed(item, 5.0) == [("x", True), ("a", False), ("z", False)]
