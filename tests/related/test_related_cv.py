"""The cross-validation of bench/related_cv.py (related_cv_data.py, related_cv_learn.py): it
links only the development half, keeps copies of one page in one fold, and a setting chosen
for a fold is chosen without it."""

from __future__ import annotations

import pytest

from bench.related_cv_data import Row, Update, collect, folds, report_of
from bench.related_cv_learn import fit, nested_choice
from bench.related_eval import EVAL_SET, Report, Result, changes_of, load
from watcher.related.values import Ranking


@pytest.fixture(scope="module")
def dev_updates() -> list[Update]:
    return [Update(c) for c in changes_of(load(EVAL_SET), "dev")]


def test_copies_of_one_page_share_a_fold_and_folds_are_balanced(dev_updates):
    for seed in range(3):
        fold = folds(dev_updates, 5, seed)
        by_title: dict[str, set[int]] = {}
        for update, f in zip(dev_updates, fold, strict=True):
            by_title.setdefault(update.change["title"], set()).add(f)
        assert len(by_title["The national curriculum"]) == 1  # the page and its related-link-override copy
        assert len(by_title["Check your Council Tax band"]) == 1
        holtec = {f for u, f in zip(dev_updates, fold, strict=True) if u.change["title"].startswith("Holtec")}
        assert len(holtec) == 1  # documents of one proceeding: their titles differ by a comma
        answered = [
            sum(1 for u, g in zip(dev_updates, fold, strict=True) if g == f and u.change["related"])
            for f in range(5)
        ]
        assert sum(answered) == 88  # 29 US and UK, 59 EU related updates in the development half
        assert max(answered) - min(answered) <= 2  # groups dealt to the emptiest fold (up to 3 in one)


class _NoTestHalf:
    """A stand-in for related_eval.Bench that fails if a test-half update is linked."""

    def __init__(self) -> None:
        self.data = {
            "changes": [
                {"id": "d", "split": "dev", "title": "a", "text": "", "date": "2024-01-02", "related": []},
                {"id": "t", "split": "test", "title": "b", "text": "", "date": "2024-01-12", "related": []},
            ]
        }
        self.ids: dict[str, str] = {}
        self.linked: list[str] = []

    def rank_change(self, change: dict, ranking: Ranking) -> tuple[list, list]:
        assert change["split"] == "dev", "the test half was linked"
        self.linked.append(change["id"])
        return [], []


def test_only_the_development_half_is_linked():
    bench = _NoTestHalf()
    updates = collect(bench, Ranking())  # type: ignore[arg-type]
    assert [u.id for u in updates] == ["d"] and bench.linked == ["d"]


def _result(update_id: str, right: bool) -> Result:
    return Result(update_id, ["r"], [("r" if right else "x", 1.0, True)])


def test_a_setting_is_chosen_for_a_fold_without_that_fold(dev_updates):
    fold = folds(dev_updates, 5, 0)
    answered = [u for u in dev_updates if u.change["related"]]
    # "tuned" is right exactly on fold 0's updates and wrong elsewhere: chosen for fold 0 only
    # if fold 0 itself were looked at.
    plain = Report([_result(u.id, True) for u in answered])
    tuned = Report([_result(u.id, fold[dev_updates.index(u)] == 0) for u in answered])
    merged, chosen = nested_choice(dev_updates, {"plain": plain, "tuned": tuned}, 5, 0)
    assert chosen == ["plain"] * 5
    assert merged.precision_at_1 == 1.0


def test_learned_weights_follow_the_labels():
    # the ranker put the wrong one first (score); the labels say "a" marks the right one
    rows = [
        Row("r", {"a": 1.0, "b": 0.0, "score": 0.1}, False),
        Row("x", {"a": 0.0, "b": 1.0, "score": 0.9}, False),
    ]
    updates = [Update({"id": str(i), "title": "t", "related": ["r"]}, rows) for i in range(5)]
    model = fit(updates, ("a", "b"), l2=1.0, pairwise=True)
    assert model.weights[0] > 0 > model.weights[1]
    assert report_of(updates, model).precision_at_1 == 1.0
