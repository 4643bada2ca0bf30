"""The development half linked in a large history: does linking hold up as the index grows?

    python bench/related_scale.py --db /tmp/bench.db            # build it with related_bench.py
    python bench/related_scale.py --db /tmp/bench.db --off topical --off spread

Links every development-half update (never the test half) in the bench database of
`bench/related_bench.py` (100,000 synthetic items + the evaluation set's candidates) and
in a fresh index of the set alone, and prints the figures of both beside each other, each
corpus apart, and how alike the two rankings are per update (same best link, overlap of
the best 3, same shown links). `--off NAME` turns a boolean or count setting of `Ranking`
off (`topical`, `spread`, `body_phrases`, ...).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import FIGURES, Bench, Report, _row, changes_of, load  # noqa: E402
from watcher.related.linking import Ranking  # noqa: E402

SPLIT = "dev"  # the test half is never linked here


def run(path: Path, data: dict, ranking: Ranking) -> tuple[Report, dict[str, tuple[list[str], set[str]]]]:
    bench = Bench(data, path)
    report, lists = Report(), {}
    try:
        for change in changes_of(data, SPLIT):
            ranked, reasons = bench.rank_change(change, ranking)
            report.results.append(bench._result(change, ranked, reasons))
            lists[change["id"]] = ([r[0] for r in ranked[:3]], {r[0] for r in ranked if r[2]})
    finally:
        bench.close()
    return report, lists


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="the bench database (related_bench.py --db)")
    parser.add_argument("--off", action="append", default=[], help="a Ranking setting to turn off")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist: build it with bench/related_bench.py --db {args.db}")
    defaults = Ranking()
    changes = {name: type(getattr(defaults, name))() for name in args.off}  # False / 0 / ""
    ranking = dataclasses.replace(defaults, **changes)
    data = load()
    with tempfile.TemporaryDirectory() as tmp:
        small, small_lists = run(Path(tmp) / "small.db", data, ranking)
    large, large_lists = run(args.db, data, ranking)
    print(f"development half, ranking {changes or 'defaults'}")
    print(f"{'index':<30} " + " ".join(f"{k[:9]:>9}" for k in FIGURES))
    corpora = sorted({c.get("corpus", "") for c in changes_of(data, SPLIT)})
    for name, report in (("set alone", small), ("large history", large)):
        print(_row(name, report))
        for corpus in corpora:
            ids = {c["id"] for c in changes_of(data, SPLIT) if c.get("corpus", "") == corpus}
            print(_row(f"  {corpus}", report.only(ids)))
    n = len(small_lists)
    top1 = sum(small_lists[k][0][:1] == large_lists[k][0][:1] for k in small_lists) / n
    top3 = (
        sum(
            len(set(small_lists[k][0]) & set(large_lists[k][0])) / max(len(small_lists[k][0]), 1)
            for k in small_lists
        )
        / n
    )
    shown = sum(small_lists[k][1] == large_lists[k][1] for k in small_lists) / n
    print(
        f"alike per update: same best link {top1:.3f}, best-3 overlap {top3:.3f},"
        f" same shown links {shown:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
