"""Cross-validated re-rankers over the ranker's own parts, on the development half only.

    python bench/related_cv.py                # every variant, 5 folds by update (dev only)
    python bench/related_cv.py -v             # also what moved and fold 0's weights
    python bench/related_cv.py --nested       # learned re-rankers, L2 chosen inside the training folds
    python bench/related_cv.py --constants    # the ranker's BM25 weight x title share, chosen per fold
    python bench/related_cv.py --show         # learned show rules for links the ranker leaves unshown
    (--cache FILE keeps the linked updates between runs; --only NAME picks variants)

Each development update is linked once with the real ranker (`related_eval.Bench`, every
candidate kept), and the parts of each candidate's score are recorded (the feature share,
the candidate-title share, BM25, the date, rarity, identifiers, ...). A variant re-orders
each update's candidates by its own score; learned variants (logistic regression,
pointwise or pairwise) are fitted on four folds and scored on the fifth, so every figure
is of updates the weights never saw. Folds are drawn by update, grouped so that copies of
one page (the national curriculum and its related-link-override copy) and documents of
one proceeding stay in one fold, balanced over the updates with a related candidate.

The test half is never read: only `split == "dev"` updates are linked.
"""

from __future__ import annotations

import argparse
import math
import pickle
import random
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, Report, Result, changes_of, load, moment  # noqa: E402
from watcher.related import feedback as feedback_module  # noqa: E402
from watcher.related import linking as linking_module  # noqa: E402
from watcher.related.ranking import Candidate  # noqa: E402
from watcher.related.text import is_content_word, stems, words  # noqa: E402
from watcher.related.values import Feature, LinkTarget, Ranking  # noqa: E402

SPLIT = "dev"  # never "test"
KEEP = 60  # every candidate (25 + 10 topical + 10 feedback at most)

PARTS = (
    "score",  # the ranker's final score
    "share",  # matched feature weight / document feature weight (no title bonus)
    "title_share",  # content stems of the candidate's title found in the document
    "title_jaccard",  # title-to-title: shared content stems / union
    "bm25",  # bm25 / best bm25 among candidates
    "bm25_rr",  # 1 / (1 + rank by BM25)
    "score_rr",  # 1 / (1 + rank by the ranker's score)
    "years",  # |date - document date| in years, at most 1.5
    "rarity",
    "identifier_rarity",
    "proceeding",
    "phrases",  # matched phrases / document phrases
    "words",  # matched words / document words
)
#: Parts of a candidate's standing among its update's candidates (for show rules only).
STANDING = (
    "lead",  # its score / the score of the 4th candidate, at most 5
    "rank_rr",  # 1 / its rank in the ranker's order
)


@dataclass
class Row:
    candidate: str  # candidate id of the set
    parts: dict[str, float]
    shown: bool


@dataclass
class Update:
    change: dict
    rows: list[Row] = field(default_factory=list)  # the ranker's order

    @property
    def id(self) -> str:
        return str(self.change["id"])


class Recorder:
    """Wraps `ranking.score` where linking and feedback call it, to keep every scored
    candidate with the document's features."""

    def __init__(self) -> None:
        self.scored: list[tuple[list[Candidate], list[Feature], LinkTarget]] = []
        self._original = linking_module.score

    def __enter__(self) -> Recorder:
        def wrapped(db, candidates, feats, target, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.scored.append((candidates, feats, target))
            return self._original(db, candidates, feats, target, *args, **kwargs)

        linking_module.score = wrapped  # type: ignore[assignment]
        feedback_module.score = wrapped  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        linking_module.score = self._original
        feedback_module.score = self._original


def _content_stems(text: str) -> set[str]:
    tokens = [w for w in words(text) if is_content_word(w)]
    return set(stems(tokens).values()) if tokens else set()


def collect(bench: Bench, ranking: Ranking) -> list[Update]:
    """Link every development update once; each candidate's parts, in the ranker's order."""
    updates = []
    for change in changes_of(bench.data, SPLIT):
        with Recorder() as recorder:
            ranked, _ = bench.rank_change(change, replace(ranking, keep=KEEP))
        by_id: dict[str, tuple[Candidate, list[Feature], LinkTarget, float, int]] = {}
        for candidates, feats, target in recorder.scored:
            best = min(c.bm25 for c in candidates) or -1.0
            for position, c in enumerate(sorted(candidates, key=lambda c: (c.bm25, c.id)), 1):
                key = bench.ids.get(c.link, c.link)
                by_id.setdefault(key, (c, feats, target, best, position))
        doc_title = _content_stems(change["title"])
        maybe = set(change.get("maybe", ()))
        update = Update(change)
        fourth = ranked[3][1] if len(ranked) >= 4 else 0.0
        for score_rank, (key, value, shown) in enumerate(ranked, 1):
            if key in maybe or key not in by_id:
                continue
            c, feats, target, best, bm25_rank = by_id[key]
            total = sum(f.weight for f in feats) or 1.0
            labels = {id(f) for f in c.matched}
            matched = [f for f in feats if id(f) in labels]
            n_phrases = sum(1 for f in feats if f.kind == "phrase") or 1
            n_words = sum(1 for f in feats if f.kind == "word") or 1
            cand_title = _content_stems(c.title)
            union = doc_title | cand_title
            when = c.date or c.seen or ""
            years = 1.5
            if when[:10] and change["date"]:
                try:
                    years = min(abs((moment(when[:10]) - moment(change["date"])).days) / 365.0, 1.5)
                except ValueError:
                    pass
            update.rows.append(
                Row(
                    key,
                    {
                        "score": value,
                        "share": sum(f.weight for f in matched) / total,
                        "title_share": len(cand_title & _content_stems(f"{change['title']} {change['text']}"))
                        / len(cand_title)
                        if cand_title
                        else 0.0,
                        "title_jaccard": len(doc_title & cand_title) / len(union) if union else 0.0,
                        "bm25": c.bm25 / best,
                        "bm25_rr": 1.0 / (1 + bm25_rank),
                        "score_rr": 1.0 / (1 + score_rank),
                        "years": years,
                        "rarity": c.rarity,
                        "identifier_rarity": c.identifier_rarity,
                        "proceeding": 1.0 if c.proceeding else 0.0,
                        "phrases": sum(1 for f in matched if f.kind == "phrase") / n_phrases,
                        "words": sum(1 for f in matched if f.kind == "word") / n_words,
                        "lead": min(value / fourth, 5.0) if fourth > 0 else 5.0,
                        "rank_rr": 1.0 / score_rank,
                    },
                    shown,
                )
            )
        updates.append(update)
    return updates


def group_of(change: dict) -> str:
    """Copies of one page and documents of one proceeding share a group: their title's first
    five content words, without punctuation."""
    return " ".join([w for w in words(change["title"]) if is_content_word(w)][:5])


def folds(updates: Sequence[Update], k: int, seed: int = 0) -> list[int]:
    """A fold per update: groups dealt in a seeded random order, each to the fold holding the
    fewest so far, those with a related candidate first and counted apart (so each fold holds
    about as many of them)."""
    groups: dict[str, list[int]] = {}
    for index, update in enumerate(updates):
        groups.setdefault(group_of(update.change), []).append(index)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    keys.sort(key=lambda g: -len(groups[g]))  # stable: larger groups first, random among equals
    answered = [g for g in keys if any(updates[i].change["related"] for i in groups[g])]
    rest = [g for g in keys if g not in answered]
    fold = [0] * len(updates)
    for dealt in (answered, rest):
        held = [0] * k
        for g in dealt:
            f = min(range(k), key=lambda f: held[f])
            held[f] += len(groups[g])
            for i in groups[g]:
                fold[i] = f
    return fold


Scorer = Callable[[dict[str, float]], float]


def report_of(updates: Sequence[Update], scorer: Scorer | None) -> Report:
    """Figures of the updates re-ordered by `scorer` (None: the ranker's own order). Shown
    links keep the ranker's decision (a re-ranker moves them, it does not show more)."""
    report = Report()
    for update in updates:
        rows = list(update.rows)
        if scorer is not None:
            rows.sort(key=lambda r: -scorer(r.parts))
        ranked = [(r.candidate, r.parts["score"], r.shown) for r in rows[:10]]
        report.results.append(
            Result(update.id, list(update.change["related"]), ranked, update.change["title"], [])
        )
    return report


# --- logistic regression (plain gradient descent: ~1,000 rows, a dozen parts) ---------------


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


VARIANTS: dict[str, tuple[tuple[str, ...], bool] | Scorer] = {
    # fixed (no fitting): the same on every fold
    "RRF of BM25 and score orders": rrf(("bm25_rr", "score_rr")),
    "score + 0.3 title-to-title": lambda p: p["score"] + 0.3 * p["title_jaccard"],
    "score + 0.1 title-to-title": lambda p: p["score"] + 0.1 * p["title_jaccard"],
    # learned: (parts, pairwise)
    "LR pointwise, 4 parts": (("share", "title_share", "bm25", "years"), False),
    "LR pairwise, 4 parts": (("share", "title_share", "bm25", "years"), True),
    "LR pointwise, score + title-to-title": (("score", "title_jaccard"), False),
    "LR pairwise, score + title-to-title": (("score", "title_jaccard"), True),
    "LR pairwise, score + bm25 + title-to-title": (("score", "bm25", "title_jaccard"), True),
    "LR pointwise, all parts": (PARTS, False),
    "LR pairwise, all parts": (PARTS, True),
}


def cross_validate(
    updates: Sequence[Update], variant: tuple[tuple[str, ...], bool] | Scorer, k: int, l2: float, seed: int
) -> tuple[Report, list[Report], list[Model]]:
    """The variant's figures over all updates (each scored by weights fitted without its
    fold), each fold's, and the fitted models."""
    fold = folds(updates, k, seed)
    merged = Report()
    per_fold: list[Report] = []
    models: list[Model] = []
    for f in range(k):
        held = [u for u, g in zip(updates, fold, strict=True) if g == f]
        if callable(variant):
            scorer: Scorer = variant
        else:
            names, pairwise = variant
            model = fit([u for u, g in zip(updates, fold, strict=True) if g != f], names, l2, pairwise)
            models.append(model)
            scorer = model
        part = report_of(held, scorer)
        per_fold.append(part)
        merged.results.extend(part.results)
    order = {u.id: i for i, u in enumerate(updates)}
    merged.results.sort(key=lambda r: order[r.change_id])
    return merged, per_fold, models


FIGS = ("precision@1", "recall@3", "MRR", "AP@10")
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
    fold = folds(updates, k, seed)
    merged = Report()
    chosen: list[float] = []
    for f in range(k):
        train = [u for u, g in zip(updates, fold, strict=True) if g != f]
        held = [u for u, g in zip(updates, fold, strict=True) if g == f]
        best_l2, best = L2_GRID[0], -math.inf
        for l2 in L2_GRID:
            inner, _, _ = cross_validate(train, (tuple(names), pairwise), k - 1, l2, seed + 1)
            if inner.mrr > best + 1e-9:
                best_l2, best = l2, inner.mrr
        chosen.append(best_l2)
        merged.results.extend(report_of(held, fit(train, names, best_l2, pairwise)).results)
    order = {u.id: i for i, u in enumerate(updates)}
    merged.results.sort(key=lambda r: order[r.change_id])
    return merged, chosen


def nested_choice(
    updates: Sequence[Update], configs: dict[str, Report], k: int, seed: int
) -> tuple[Report, list[str]]:
    """Per outer fold, the configuration whose training folds score best (`objective`), and
    its figures on the held-out fold: what choosing a setting on this half is worth."""
    fold = folds(updates, k, seed)
    merged = Report()
    chosen: list[str] = []
    for f in range(k):
        train_ids = {u.id for u, g in zip(updates, fold, strict=True) if g != f}
        held_ids = {u.id for u, g in zip(updates, fold, strict=True) if g == f}
        name = max(configs, key=lambda c: (objective(configs[c].only(train_ids)), c == next(iter(configs))))
        chosen.append(name)
        merged.results.extend(configs[name].only(held_ids).results)
    order = {u.id: i for i, u in enumerate(updates)}
    merged.results.sort(key=lambda r: order[r.change_id])
    return merged, chosen


SHOW_FIGS = ("shown precision", "shown recall", "zero-link", "quiet")

SHOW_VARIANTS: dict[str, tuple[str, ...]] = {
    "score, lead": ("score", "lead"),
    "score, lead, rarity, title-to-title": ("score", "lead", "rarity", "title_jaccard"),
    "all parts and standing": PARTS + STANDING,
}


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
    fold = folds(updates, k, seed)
    merged = Report()
    chosen: list[float] = []
    for f in range(k):
        train = [u for u, g in zip(updates, fold, strict=True) if g != f]
        held = [u for u, g in zip(updates, fold, strict=True) if g == f]
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
    order = {u.id: i for i, u in enumerate(updates)}
    merged.results.sort(key=lambda r: order[r.change_id])
    return merged, chosen


def _fmt(report: Report) -> str:
    values = report.figures()
    return " ".join(f"{values[k]:>8.3f}" for k in FIGS) + f" {len(report.answered):>4}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3, help="fold draws (each figure: mean over them)")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--cache", type=Path, help="keep the linked development updates in this pickle")
    parser.add_argument("--only", default="", help="only variants whose name holds this")
    parser.add_argument("--show", action="store_true", help="learned show rules instead of re-rankers")
    parser.add_argument("--nested", action="store_true", help="learned re-rankers with L2 chosen inside")
    parser.add_argument(
        "--across", action="store_true", help="learned re-rankers fitted on one corpus, scored on the other"
    )
    parser.add_argument(
        "--constants",
        action="store_true",
        help="the real ranker's BM25 weight x title share, chosen per fold",
    )
    args = parser.parse_args(argv)
    if args.constants:
        return constants_main(args)
    if args.cache and args.cache.exists():
        updates = pickle.loads(args.cache.read_bytes())
    else:
        data = load()
        with tempfile.TemporaryDirectory() as tmp:
            bench = Bench(data, Path(tmp) / "eval.db")
            try:
                updates = collect(bench, Ranking())
            finally:
                bench.close()
        if args.cache:
            args.cache.write_bytes(pickle.dumps(updates))
    if args.show:
        return show_main(updates, args)
    if args.nested:
        return nested_main(updates, args)
    if args.across:
        return across_main(updates, args)
    base = report_of(updates, None)
    print(
        f"development half: {len(updates)} updates, {len(base.answered)} with related;"
        f" {args.folds} folds by update (grouped), {args.seeds} fold draws"
    )
    print(f"{'variant':<46} " + " ".join(f"{k[:8]:>8}" for k in FIGS) + "    n   fold-wise P@1 (first draw)")
    base_folds = [
        report_of([u for u, g in zip(updates, folds(updates, args.folds, 0), strict=True) if g == f], None)
        for f in range(args.folds)
    ]
    print(f"{'ranker (as is)':<46} {_fmt(base)}   " + " ".join(f"{r.precision_at_1:.2f}" for r in base_folds))
    for name, variant in VARIANTS.items():
        if args.only not in name:
            continue
        draws = [cross_validate(updates, variant, args.folds, args.l2, seed) for seed in range(args.seeds)]
        figures = {k: mean(d[0].figures()[k] for d in draws) for k in FIGS}
        cells = " ".join(f"{figures[k]:>8.3f}" for k in FIGS)
        first = draws[0]
        print(
            f"{name:<46} {cells} {len(first[0].answered):>4}   "
            + " ".join(f"{r.precision_at_1:.2f}" for r in first[1])
        )
        if args.verbose:
            _moved(base, first[0])
            for model in first[2][:1]:
                print(
                    "    weights (fold 0): "
                    + ", ".join(f"{n} {w:+.2f}" for n, w in zip(model.names, model.weights, strict=True))
                )
    return 0


def _cells(report: Report, keys: Sequence[str]) -> str:
    values = report.figures()
    return " ".join(f"{values[k]:>8.0f}" if k == "zero-link" else f"{values[k]:>8.3f}" for k in keys)


NESTED = {
    "LR pointwise, 4 parts": (("share", "title_share", "bm25", "years"), False),
    "LR pairwise, 4 parts": (("share", "title_share", "bm25", "years"), True),
    "LR pointwise, all parts": (PARTS, False),
}


def nested_main(updates: list[Update], args: argparse.Namespace) -> int:
    keys = ("precision@1", "recall@3", "MRR", "AP@10")
    print(f"nested CV ({args.folds} outer folds, L2 from {L2_GRID} by inner CV); per draw")
    print(f"{'variant':<40} {'draw':>4} " + " ".join(f"{k[:8]:>8}" for k in keys) + "   L2 per fold")
    base = report_of(updates, None)
    print(f"{'ranker (as is)':<40} {'':>4} {_cells(base, keys)}")
    for name, (names, pairwise) in NESTED.items():
        if args.only not in name:
            continue
        for seed in range(args.seeds):
            merged, chosen = nested_lr(updates, names, pairwise, args.folds, seed)
            print(f"{name:<40} {seed:>4} {_cells(merged, keys)}   {chosen}")
            if args.verbose:
                _moved(base, merged)
    return 0


def across_main(updates: list[Update], args: argparse.Namespace) -> int:
    """Fit on one corpus's development updates, score the other's: does a learned order carry
    over to material it never saw (Federal Register notices vs GOV.UK pages)?"""
    keys = ("precision@1", "recall@3", "MRR", "AP@10")
    corpora = sorted({u.change.get("corpus", "") for u in updates})
    print(
        f"{'variant (L2 ' + str(args.l2) + ')':<40} {'scored on':>9} " + " ".join(f"{k[:8]:>8}" for k in keys)
    )
    for corpus in corpora:
        mine = [u for u in updates if u.change.get("corpus", "") == corpus]
        print(f"{'ranker (as is)':<40} {corpus:>9} {_cells(report_of(mine, None), keys)}")
    for name, (names, pairwise) in NESTED.items():
        if args.only not in name:
            continue
        for corpus in corpora:
            train = [u for u in updates if u.change.get("corpus", "") != corpus]
            held = [u for u in updates if u.change.get("corpus", "") == corpus]
            merged = report_of(held, fit(train, names, args.l2, pairwise))
            print(f"{name:<40} {corpus:>9} {_cells(merged, keys)}")
            if args.verbose:
                _moved(report_of(held, None), merged)
    return 0


#: The real ranker's two mixing constants (ranking.BM25_WEIGHT, ranking.TITLE_SHARE).
CONSTANTS = [(bw, ts) for bw in (0.1, 0.2, 0.3, 0.5) for ts in (0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6)]


def constants_main(args: argparse.Namespace) -> int:
    """Link the development half with each pair of constants (real ranker, real show rules),
    then choose a pair per outer fold on the other folds (`objective`)."""
    from watcher.related import ranking as ranking_module

    data = load()
    saved = ranking_module.BM25_WEIGHT, ranking_module.TITLE_SHARE
    configs: dict[str, Report] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(data, Path(tmp) / "eval.db")
        try:
            for bw, ts in [saved] + [c for c in CONSTANTS if c != saved]:
                ranking_module.BM25_WEIGHT, ranking_module.TITLE_SHARE = bw, ts
                configs[f"bm25 {bw}, title share {ts}"] = bench.evaluate(Ranking(), SPLIT)
        finally:
            ranking_module.BM25_WEIGHT, ranking_module.TITLE_SHARE = saved
            bench.close()
    keys = ("precision@1", "recall@3", "MRR", "AP@10", "zero-link", "quiet", "shown precision")
    print(f"{'constants (whole development half)':<40} " + " ".join(f"{k[:8]:>8}" for k in keys))
    for name, report in configs.items():
        print(f"{name:<40} {_cells(report, keys)}")
    updates = [Update(c) for c in changes_of(data, SPLIT)]
    print(f"\nchosen per fold on the other {args.folds - 1} (objective: MRR - zero-link / related updates)")
    for seed in range(args.seeds):
        merged, chosen = nested_choice(updates, configs, args.folds, seed)
        print(
            f"{'draw ' + str(seed):<40} {_cells(merged, keys)}   "
            + "; ".join(c.replace("title share", "ts") for c in chosen)
        )
    return 0


def show_main(updates: list[Update], args: argparse.Namespace) -> int:
    base = report_of(updates, None)
    print(f"development half: {len(updates)} updates; show rules, {args.folds} folds, {args.seeds} draws")
    print(f"{'variant':<46} " + " ".join(f"{k[:8]:>8}" for k in SHOW_FIGS) + "   thresholds (first draw)")
    values = base.figures()
    print(f"{'ranker (as is)':<46} " + " ".join(f"{values[k]:>8.3f}" for k in SHOW_FIGS))
    for top in (1, 3):
        for name, names in SHOW_VARIANTS.items():
            draws = [
                cross_validate_show(updates, names, args.folds, args.l2, seed, top)
                for seed in range(args.seeds)
            ]
            figures = {k: mean(d[0].figures()[k] for d in draws) for k in SHOW_FIGS}
            print(
                f"{f'top {top}: {name}':<46} "
                + " ".join(f"{figures[k]:>8.3f}" for k in SHOW_FIGS)
                + "   "
                + " ".join("off" if math.isinf(t) else f"{t:.2f}" for t in draws[0][1])
            )
            if args.verbose:
                _shown_moved(base, draws[0][0])
    return 0


def _shown_moved(base: Report, other: Report) -> None:
    for a, b in zip(base.results, other.results, strict=True):
        sa = {c for c, _, s in a.ranked if s}
        sb = {c for c, _, s in b.ranked if s}
        for c in sorted(sb - sa):
            mark = "+" if c in b.relevant else "-"
            print(f"    {mark} {a.title[:50]!r} shows {c[:60]}")


def _moved(base: Report, other: Report) -> None:
    """Updates whose first related rank changed."""

    def first(r: Result) -> int:
        return next((i for i, (c, _, _) in enumerate(r.ranked, 1) if c in r.relevant), 99)

    for a, b in zip(base.answered, other.answered, strict=True):
        if first(a) != first(b):
            print(f"    {a.title[:60]!r}: first related {first(a)} -> {first(b)}")


if __name__ == "__main__":
    raise SystemExit(main())
