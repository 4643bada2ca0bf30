"""What alerts show, show rule by show rule, on the development half only (related round 11).

    python bench/related_show.py [--cache FILE]       # the show rules' figures, per corpus
    python bench/related_show.py -v                   # also every zero-link and multi-related update

Each development update is linked once by the real ranker with the defaults (every candidate
kept, as `linking.shown_flags` receives them), and ranked by plain BM25
(`related_eval.Bench.evaluate_bm25`, best 10); then each show rule of `RULES` (Ranking
variants that differ only in the show rule: companions, `companion_own`) is applied by the
real `linking.shown_flags` to the same candidates. Figures as the issue's acceptance set
scores them, from what an alert shows (at most 3 links, maybe-labels dropped): slack P@1 /
R@3 / MRR of all related updates and of those with two or more related articles ("multi"),
related updates with no link shown (zero-link), hard negatives that show nothing (quiet),
shown precision and the number of links shown.

The test half is never read: only `split == "dev"` updates are linked.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, changes_of, load  # noqa: E402
from watcher.related import linking  # noqa: E402
from watcher.related.ranking import Candidate  # noqa: E402
from watcher.related.values import Ranking  # noqa: E402

SPLIT = "dev"  # never "test"
KEEP = 60


@dataclass
class Update:
    """One development update: every candidate the ranker scored (best first, maybe-labels
    included, as `linking.shown_flags` sees them) and plain BM25's best 10."""

    change: dict
    candidates: list[Candidate]
    ids: list[str]  # each candidate's id in the set
    bm25: list[tuple[str, float]]  # plain BM25's best 10 (maybe-labels dropped)

    @property
    def related(self) -> set[str]:
        return set(self.change["related"])

    @property
    def maybe(self) -> set[str]:
        return set(self.change.get("maybe", ()))


def capture(data: dict, ranking: Ranking) -> list[Update]:
    """Link every development update, keeping the scored candidates the show rule reads."""
    seen: dict[str, list[Candidate]] = {}
    current: list[str] = [""]
    original_rank, original_flags = linking.rank, linking.shown_flags

    def rank(db, target, **kwargs):  # type: ignore[no-untyped-def]
        current[0] = target.item_key
        return original_rank(db, target, **kwargs)

    def flags(candidates, ranking_):  # type: ignore[no-untyped-def]
        seen[current[0]] = list(candidates)
        return original_flags(candidates, ranking_)

    linking.rank, linking.shown_flags = rank, flags
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench = Bench(data, Path(tmp) / "eval.db")
            try:
                bench.evaluate(replace(ranking, keep=KEEP), SPLIT)
                plain = bench.evaluate_bm25(SPLIT)
                ids = bench.ids
            finally:
                bench.close()
    finally:
        linking.rank, linking.shown_flags = original_rank, original_flags
    out = []
    for change, theirs in zip(changes_of(data, SPLIT), plain.results, strict=True):
        assert change["split"] == SPLIT and theirs.change_id == change["id"]
        candidates = seen.get(change["id"], [])
        out.append(
            Update(
                change,
                candidates,
                [ids.get(c.link, c.link) for c in candidates],
                [(c, s) for c, s, _ in theirs.ranked],
            )
        )
    return out


def shown_ids(update: Update, ranking: Ranking) -> list[str]:
    """The links an alert shows with `ranking`'s show rule, maybe-labels dropped (at most 3)."""
    flags = linking.shown_flags(update.candidates, ranking)
    maybe = update.maybe
    return [i for i, shown in zip(update.ids, flags, strict=True) if shown and i not in maybe][:3]


def figures(updates: list[Update], ranking: Ranking) -> dict[str, float]:
    """Slack figures of a show rule: P@1 / R@3 / MRR of what alerts show (all related
    updates, and those with two or more related articles), zero-link, quiet, shown precision."""
    acc = dict.fromkeys(("p1", "r3", "mrr", "mp1", "mr3", "mmrr", "zero", "quiet", "right", "shown"), 0.0)
    answered = multi = negatives = 0
    for u in updates:
        shown = shown_ids(u, ranking)
        related = u.related
        acc["shown"] += len(shown)
        acc["right"] += sum(1 for c in shown if c in related)
        if not related:
            negatives += 1
            acc["quiet"] += not shown
            continue
        answered += 1
        first = next((k for k, c in enumerate(shown, 1) if c in related), None)
        values = (float(bool(shown) and shown[0] in related), len(set(shown) & related) / len(related))
        acc["p1"] += values[0]
        acc["r3"] += values[1]
        acc["mrr"] += 1 / first if first else 0.0
        acc["zero"] += not shown
        if len(related) >= 2:
            multi += 1
            acc["mp1"] += values[0]
            acc["mr3"] += values[1]
            acc["mmrr"] += 1 / first if first else 0.0
    n, m = answered or 1, multi or 1
    return {
        "slack P@1": acc["p1"] / n,
        "slack R@3": acc["r3"] / n,
        "slack MRR": acc["mrr"] / n,
        "multi P@1": acc["mp1"] / m,
        "multi R@3": acc["mr3"] / m,
        "multi MRR": acc["mmrr"] / m,
        "zero-link": acc["zero"],
        "quiet": acc["quiet"] / (negatives or 1),
        "shown prec": acc["right"] / (acc["shown"] or 1),
        "shown": acc["shown"],
    }


COLUMNS = (
    "slack P@1",
    "slack R@3",
    "slack MRR",
    "multi P@1",
    "multi R@3",
    "multi MRR",
    "zero-link",
    "quiet",
    "shown prec",
    "shown",
)
OFF = Ranking(companions=False)
#: Round 11's rule: companions, each with evidence of its own (off by default since the test half).
OWN = replace(OFF, companions=True)
#: The show rules measured (the scores are the defaults', only the show rule varies).
RULES: dict[str, Ranking] = {
    "companions off (before round 11)": OFF,
    "companions, no own evidence (round 10)": replace(OFF, companions=True, companion_own=0.0),
    **{
        f"companions, own evidence >= {own}": replace(OFF, companions=True, companion_own=own)
        for own in (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3)
    },
    "companions share 0.6, own evidence >= 0.1": replace(
        OFF, companions=True, companion_own=0.1, companion_share=0.6
    ),
    "defaults": Ranking(),
}


def row(name: str, values: dict[str, float]) -> str:
    cells = [f"{values[k]:>9.0f}" if k in ("zero-link", "shown") else f"{values[k]:>9.3f}" for k in COLUMNS]
    return f"{name:<44} " + " ".join(cells)


def print_update(u: Update) -> None:
    """An update's best 6: + related, ? maybe, - wrong; * shown by default, N shown only with
    round 11's companions (`OWN`)."""
    change, related = u.change, u.related
    print(f"\n{change['corpus']} {change['id']} ({change['date']}): {change['title'][:90]}")
    places = {c: k for k, c in enumerate(u.ids, 1)}
    print(
        "  related at: " + ", ".join(f"{places.get(r, '-')}" for r in sorted(related)), f"(of {len(u.ids)})"
    )
    before = linking.shown_flags(u.candidates, Ranking())
    now = linking.shown_flags(u.candidates, OWN)
    held = linking.feature_holders(u.candidates)
    bm = [c for c, _ in u.bm25]
    for k, (c, cid) in enumerate(zip(u.candidates[:6], u.ids, strict=False)):
        mark = "+" if cid in related else ("?" if cid in u.maybe else "-")
        own = linking.own_share(c, held, OWN.shown)
        at = bm.index(cid) + 1 if cid in bm else 0
        print(
            f"  {mark}{'*' if before[k] else ' '}{'N' if now[k] and not before[k] else ' '} {c.score:.3f}"
            f" rarity {c.rarity:.2f} own {own:.2f} bm25#{at or '-'} {c.title[:50]!r}"
            f" [{', '.join(f.label for f in c.matched[:6])}]"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="every zero-link and multi-related update"
    )
    parser.add_argument("--cache", type=Path, help="keep the linked development updates in this pickle")
    args = parser.parse_args(argv)
    if args.cache and args.cache.exists():
        updates = pickle.loads(args.cache.read_bytes())
    else:
        updates = capture(load(), Ranking())
        if args.cache:
            args.cache.write_bytes(pickle.dumps(updates))
    for corpus in ["all", *sorted({u.change["corpus"] for u in updates})]:
        part = [u for u in updates if corpus == "all" or u.change["corpus"] == corpus]
        print(
            f"\n{corpus}: {len(part)} updates, {sum(1 for u in part if u.related)} with related,"
            f" {sum(1 for u in part if len(u.related) >= 2)} with two or more"
        )
        print(f"{'show rule':<44} " + " ".join(f"{k[:9]:>9}" for k in COLUMNS))
        for name, ranking in RULES.items():
            print(row(name, figures(part, ranking)))
    if args.verbose:
        for u in updates:
            if u.related and (len(u.related) >= 2 or not shown_ids(u, OWN)):
                print_update(u)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
