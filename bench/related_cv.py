"""Cross-validated re-rankers over the ranker's own parts, on the development half only.

    python bench/related_cv.py                # every variant, 5 folds by update (dev only)
    python bench/related_cv.py -v             # also what moved and fold 0's weights
    python bench/related_cv.py --nested       # learned re-rankers, L2 chosen inside the training folds
    python bench/related_cv.py --constants    # the ranker's BM25 weight x title share, chosen per fold
    python bench/related_cv.py --show         # learned show rules for links the ranker leaves unshown
    (--cache FILE keeps the linked updates between runs; --only NAME picks variants)

Each development update is linked once with the real ranker and the parts of each
candidate's score are recorded (related_cv_data.py). A variant re-orders
each update's candidates by its own score; learned variants (logistic regression,
pointwise or pairwise) are fitted on four folds and scored on the fifth, so every figure
is of updates the weights never saw (related_cv_learn.py). Folds are drawn by update,
grouped (copies of one page and documents of one proceeding stay in one fold).

The test half is never read: only `split == "dev"` updates are linked.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_cv_data import PARTS, SPLIT, STANDING, Update, collect, report_of, splits  # noqa: E402
from bench.related_cv_learn import (  # noqa: E402
    L2_GRID,
    Scorer,
    cross_validate,
    cross_validate_show,
    fit,
    nested_choice,
    nested_lr,
    rrf,
)
from bench.related_eval import Bench, Report, Result, changes_of, load  # noqa: E402
from watcher.related.values import Ranking  # noqa: E402

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


FIGS = ("precision@1", "recall@3", "MRR", "AP@10")


SHOW_FIGS = ("shown precision", "shown recall", "zero-link", "quiet")


SHOW_VARIANTS: dict[str, tuple[str, ...]] = {
    "score, lead": ("score", "lead"),
    "score, lead, rarity, title-to-title": ("score", "lead", "rarity", "title_jaccard"),
    "all parts and standing": PARTS + STANDING,
}


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
    base_folds = [report_of(held, None) for _, held in splits(updates, args.folds, 0)]
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
