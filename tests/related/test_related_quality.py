"""The ranker's quality on the held-out test half of the evaluation set (real Federal
Register documents labelled from their dockets, RINs and corrections; real GOV.UK content
items labelled from their editorial links; real GDPRhub pages on EU data protection
decisions labelled from the links between them), through the real Store, SQLite and linking.

Floors are set just under the figures measured on the test half with the defaults chosen
on the development half; never raise them by tuning on this half. The targets of issue 17
that the test half does not reach are strict expected failures: they fail loudly once
reached.

Floors are those of round 7 (bench/README.md "Related round 7": the pool discount, the
candidate-title share off, the lower lead bar, chosen on the development half of all three
corpora; the test half read once). The show rule now shows up to 3 links unless the
evidence is weak, so the quiet floors (and the EU shown-precision floor) set in rounds 1-6
no longer hold and were lowered to the measured figures, stated here and in the README:

- The US and UK corpora alone (the set of rounds 1-5, indexed without the EU corpus):
  measured precision@1 0.871, recall@3 0.955, MRR 0.923, quiet 0.415 (rounds 1-5: 0.839 /
  0.948 / 0.909, quiet 0.619, floor 0.61), one related update without a link; plain BM25
  0.548 / 0.852 / 0.712.
- The whole set, the EU corpus among its candidates: 0.745 / 0.873 / 0.825, quiet 0.384
  (round 6: 0.691 / 0.829 / 0.779, quiet 0.701, floor 0.70), 3 related updates without a link
  (21); plain BM25 0.660 / 0.853 / 0.770. The EU corpus apart: 0.698 / 0.833 / 0.785, quiet
  0.416 (0.844, floor 0.84), shown precision 0.351 (0.633, floor 0.63), 3 without a link
  (20); plain BM25 0.746 / 0.857 / 0.812: still below it on the EU corpus.

Round 8 (bench/README.md "Related round 8": slashed case and file numbers as identifiers,
chosen on the development half; the test half read once after the merge): the test half's
ranks did not move (0.745 / 0.873 / 0.825 whole, 0.698 / 0.833 / 0.785 EU, the same 3
unlinked); fewer hard negatives show a link, so three floors rise: quiet on the whole set
0.384 -> 0.397 (floor 0.38 -> 0.39), on the EU corpus 0.416 -> 0.455 (0.41 -> 0.45), the EU
shown precision 0.351 -> 0.363 (0.35 -> 0.36).

Round 18 (bench/README.md "Related round 18": a slashed identifier shared only where written
as one and counted by the items that write it; a leading group of up to four shows its best
three; both chosen on the development half and on a local set of the acceptance's shape, the
test half read twice, see there): whole set 0.745 / 0.879 / 0.828 (as alerts show them 0.755
/ 0.836 / 0.801), quiet 0.397 as before, the same 3 unlinked; EU 0.698 / 0.841 / 0.789, quiet
0.455, shown precision 0.379. No floor moved."""

from __future__ import annotations

import pytest

from bench.related_eval import EVAL_SET, FIRST_CORPORA, Bench, load


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
    assert (len(dev), len(test)) == (316, 318)  # fixed: the split is made once, not redrawn
    assert sum(1 for c in test if c["related"]) == 94
    # by time within each corpus; the US and UK halves are those of rounds 1-5
    for corpus, halves, answered in (
        ("us-fr", (82, 83), 18),
        ("uk-govuk", (94, 95), 13),
        ("eu-gdprhub", (140, 140), 63),
    ):
        mine_dev = [c for c in dev if c["corpus"] == corpus]
        mine_test = [c for c in test if c["corpus"] == corpus]
        assert (len(mine_dev), len(mine_test)) == halves
        assert sum(1 for c in mine_test if c["related"]) == answered
        assert max((c["date"], c["id"]) for c in mine_dev) < min((c["date"], c["id"]) for c in mine_test)
    first = load(EVAL_SET, FIRST_CORPORA)
    assert (len(first["changes"]), len(first["candidates"])) == (354, 1568)


def test_the_eu_corpus_is_labelled_from_links_and_its_hard_negatives_share_a_regulator():
    data = load(EVAL_SET, ("eu-gdprhub",))
    eu = data["changes"]
    for change in eu:
        assert change["source"].startswith("eu-dpa-"), change["id"]
        for other in change["related"]:
            assert change["evidence"][other].startswith(("links to: ", "linked from: ")), change["id"]
    by_source: dict[str, list[dict]] = {}
    for change in eu:
        by_source.setdefault(change["source"], []).append(change)
    without = [c for c in eu if not c["related"]]
    assert len(without) >= 100
    for change in without:  # another decision of an authority that has a related update
        assert any(c["related"] for c in by_source[change["source"]]), change["id"]


@pytest.fixture(scope="module")
def first_bench(tmp_path_factory):
    """The US and UK corpora alone: the index rounds 1-5 measured."""
    bench = Bench(load(EVAL_SET, FIRST_CORPORA), tmp_path_factory.mktemp("eval") / "first.db")
    yield bench
    bench.close()


@pytest.fixture(scope="module")
def test_half(first_bench):
    from watcher.related.values import Ranking

    return first_bench.evaluate(Ranking(), "test").figures(), first_bench.evaluate_bm25("test").figures()


def test_test_half_floors_and_plain_bm25(test_half):
    ours, bm25 = test_half
    assert ours["precision@1"] >= 0.86, ours
    assert ours["precision@1"] >= bm25["precision@1"], (ours, bm25)
    assert ours["recall@3"] >= 0.95, ours
    assert ours["MRR"] >= 0.92, ours
    assert ours["MRR"] > bm25["MRR"], (ours, bm25)
    # Fewer than three links when the evidence is weak: template notices of the same agency
    # (the hard negatives) stay quiet less often since round 7 (0.619 -> 0.415); one related
    # update goes without a link (see the strict expected failure below).
    assert ours["quiet"] >= 0.41, ours
    assert ours["zero-link"] <= 1, ours
    assert ours["shown precision"] >= 2 * bm25["shown precision"], (ours, bm25)


def test_target_recall_at_3_beats_plain_bm25_by_a_tenth(test_half):
    """Reached in round 7, narrowly (0.955 vs 0.852 + 0.10)."""
    ours, bm25 = test_half
    assert ours["recall@3"] >= bm25["recall@3"] + 0.10, (ours, bm25)


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached on the test half: MRR 0.923")
def test_target_mrr(test_half):
    ours, _ = test_half
    assert ours["MRR"] >= 0.95, ours


@pytest.mark.xfail(
    strict=True, reason="issue 17 target not reached on the test half: 1 related update unlinked"
)
def test_target_no_related_update_without_a_link(test_half):
    ours, _ = test_half
    assert ours["zero-link"] == 0, ours


@pytest.fixture(scope="module")
def whole_test_half(tmp_path_factory):
    """The whole set's test half, the EU corpus among the candidates: (ranking, plain BM25,
    the EU updates' ids)."""
    from watcher.related.values import Ranking

    data = load(EVAL_SET)
    bench = Bench(data, tmp_path_factory.mktemp("eval") / "whole.db")
    try:
        ours, bm25 = bench.evaluate(Ranking(), "test"), bench.evaluate_bm25("test")
    finally:
        bench.close()
    eu = {c["id"] for c in data["changes"] if c["corpus"] == "eu-gdprhub" and c["split"] == "test"}
    return ours, bm25, eu


def test_whole_set_test_half_floors_and_plain_bm25(whole_test_half):
    report, bm25_report, _ = whole_test_half
    ours, bm25 = report.figures(), bm25_report.figures()
    assert ours["precision@1"] >= 0.74, ours
    assert ours["precision@1"] >= bm25["precision@1"], (ours, bm25)
    assert ours["recall@3"] >= 0.87, ours
    assert ours["recall@3"] >= bm25["recall@3"], (ours, bm25)
    assert ours["MRR"] >= 0.82, ours
    assert ours["MRR"] >= bm25["MRR"], (ours, bm25)
    assert ours["quiet"] >= 0.39, ours  # round 6: 0.701 (floor 0.70); round 7: 0.384
    assert ours["zero-link"] <= 3, ours
    assert ours["shown precision"] >= 2 * bm25["shown precision"], (ours, bm25)


def test_eu_corpus_test_half_floors(whole_test_half):
    """GDPRhub pages (their development half tuned on since round 7): the linking shows up
    to 3 links unless the evidence is weak (shown precision twice plain BM25's, quiet on
    about 40% of hard negatives) but still ranks below plain BM25 (see the strict expected
    failures below)."""
    report, bm25_report, eu = whole_test_half
    ours, bm25 = report.only(eu).figures(), bm25_report.only(eu).figures()
    assert ours["precision@1"] >= 0.69, ours
    assert ours["recall@3"] >= 0.83, ours
    assert ours["MRR"] >= 0.78, ours
    assert ours["quiet"] >= 0.45, ours  # round 6: 0.844 (floor 0.84); round 7: 0.416
    assert ours["zero-link"] <= 3, ours
    assert ours["shown precision"] >= 0.36, ours  # round 6: 0.633 (floor 0.63); round 7: 0.351
    assert ours["shown precision"] >= 2 * bm25["shown precision"], (ours, bm25)


@pytest.mark.xfail(
    strict=True, reason="issue 17 target not reached on the whole test half: 0.879 vs 0.853 + 0.10"
)
def test_target_whole_set_recall_at_3_beats_plain_bm25_by_a_tenth(whole_test_half):
    report, bm25_report, _ = whole_test_half
    assert report.recall_at_3 >= bm25_report.recall_at_3 + 0.10


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached on the whole test half: MRR 0.828")
def test_target_whole_set_mrr(whole_test_half):
    assert whole_test_half[0].mrr >= 0.95


@pytest.mark.xfail(strict=True, reason="issue 17 target not reached on the whole test half: 3 unlinked")
def test_target_whole_set_no_related_update_without_a_link(whole_test_half):
    assert whole_test_half[0].zero_link == 0


@pytest.mark.xfail(strict=True, reason="EU corpus, test half: precision@1 0.698, plain BM25 0.746")
def test_target_eu_precision_at_1_at_least_plain_bm25(whole_test_half):
    report, bm25_report, eu = whole_test_half
    assert report.only(eu).precision_at_1 >= bm25_report.only(eu).precision_at_1


@pytest.mark.xfail(strict=True, reason="EU corpus, test half: recall@3 0.841 vs plain BM25 0.857 + 0.10")
def test_target_eu_recall_at_3_beats_plain_bm25_by_a_tenth(whole_test_half):
    report, bm25_report, eu = whole_test_half
    assert report.only(eu).recall_at_3 >= bm25_report.only(eu).recall_at_3 + 0.10


@pytest.mark.xfail(strict=True, reason="EU corpus, test half: MRR 0.789")
def test_target_eu_mrr(whole_test_half):
    report, _, eu = whole_test_half
    assert report.only(eu).mrr >= 0.95


@pytest.mark.xfail(strict=True, reason="EU corpus, test half: 3 of 63 related updates unlinked")
def test_target_eu_no_related_update_without_a_link(whole_test_half):
    report, _, eu = whole_test_half
    assert report.only(eu).zero_link == 0


def test_links_that_clearly_lead_are_shown_below_the_threshold(first_bench):
    """The lead rule (chosen on the development half): a few candidates far ahead of the
    rest are shown although they score under the threshold, so fewer related updates go
    without a link; template notices, which match many items about equally, mostly stay
    quiet. Round 7 lowered the bar (lead 1.3 -> 1.15, floor 0.5 -> 0.3: show up to 3 unless
    the evidence is weak), trading shown precision (US/UK dev 0.254 without the rule, 0.192
    with it) and quiet (0.830 -> 0.517) for shown recall (0.408 -> 0.730; zero-link 16 -> 4)."""
    from watcher.related.values import Ranking

    with_lead = first_bench.evaluate(Ranking(), "dev").figures()
    without = first_bench.evaluate(Ranking(lead=0.0), "dev").figures()
    assert with_lead["zero-link"] <= without["zero-link"] - 10, (with_lead, without)
    assert with_lead["shown recall"] >= without["shown recall"] + 0.25, (with_lead, without)
    assert with_lead["quiet"] >= 0.5, with_lead


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


def test_whole_set_test_half_as_alerts_show_it(whole_test_half):
    """The figures of the links alerts show, as the issue's acceptance scored them "from what
    reaches Slack" (an alert that shows no link scores 0; plain BM25 always shows its best 3).
    Read once, after related round 9 merged: 0.745 / 0.831 / 0.791 against BM25's 0.660 /
    0.853 / 0.761 — the show rule's hidden links cost recall@3 below BM25's (see the strict
    expected failure below)."""
    report, bm25_report, _ = whole_test_half
    ours, bm25 = report.figures(), bm25_report.figures()
    assert ours["slack P@1"] >= 0.74, ours
    assert ours["slack P@1"] >= bm25["slack P@1"], (ours, bm25)
    assert ours["slack R@3"] >= 0.83, ours
    assert ours["slack MRR"] >= 0.79, ours
    assert ours["slack MRR"] >= bm25["slack MRR"], (ours, bm25)
    # plain BM25 shows its best 3 always: the same both ways
    assert (bm25["slack P@1"], bm25["slack R@3"]) == (bm25["precision@1"], bm25["recall@3"])


@pytest.mark.xfail(
    strict=True,
    reason="issue 17 target not reached on the whole test half, as shown: recall@3 0.836 vs 0.853 + 0.10",
)
def test_target_whole_set_shown_recall_at_3_beats_plain_bm25_by_a_tenth(whole_test_half):
    report, bm25_report, _ = whole_test_half
    assert report.slack_recall_at_3 >= bm25_report.slack_recall_at_3 + 0.10


@pytest.mark.xfail(
    strict=True, reason="issue 17 target not reached on the whole test half, as shown: MRR 0.801"
)
def test_target_whole_set_shown_mrr(whole_test_half):
    assert whole_test_half[0].slack_mrr >= 0.95
