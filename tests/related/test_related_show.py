"""bench/related_show.py: the show rules measured on the development half only (the test
half is never linked), each applied by the real `linking.shown_flags` to the kept candidates."""

from __future__ import annotations

import copy
from dataclasses import replace

from bench.related_eval import EVAL_SET, changes_of, load
from bench.related_show import OFF, RULES, capture, figures, shown_ids
from watcher.related.linking import shown_flags
from watcher.related.values import Ranking


def test_only_development_updates_are_linked_and_every_candidate_is_kept():
    data = load(EVAL_SET, ("us-fr",))
    dev = next(c for c in changes_of(data, "dev") if len(c["related"]) >= 2)
    later = copy.deepcopy(dev) | {"id": "copy-of-a-dev-update", "split": "test"}
    wanted = {dev["id"], *dev["related"], *dev["maybe"]}
    small = {"changes": [dev, later], "candidates": [c for c in data["candidates"] if c["id"] in wanted]}
    updates = capture(small, Ranking())
    assert [u.change["id"] for u in updates] == [dev["id"]]
    (update,) = updates
    assert set(update.ids) >= set(dev["related"]) and len(update.ids) == len(update.candidates)
    assert update.bm25
    # The figures read what shown_flags shows, maybe-labels dropped.
    flags = shown_flags(update.candidates, Ranking())
    assert shown_ids(update, Ranking()) == [i for i, s in zip(update.ids, flags, strict=True) if s][:3]
    assert (
        figures(updates, Ranking())["slack R@3"]
        == len(set(shown_ids(update, Ranking())) & set(dev["related"])) / 2
    )


def test_the_rules_differ_only_in_the_show_rule():
    show_rule = {"companions", "companion_own", "companion_share"}
    for ranking in RULES.values():
        for name, value in vars(ranking).items():
            if name not in show_rule:
                assert value == getattr(Ranking(), name), name
    assert RULES["defaults"] == Ranking() and replace(Ranking(), companions=False) == OFF
