"""The ranker's quality floor on the evaluation set, through the real Store, SQLite and linking."""

from __future__ import annotations

from bench.related_eval import EVAL_SET, evaluate, load


def test_evaluation_set_is_big_enough_and_consistent():
    data = load(EVAL_SET)
    candidates = {c["id"] for c in data["candidates"]}
    assert len(data["changes"]) >= 30
    assert len(candidates) == len(data["candidates"]) >= 150
    assert sum(1 for c in data["changes"] if c["related"]) >= 30
    for change in data["changes"]:
        assert set(change["related"]) <= candidates, change["id"]


def test_ranking_quality_floor(tmp_path):
    report = evaluate(workdir=tmp_path)
    figures = report.figures()
    assert figures["precision@1"] >= 0.8, figures
    assert figures["recall@3"] >= 0.85, figures
    assert figures["MRR"] >= 0.85, figures
    # What alerts show must be mostly right, and changes with no answer show nothing.
    assert figures["shown precision"] >= 0.75, figures
    assert figures["quiet"] >= 0.66, figures
