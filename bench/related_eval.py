"""Measure related-article linking on the evaluation set: precision@1, recall@3, MRR.

    python bench/related_eval.py              # the figures for the default ranking
    python bench/related_eval.py --ablation   # and what each part of the ranking adds
    python bench/related_eval.py -v           # every change with its top 3 (+ = a right answer)

The set (tests/related/eval_set.toml, see its SOURCE.md) is indexed in a real SQLite
database through the real Store (candidates as items of their sources, each change as a
real change whose new item carries the document's text, or a page edit), and linked with
the real `watcher.related.linking.link_change`. Each change is removed from the index after it is
linked, so changes never answer each other.

Figures (changes with at least one right answer):
- precision@1: the best link is a right answer;
- recall@3: share of the right answers among the best 3 links;
- MRR: mean of 1 / rank of the first right answer (0 when none is linked);
- shown precision / recall: of the links alerts would show (above the threshold, best 3);
- quiet: share of changes with no right answer for which nothing is shown.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from watcher.check.sourcehealth import HealthPolicy  # noqa: E402
from watcher.db.store import Store  # noqa: E402
from watcher.model import Change, FetchResult, Item, Snapshot, Source  # noqa: E402
from watcher.related.linking import Link, Ranking, link_change  # noqa: E402

FIGURES = ("precision@1", "recall@3", "MRR", "shown precision", "shown recall", "quiet")
DEFAULT = Ranking()
EVAL_SET = ROOT / "tests" / "related" / "eval_set.toml"

ABLATIONS: dict[str, Ranking] = {
    "full ranking": Ranking(),
    "BM25 only (no rerank)": Ranking(rerank=False),
    "BM25 only, plain words": Ranking(
        rerank=False, identifiers=False, acts=False, phrases=False, idf_words=False
    ),
    "- identifiers": Ranking(identifiers=False),
    "- named acts": Ranking(acts=False),
    "- title phrases": Ranking(phrases=False),
    "- idf word choice": Ranking(idf_words=False),
    "- title bonus": Ranking(title_bonus=False),
    "- candidate title share": Ranking(title_coverage=""),
    "candidate title share by idf": Ranking(title_coverage="idf"),
    "- date decay": Ranking(date_decay=False),
}


@dataclass
class Result:
    change_id: str
    relevant: list[str]
    ranked: list[tuple[str, float, bool]]  # (candidate id, score, shown)
    title: str = ""
    terms: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def answered(self) -> list[Result]:
        return [r for r in self.results if r.relevant]

    @property
    def precision_at_1(self) -> float:
        rs = self.answered
        return sum(1 for r in rs if r.ranked and r.ranked[0][0] in r.relevant) / len(rs)

    @property
    def recall_at_3(self) -> float:
        rs = self.answered
        return sum(
            len({c for c, _, _ in r.ranked[:3]} & set(r.relevant)) / len(r.relevant) for r in rs
        ) / len(rs)

    @property
    def mrr(self) -> float:
        total = 0.0
        for r in self.answered:
            for position, (candidate, _, _) in enumerate(r.ranked, start=1):
                if candidate in r.relevant:
                    total += 1.0 / position
                    break
        return total / len(self.answered)

    @property
    def shown_precision(self) -> float:
        shown = [(r, c) for r in self.results for c, _, s in r.ranked if s]
        return sum(1 for r, c in shown if c in r.relevant) / len(shown) if shown else 1.0

    @property
    def shown_recall(self) -> float:
        rs = self.answered
        return sum(
            len({c for c, _, s in r.ranked if s} & set(r.relevant)) / min(len(r.relevant), 3) for r in rs
        ) / len(rs)

    @property
    def quiet(self) -> float:
        rs = [r for r in self.results if not r.relevant]
        return sum(1 for r in rs if not any(s for _, _, s in r.ranked)) / len(rs) if rs else 1.0

    def figures(self) -> dict[str, float]:
        return {
            "precision@1": self.precision_at_1,
            "recall@3": self.recall_at_3,
            "MRR": self.mrr,
            "shown precision": self.shown_precision,
            "shown recall": self.shown_recall,
            "quiet": self.quiet,
        }


def load(path: Path = EVAL_SET) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _moment(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC) + timedelta(hours=12)


def _source(source_id: str, role: str = "related", kind: str = "listing") -> Source:
    return Source(id=source_id, url=f"https://{source_id}.example.org/", kind=kind, name=source_id, role=role)


def _fetched(source: Source) -> FetchResult:
    return FetchResult(url=source.url, final_url=source.url, status=200)


class Bench:
    """The evaluation set indexed in a real Store; link each change with any ranking."""

    def __init__(self, data: dict, path: Path) -> None:
        self.data = data
        self.store = Store(path)
        self.sources: dict[str, Source] = {}
        candidates = data["candidates"]
        for candidate in candidates:
            self.sources.setdefault(candidate["source"], _source(candidate["source"]))
        for change in data["changes"]:
            kind = change.get("kind", "listing")
            self.sources.setdefault(change["source"], _source(change["source"], "watch", kind))
        indexed_at = _moment("2026-01-01")
        self.store.sync_sources(list(self.sources.values()), indexed_at)
        by_source: dict[str, list[Item]] = {}
        for candidate in candidates:
            by_source.setdefault(candidate["source"], []).append(
                Item(
                    key=candidate["id"],
                    title=candidate["title"],
                    link=f"https://{candidate['source']}.example.org/{candidate['id']}",
                    date=candidate["date"],
                    summary=" ".join(candidate.get("text", "").split()),
                )
            )
        for source_id, items in by_source.items():
            source = self.sources[source_id]
            self.store.save_baseline(
                source,
                _fetched(source),
                Snapshot(items=tuple(items)),
                indexed_at,
                duration=0.0,
                body_hash="",
                config_hash="",
                health=HealthPolicy(),
            )

    def close(self) -> None:
        self.store.close()

    def link(self, change: dict, ranking: Ranking) -> list[Link]:
        """Store the change as a real change (its document followed), link it, then remove it."""
        change_id, item_ids = self.store_change(change)
        try:
            return link_change(self.store.db, change_id, ranking=ranking)
        finally:
            self.remove_items(item_ids)

    def store_change(self, change: dict) -> tuple[int, list[int]]:
        """Save one evaluation change through Store.save_change; returns its id and new item ids."""
        source = self.sources[change["source"]]
        page = change.get("kind") == "page"
        detected = _moment(change.get("detected") or change["date"]) + (
            timedelta(0) if page else timedelta(days=1)
        )
        if page:
            lines = tuple(line for line in change["text"].splitlines() if line.strip())
            record = Change(
                source.id, before="", after="", diff=(f"@@ {change['title']}", *lines), summary="edit"
            )
            snapshot = Snapshot(blocks=(change["id"],))
        else:
            item = Item(
                key=change["id"],
                title=change["title"],
                link=f"https://{source.id}.example.org/{change['id']}",
                date=change["date"] or None,
            )
            record = Change(source.id, before="", after="", added=(item,), summary="1 new item")
            snapshot = Snapshot(items=(item,))
        outcome = self.store.save_change(
            source,
            _fetched(source),
            snapshot,
            record,
            (),
            detected,
            duration=0.0,
            body_hash="",
            config_hash="",
            health=HealthPolicy(),
        )
        assert outcome.change_id is not None
        items = self.store.change_items(outcome.change_id)
        for item in items:
            self.store.set_item_text(item.id, change["text"], detected)
        return outcome.change_id, [item.id for item in items]

    def remove_items(self, item_ids: list[int]) -> None:
        with self.store.db.atomic():
            for item_id in item_ids:
                self.store.db.execute("DELETE FROM items WHERE id = ?", [item_id])

    def evaluate(self, ranking: Ranking = DEFAULT) -> Report:
        report = Report()
        for change in self.data["changes"]:
            links = self.link(change, ranking)
            key = "" if change.get("kind") == "page" else change["id"]
            ranked = [
                (link.link.rsplit("/", 1)[1], link.score, link.shown)
                for link in links
                if link.item_key == key
            ]
            terms = [link.terms for link in links if link.item_key == key]
            report.results.append(
                Result(change["id"], list(change["related"]), ranked, change["title"], terms)
            )
        return report


def evaluate(ranking: Ranking = DEFAULT, *, path: Path = EVAL_SET, workdir: Path | None = None) -> Report:
    """Index the set in a fresh SQLite file and evaluate one ranking."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        bench = Bench(load(path), Path(tmp) / "eval.db")
        try:
            return bench.evaluate(ranking)
        finally:
            bench.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ablation", action="store_true", help="also measure the ranking without each part")
    parser.add_argument("--threshold", type=float, default=None, help="override the shown threshold")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each change's top 3")
    args = parser.parse_args(argv)
    data = load()
    print(
        f"evaluation set: {len(data['changes'])} changes "
        f"({sum(1 for c in data['changes'] if c['related'])} with related articles), "
        f"{len(data['candidates'])} candidate articles"
    )
    base = Ranking()
    if args.threshold is not None:
        base = replace(base, threshold=args.threshold)
    variants = {"full ranking": base}
    if args.ablation:
        variants.update(
            {k: replace(v, threshold=base.threshold) for k, v in ABLATIONS.items() if k != "full ranking"}
        )
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(data, Path(tmp) / "eval.db")
        try:
            print(f"{'ranking':<26} " + " ".join(f"{k:>15}" for k in FIGURES))
            for name, ranking in variants.items():
                report = bench.evaluate(ranking)
                print(f"{name:<26} " + " ".join(f"{v:>15.3f}" for v in report.figures().values()))
                if args.verbose and name == "full ranking":
                    verbose = report
        finally:
            bench.close()
    if args.verbose:
        for result in verbose.results:
            print(f"\n{result.change_id}: {result.title[:90]}")
            for (candidate, score, shown), terms in zip(result.ranked[:3], result.terms, strict=False):
                mark = "+" if candidate in result.relevant else "-"
                print(f"  {mark} {'*' if shown else ' '} {score:.3f} {candidate}  [{', '.join(terms)}]")
            missed = [c for c in result.relevant if c not in {r[0] for r in result.ranked[:3]}]
            if missed:
                print(f"    missed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
