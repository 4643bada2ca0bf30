"""Case and file numbers as identifiers (identifiers._SLASHED): a decision and the ruling on
its appeal share the decision's number ("Datatilsynet (Norway) - 20/02375" and the appeal
board's "Personvernnemda (Norway) - 2022-03 (20/02375)"), however the authority writes it;
its weight comes from the index (a rare number weighs much, "06/2019" little), no list of
authorities. Real GDPRhub pages of the evaluation set's development half."""

from __future__ import annotations

from bench.related_eval import EVAL_SET, Bench, load
from watcher.related.values import Ranking


def test_an_appeal_that_quotes_the_decision_number_comes_first(tmp_path):
    data = load(EVAL_SET, ("eu-gdprhub",))
    bench = Bench(data, tmp_path / "eu.db")
    try:
        update = next(c for c in data["changes"] if c["id"] == "Datatilsynet (Norway) - 20/02375")
        assert update["split"] == "dev"
        ranked, reasons = bench.rank_change(update, Ranking())
    finally:
        bench.close()
    first, _, shown = ranked[0]
    assert first == "Personvernnemda (Norway) - 2022-03 (20/02375)"
    assert shown
    assert "same case 20/02375" in reasons[0]
