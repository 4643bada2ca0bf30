"""Learned re-rankers and show rules over the recorded parts (related_cv_data.py), fitted and
chosen inside training folds only: logistic regression (plain gradient descent: ~1,000
rows, a dozen parts), reciprocal rank fusion, nested choice of a setting.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_cv_data import Row, Scorer, Update, report_of, splits  # noqa: E402
from bench.related_eval import Report, Result  # noqa: E402


@dataclass
class Model:
    names: tuple[str, ...]
    means: list[float]
    scales: list[float]
    weights: list[float]

    def __call__(self, parts: dict[str, float]) -> float:
        return sum(
            w * (parts[n] - m) / s
            for n, m, s, w in zip(self.names, self.means, self.scales, self.weights, strict=True)
        )


def _standardise(rows: list[dict[str, float]], names: Sequence[str]) -> tuple[list[float], list[float]]:
    means = [mean(r[n] for r in rows) for n in names]
    scales = [
        math.sqrt(mean((r[n] - m) ** 2 for r in rows)) or 1.0 for n, m in zip(names, means, strict=True)
    ]
    return means, scales


def fit(
    updates: Sequence[Update], names: Sequence[str], l2: float, pairwise: bool, steps: int = 400
) -> Model:
    """Logistic regression on the updates with a related candidate: pointwise (related or
    not) or pairwise (each related candidate against each wrong one of its update)."""
    rows = [r.parts for u in updates for r in u.rows]
    means, scales = _standardise(rows, names)

    def vec(parts: dict[str, float]) -> list[float]:
        return [(parts[n] - m) / s for n, m, s in zip(names, means, scales, strict=True)]

    xs: list[list[float]] = []
    ys: list[float] = []
    for update in updates:
        related = set(update.change["related"])
        if not related:
            continue
        good = [vec(r.parts) for r in update.rows if r.candidate in related]
        bad = [vec(r.parts) for r in update.rows if r.candidate not in related]
        if pairwise:
            for g in good:
                for b in bad:
                    xs.append([a - c for a, c in zip(g, b, strict=True)])
                    ys.append(1.0)
                    xs.append([c - a for a, c in zip(g, b, strict=True)])
                    ys.append(0.0)
        else:
            xs.extend(good + bad)
            ys.extend([1.0] * len(good) + [0.0] * len(bad))
    weights = [0.0] * len(names)
    bias = 0.0
    n = len(xs) or 1
    rate = 0.5
    for _ in range(steps):
        grad = [l2 * w / n for w in weights]
        gbias = 0.0
        for x, y in zip(xs, ys, strict=True):
            z = bias + sum(w * v for w, v in zip(weights, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            d = (p - y) / n
            gbias += d
            for j, v in enumerate(x):
                grad[j] += d * v
        weights = [w - rate * g for w, g in zip(weights, grad, strict=True)]
        bias -= rate * gbias
    return Model(tuple(names), means, scales, weights)


def rrf(names: Sequence[str], k: float = 5.0) -> Scorer:
    """Reciprocal rank fusion of the orders already recorded (parts named *_rr hold 1/(1+rank))."""

    def scorer(parts: dict[str, float]) -> float:
        return sum(1.0 / (k + 1.0 / parts[n] - 1.0) for n in names)

    return scorer


def cross_validate(
    updates: Sequence[Update], variant: tuple[tuple[str, ...], bool] | Scorer, k: int, l2: float, seed: int
) -> tuple[Report, list[Report], list[Model]]:
    """The variant's figures over all updates (each scored by weights fitted without its
    fold), each fold's, and the fitted models."""
    merged = Report()
    per_fold: list[Report] = []
    models: list[Model] = []
    for train, held in splits(updates, k, seed):
        if callable(variant):
            scorer: Scorer = variant
        else:
            names, pairwise = variant
            model = fit(train, names, l2, pairwise)
            models.append(model)
            scorer = model
        part = report_of(held, scorer)
        per_fold.append(part)
        merged.results.extend(part.results)
    in_order(merged, updates)
    return merged, per_fold, models


def in_order(report: Report, updates: Sequence[Update]) -> None:
    """Sort a report merged from held-out folds back into the updates' order."""
    order = {u.id: i for i, u in enumerate(updates)}
    report.results.sort(key=lambda r: order[r.change_id])


L2_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)


def objective(report: Report) -> float:
    """What a choice made on training folds maximises: MRR, less one update's worth for each
    related update left without a shown link (the issue's targets, MRR and no zero-link)."""
    n = len(report.answered) or 1
    return report.mrr - report.zero_link / n


def nested_lr(
    updates: Sequence[Update], names: Sequence[str], pairwise: bool, k: int, seed: int
) -> tuple[Report, list[float]]:
    """Logistic regression whose L2 strength is chosen by an inner cross-validation on the
    training folds only (MRR of the inner held-out folds), then fitted on all training folds."""
    merged = Report()
    chosen: list[float] = []
    for train, held in splits(updates, k, seed):
        best_l2, best = L2_GRID[0], -math.inf
        for l2 in L2_GRID:
            inner, _, _ = cross_validate(train, (tuple(names), pairwise), k - 1, l2, seed + 1)
            if inner.mrr > best + 1e-9:
                best_l2, best = l2, inner.mrr
        chosen.append(best_l2)
        merged.results.extend(report_of(held, fit(train, names, best_l2, pairwise)).results)
    in_order(merged, updates)
    return merged, chosen


def nested_choice(
    updates: Sequence[Update], configs: dict[str, Report], k: int, seed: int
) -> tuple[Report, list[str]]:
    """Per outer fold, the configuration whose training folds score best (`objective`), and
    its figures on the held-out fold: what choosing a setting on this half is worth."""
    merged = Report()
    chosen: list[str] = []
    for train, held in splits(updates, k, seed):
        train_ids, held_ids = {u.id for u in train}, {u.id for u in held}
        name = max(configs, key=lambda c: (objective(configs[c].only(train_ids)), c == next(iter(configs))))
        chosen.append(name)
        merged.results.extend(configs[name].only(held_ids).results)
    in_order(merged, updates)
    return merged, chosen


def with_shown(updates: Sequence[Update], extra: Callable[[Update, int, Row], bool]) -> Report:
    """The ranker's order; a link is shown when the ranker shows it or `extra` says so."""
    report = Report()
    for update in updates:
        ranked = [
            (r.candidate, r.parts["score"], r.shown or extra(update, i, r))
            for i, r in enumerate(update.rows[:10], 1)
        ]
        report.results.append(
            Result(update.id, list(update.change["related"]), ranked, update.change["title"], [])
        )
    return report


def fit_show(updates: Sequence[Update], names: Sequence[str], l2: float, top: int) -> Model:
    """Pointwise logistic regression over the best `top` rows of every update (related or not)."""
    pseudo = []
    for update in updates:
        pseudo.append(
            Update(
                {**update.change, "related": list(update.change["related"]) or ["\x00"]}, update.rows[:top]
            )
        )
    return fit(pseudo, names, l2, pairwise=False)


def net_gain(updates: Sequence[Update], model: Model, t: float, top: int) -> int:
    """Related links the rule adds to those shown, less the wrong ones it adds."""
    gain = 0
    for update in updates:
        related = set(update.change["related"])
        for r in update.rows[:top]:
            if not r.shown and model(r.parts) >= t:
                gain += 1 if r.candidate in related else -1
    return gain


def cross_validate_show(
    updates: Sequence[Update], names: Sequence[str], k: int, l2: float, seed: int, top: int
) -> tuple[Report, list[float]]:
    """A learned show rule, fitted and its threshold chosen (largest net gain on the training
    folds, none when no threshold gains) without the fold it is scored on."""
    merged = Report()
    chosen: list[float] = []
    for train, held in splits(updates, k, seed):
        model = fit_show(train, names, l2, top)
        values = sorted({model(r.parts) for u in train for r in u.rows[:top] if not r.shown})
        best_t, best = math.inf, 0
        for t in values:
            gain = net_gain(train, model, t, top)
            if gain > best:
                best_t, best = t, gain
        chosen.append(best_t)

        def rule(update: Update, position: int, row: Row, m: Model = model, t: float = best_t) -> bool:
            return position <= top and m(row.parts) >= t

        merged.results.extend(with_shown(held, rule).results)
    in_order(merged, updates)
    return merged, chosen
