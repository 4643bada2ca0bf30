"""The ranker's quality on the held-out test half of the evaluation set (real Federal
Register documents labelled from their dockets, RINs and corrections; real GOV.UK content
items labelled from their editorial links), through the real Store, SQLite and linking.
Floors are set just under the figures measured on the test half with the defaults chosen
on the development half (measured: precision@1 0.839, recall@3 0.948, MRR 0.909, quiet
0.619, one related update without a link; plain BM25 0.548 / 0.852 / 0.712; see
bench/README.md); never raise them by tuning on this half. The targets of issue 17 that the
test half does not reach are strict expected failures: they fail loudly once reached."""

from __future__ import annotations

import pytest

from bench.related_eval import EVAL_SET, Bench, load


def test_evaluation_set_is_real_big_enough_and_split_once_by_time():
    data = load(EVAL_SET)
    candidates = {c["id"] for c in data["candidates"]}
    changes = data["changes"]
    assert len(candidates) == len(data["candidates"]) >= 500
    assert len(changes) >= 100
    for change in changes:
        assert set(change["related"]) | set(change["maybe"]) <= candidates, change["id"]
        assert change["id"] not in change["related"]
        assert set(change["related"]) <= set(change["evidence"]), change["id"]  # every label has evidence
    dev = [c for c in changes if c["split"] == "dev"]
    test = [c for c in changes if c["split"] == "test"]
    assert (len(dev), len(test)) == (176, 178)  # fixed: the split is made once, not redrawn
    assert sum(1 for c in test if c["related"]) == 31
    for corpus, halves in (("us-fr", (82, 83)), ("uk-govuk", (94, 95))):  # by time within each corpus
        mine_dev = [c for c in dev if c["corpus"] == corpus]
        mine_test = [c for c in test if c["corpus"] == corpus]
        assert (len(mine_dev), len(mine_test)) == halves
        assert max((c["date"], c["id"]) for c in mine_dev) < min((c["date"], c["id"]) for c in mine_test)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    bench = Bench(load(EVAL_SET), tmp_path_factory.mktemp("eval") / "eval.db")
    yield bench
    bench.close()


@pytest.fixture(scope="module")
def test_half(bench):
    from watcher.related.values import Ranking

    return bench.evaluate(Ranking(), "test").figures(), bench.evaluate_bm25("test").figures()


def test_test_half_floors_and_plain_bm25(test_half):
    ours, bm25 = test_half
    assert ours["precision@1"] >= 0.83, ours
    assert ours["precision@1"] >= bm25["precision@1"], (ours, bm25)
    assert ours["recall@3"] >= 0.94, ours
    assert ours["recall@3"] >= bm25["recall@3"] + 0.09, (ours, bm25)
    assert ours["MRR"] >= 0.90, ours
    assert ours["MRR"] > bm25["MRR"], (ours, bm25)
    # Fewer than three links when the evidence is weak: template notices of the same agency
    # (the hard negatives) often stay quiet; one related update goes without a link (see the
    # strict expected failure below).
    assert ours["quiet"] >= 0.61, ours
    assert ours["zero-link"] <= 1, ours
    assert ours["shown precision"] >= 2 * bm25["shown precision"], (ours, bm25)


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached on the test half: 0.948 vs 0.852 + 0.10")
def test_target_recall_at_3_beats_plain_bm25_by_a_tenth(test_half):
    ours, bm25 = test_half
    assert ours["recall@3"] >= bm25["recall@3"] + 0.10, (ours, bm25)


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached on the test half: MRR 0.909")
def test_target_mrr(test_half):
    ours, _ = test_half
    assert ours["MRR"] >= 0.95, ours


@pytest.mark.xfail(
    strict=True, reason="issue 17 target not reached on the test half: 1 related update unlinked"
)
def test_target_no_related_update_without_a_link(test_half):
    ours, _ = test_half
    assert ours["zero-link"] == 0, ours


def test_links_that_clearly_lead_are_shown_below_the_threshold(bench):
    """The lead rule (chosen on the development half): a few candidates far ahead of the
    rest are shown although they score under the threshold, so fewer related updates go
    without a link; template notices, which match many items about equally, stay quiet."""
    from watcher.related.values import Ranking

    with_lead = bench.evaluate(Ranking(), "dev").figures()
    without = bench.evaluate(Ranking(lead=0.0), "dev").figures()
    assert with_lead["zero-link"] <= without["zero-link"] - 5, (with_lead, without)
    assert with_lead["shown precision"] > without["shown precision"], (with_lead, without)
    assert with_lead["quiet"] >= 0.6, with_lead


def test_lead_bar_is_a_multiple_of_a_lower_rank_and_never_below_the_floor():
    from watcher.related.linking import lead_bar
    from watcher.related.ranking import Candidate
    from watcher.related.values import Ranking

    def candidates(*scores):
        return [Candidate(i, "feed", "t", "l", None, "", -1.0, score=s) for i, s in enumerate(scores)]

    ranking = Ranking(lead=1.3, lead_rank=4, lead_floor=0.5)
    assert lead_bar(candidates(0.9, 0.8, 0.7, 0.5), ranking) == pytest.approx(0.65)
    assert lead_bar(candidates(0.9, 0.2, 0.1, 0.1), ranking) == 0.5  # the floor
    assert lead_bar(candidates(0.9), ranking) == 0.5  # fewer candidates than lead_rank
    assert lead_bar(candidates(0.9, 0.8), Ranking(lead=0.0)) == float("inf")  # off
