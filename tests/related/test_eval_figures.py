"""The evaluation's figures on small hand-checked lists (bench/related_eval.py's Report):
AP@10, the development diagnostic that sees related items below the 3rd place."""

from __future__ import annotations

import pytest

from bench.related_eval import Report, Result


def _report(relevant: list[str], ranked: list[str]) -> Report:
    return Report([Result("u", relevant, [(c, 1.0, False) for c in ranked])])


@pytest.mark.parametrize(
    ("relevant", "ranked", "expected"),
    [
        (["a"], ["a", "x", "y"], 1.0),
        (["a"], ["x", "a"], 0.5),
        (["a", "b"], ["a", "x", "b"], (1 + 2 / 3) / 2),
        # recall@3 is 0.5 for both of these; AP@10 tells the 4th place from the 11th
        (["a", "b", "c", "d", "e", "f"], ["a", "b", "c", "d"], 4 / 6),
        (["a", "b", "c", "d", "e", "f"], ["a", "b", "c"] + [f"x{i}" for i in range(8)] + ["d"], 3 / 6),
        (["a"], [], 0.0),
    ],
)
def test_average_precision_over_the_best_10(relevant, ranked, expected):
    report = _report(relevant, ranked)
    assert report.average_precision == pytest.approx(expected)
    assert report.figures()["AP@10"] == pytest.approx(expected)


def test_updates_without_related_items_do_not_count():
    report = Report([*_report(["a"], ["x", "a"]).results, Result("v", [], [("x", 1.0, True)])])
    assert report.average_precision == pytest.approx(0.5)


def _shown(relevant: list[str], ranked: list[tuple[str, bool]]) -> Report:
    return Report([Result("u", relevant, [(c, 1.0, shown) for c, shown in ranked])])


@pytest.mark.parametrize(
    ("relevant", "ranked", "p1", "r3", "mrr"),
    [
        # the ranking's first link is right, but the alert shows nothing: 0 in Slack
        (["a"], [("a", False), ("x", False)], 0.0, 0.0, 0.0),
        # only the right link is shown
        (["a", "b"], [("a", True), ("b", False), ("x", False)], 1.0, 0.5, 1.0),
        # a hidden wrong first link does not count: the first shown is the right one
        (["a"], [("x", False), ("a", True)], 1.0, 1.0, 1.0),
        # wrong first shown, right second
        (["a", "b"], [("x", True), ("b", True), ("a", True)], 0.0, 1.0, 0.5),
        # a 4th shown link is beyond what an alert shows
        (["a"], [("x", True), ("y", True), ("z", True), ("a", True)], 0.0, 0.0, 0.0),
    ],
)
def test_figures_from_what_reaches_slack(relevant, ranked, p1, r3, mrr):
    figures = _shown(relevant, ranked).figures()
    assert (figures["slack P@1"], figures["slack R@3"], figures["slack MRR"]) == pytest.approx((p1, r3, mrr))


def test_ranked_figures_ignore_what_is_shown():
    # the same ranking, nothing shown: ranked figures as before, Slack's all 0
    figures = _shown(["a"], [("a", False)]).figures()
    assert (figures["precision@1"], figures["MRR"]) == (1.0, 1.0)
    assert (figures["slack P@1"], figures["slack MRR"]) == (0.0, 0.0)
