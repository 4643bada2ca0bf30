"""Measure related-article linking on the evaluation set, both halves, beside plain BM25.

    python bench/related_eval.py              # dev and test halves: ranking vs plain BM25
    python bench/related_eval.py --ablation   # what each part of the ranking adds (dev only)
    python bench/related_eval.py -v --split dev   # every update with its top 3 (+ right, ? maybe)

The set (tests/related/evalset/set.json, built by bench/related_set.py, see SOURCE.md
there) is indexed in a real SQLite database through the real Store: every candidate is an
item of its corpus's feed (`us-federal-register`, `uk-govuk`, `eu-gdprhub`; role "related"),
each update a real change of its agency's or authority's watched source whose new item
carries the document's text. `--corpora us-fr,uk-govuk` indexes and links only those
corpora (the set of rounds 1-5, before the EU corpus). Updates are linked
with the real `watcher.related.linking.link_change`, then removed from the index.

Protocol: candidates labelled *maybe* are dropped from every ranked list; candidates more
than 120 days older than the update are outside the ranking's window. Figures over the
updates with at least one related candidate:
- precision@1: the best link is related;
- recall@3: share of the related candidates among the best 3 links;
- MRR: mean of 1 / rank of the first related candidate (0 when none is linked);
- shown precision / recall: of the links alerts show (at most 3, above the threshold);
- slack P@1 / R@3 / MRR: precision@1, recall@3 and MRR of the links alerts show, as the
  issue's acceptance scored them "from what reaches Slack" (an update whose alert shows no
  link scores 0; recall is over every related candidate, as recall@3; plain BM25 shows its
  best 3 always, so its figures are the same both ways);
- zero-link: updates with a related candidate for which nothing is shown (target 0);
- quiet: share of updates with no related candidate for which nothing is shown;
- margin and AP@10 (mean average precision over the best 10): development diagnostics.
Plain BM25 is FTS5 bm25() over title, summary and text of the same index, queried with the
OR of every word of the update's title and text, the best 3 always shown.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from watcher.check.sourcehealth import HealthPolicy  # noqa: E402
from watcher.db.store import Store  # noqa: E402
from watcher.model import Change, FetchResult, Item, Snapshot, Source  # noqa: E402
from watcher.related.linking import Ranking, link_change  # noqa: E402
from watcher.related.text import words  # noqa: E402
from watcher.related.values import DEFAULT_RANKING  # noqa: E402

FIGURES = (
    "precision@1",
    "recall@3",
    "MRR",
    "slack P@1",
    "slack R@3",
    "slack MRR",
    "shown precision",
    "shown recall",
    "zero-link",
    "quiet",
    "margin",
    "AP@10",
)
EVAL_SET = ROOT / "tests" / "related" / "evalset" / "set.json"
SPLITS = ("dev", "test")
#: Each corpus of the set and the feed its candidates are items of.
CORPUS_FEEDS = {"us-fr": "us-federal-register", "uk-govuk": "uk-govuk", "eu-gdprhub": "eu-gdprhub"}
#: The set before the EU corpus was added (rounds 1-5 measured it): its floors stand on it.
FIRST_CORPORA = ("us-fr", "uk-govuk")

ABLATIONS: dict[str, Ranking] = {
    "ranking": Ranking(),
    "- identifiers": Ranking(identifiers=False),
    "- named acts": Ranking(acts=False),
    "- title phrases": Ranking(phrases=False),
    "- body key phrases": Ranking(body_phrases=0),
    "- topical phrases (2nd query)": Ranking(topical=0),
    "- topical title word": Ranking(topical_title=False),
    "- feedback (3rd query)": Ranking(feedback=0),
    "- common words told apart": Ranking(spread=False),
    "- proceeding rule": Ranking(proceeding_holders=0),
    "- date decay": Ranking(date_decay=False),
    "- rarity rule for shown links": Ranking(rarity=0.0),
    "+ rank fusion (RRF)": Ranking(fusion=True),
    "- candidate title share": Ranking(title_coverage=""),
    "+ candidate title share by idf": Ranking(title_coverage="idf"),
    "- lead rule for shown links": Ranking(lead=0.0),
    "- companions of a shown link": Ranking(companions=False),
    "- companions' own evidence": Ranking(companion_own=0.0),
    "+ another case's title a label": Ranking(title_label=True),
    "BM25 of salient features only": Ranking(rerank=False),
}


@dataclass
class Result:
    change_id: str
    relevant: list[str]
    ranked: list[tuple[str, float, bool]]  # (candidate id, score, shown), maybe-labels dropped
    title: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def answered(self) -> list[Result]:
        return [r for r in self.results if r.relevant]

    def _mean(self, values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    @property
    def precision_at_1(self) -> float:
        return self._mean([1.0 if r.ranked and r.ranked[0][0] in r.relevant else 0.0 for r in self.answered])

    @property
    def recall_at_3(self) -> float:
        return self._mean(
            [len({c for c, _, _ in r.ranked[:3]} & set(r.relevant)) / len(r.relevant) for r in self.answered]
        )

    @property
    def mrr(self) -> float:
        values = []
        for r in self.answered:
            first = next((i for i, (c, _, _) in enumerate(r.ranked, 1) if c in r.relevant), None)
            values.append(1.0 / first if first else 0.0)
        return self._mean(values)

    @staticmethod
    def _in_slack(result: Result) -> list[str]:
        """The links an alert shows, in their order (at most 3)."""
        return [c for c, _, s in result.ranked if s][:3]

    @property
    def slack_precision_at_1(self) -> float:
        """Precision@1 of the links an alert shows: 0 when it shows none."""
        return self._mean(
            [1.0 if (shown := self._in_slack(r)) and shown[0] in r.relevant else 0.0 for r in self.answered]
        )

    @property
    def slack_recall_at_3(self) -> float:
        """Share of the related candidates among the links an alert shows."""
        return self._mean(
            [len(set(self._in_slack(r)) & set(r.relevant)) / len(r.relevant) for r in self.answered]
        )

    @property
    def slack_mrr(self) -> float:
        """MRR over the links an alert shows: 0 when none of them is related."""
        values = []
        for r in self.answered:
            first = next((i for i, c in enumerate(self._in_slack(r), 1) if c in r.relevant), None)
            values.append(1.0 / first if first else 0.0)
        return self._mean(values)

    @property
    def shown_precision(self) -> float:
        shown = [(r, c) for r in self.results for c, _, s in r.ranked if s]
        return sum(1 for r, c in shown if c in r.relevant) / len(shown) if shown else 1.0

    @property
    def shown_recall(self) -> float:
        return self._mean(
            [
                len({c for c, _, s in r.ranked if s} & set(r.relevant)) / min(len(r.relevant), 3)
                for r in self.answered
            ]
        )

    @property
    def zero_link(self) -> int:
        return sum(1 for r in self.answered if not any(s for _, _, s in r.ranked))

    @property
    def quiet(self) -> float:
        rs = [r for r in self.results if not r.relevant]
        return sum(1 for r in rs if not any(s for _, _, s in r.ranked)) / len(rs) if rs else 1.0

    @property
    def margin(self) -> float:
        """Mean gap between the weakest related link and the strongest wrong one in the top 10
        as a share of the best score (a development diagnostic: how safely the right answers lead)."""
        gaps = []
        for r in self.answered:
            right = [s for c, s, _ in r.ranked if c in r.relevant]
            wrong = [s for c, s, _ in r.ranked if c not in r.relevant]
            top = max(abs(s) for _, s, _ in r.ranked) if r.ranked else 0.0
            if right and top:
                gaps.append((min(right) - (max(wrong) if wrong else 0.0)) / top)
        return self._mean(gaps)

    @property
    def average_precision(self) -> float:
        """Mean average precision over the best 10 links (a development diagnostic: recall@3
        cannot see a related item move from 5th to 4th, nor past the 3rd of 6 related)."""
        values = []
        for r in self.answered:
            hits, total = 0, 0.0
            for position, (c, _, _) in enumerate(r.ranked[:10], 1):
                if c in r.relevant:
                    hits += 1
                    total += hits / position
            values.append(total / min(len(r.relevant), 10))
        return self._mean(values)

    def only(self, change_ids: set[str]) -> Report:
        """The same figures over some updates (one corpus)."""
        return Report([r for r in self.results if r.change_id in change_ids])

    def figures(self) -> dict[str, float]:
        return {
            "precision@1": self.precision_at_1,
            "recall@3": self.recall_at_3,
            "MRR": self.mrr,
            "slack P@1": self.slack_precision_at_1,
            "slack R@3": self.slack_recall_at_3,
            "slack MRR": self.slack_mrr,
            "shown precision": self.shown_precision,
            "shown recall": self.shown_recall,
            "zero-link": float(self.zero_link),
            "quiet": self.quiet,
            "margin": self.margin,
            "AP@10": self.average_precision,
        }


def load(path: Path = EVAL_SET, corpora: Sequence[str] | None = None) -> dict:
    """The set; with `corpora`, only those corpora's updates and candidates (the index a
    measurement of those corpora alone is made on)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if corpora is None:
        return data
    unknown = set(corpora) - set(CORPUS_FEEDS)
    if unknown:
        raise ValueError(f"no such corpus: {sorted(unknown)}")
    feeds = {CORPUS_FEEDS[c] for c in corpora}
    return {
        "changes": [c for c in data["changes"] if c["corpus"] in corpora],
        "candidates": [c for c in data["candidates"] if c["source"] in feeds],
    }


def changes_of(data: dict, split: str | None) -> list[dict]:
    return [c for c in data["changes"] if split is None or c["split"] == split]


def moment(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC) + timedelta(hours=12)


def _source(source_id: str, role: str = "related", kind: str = "json") -> Source:
    return Source(id=source_id, url=f"https://{source_id}.example.org/", kind=kind, name=source_id, role=role)


def _fetched(source: Source) -> FetchResult:
    return FetchResult(url=source.url, final_url=source.url, status=200)


def _link(entry: dict) -> str:
    return entry.get("link") or f"https://{entry['source']}.example.org/{entry['id']}"


class Bench:
    """The evaluation set indexed in a real Store; link each update with any ranking."""

    def __init__(self, data: dict, path: Path) -> None:
        self.data = data
        self.store = Store(path)
        self.sources: dict[str, Source] = {}
        self.ids: dict[str, str] = {}  # candidate link -> id
        candidates = data["candidates"]
        for candidate in candidates:
            self.sources.setdefault(candidate["source"], _source(candidate["source"]))
            self.ids[_link(candidate)] = candidate["id"]
        for change in data["changes"]:
            self.sources.setdefault(change["source"], _source(change["source"], "watch"))
        indexed_at = moment("2026-01-01")
        self.store.sync_sources(list(self.sources.values()), indexed_at)
        by_source: dict[str, list[Item]] = {}
        for candidate in candidates:
            by_source.setdefault(candidate["source"], []).append(
                Item(
                    key=candidate["id"],
                    title=candidate["title"],
                    link=_link(candidate),
                    date=candidate["date"],
                    summary=candidate.get("text", ""),
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

    def store_change(self, change: dict) -> tuple[int, list[int]]:
        """Save one update through Store.save_change; returns its id and new item ids."""
        source = self.sources[change["source"]]
        detected = moment(change["date"]) + timedelta(days=1)
        item = Item(key=change["id"], title=change["title"], link=_link(change), date=change["date"] or None)
        record = Change(source.id, before="", after="", added=(item,), summary="1 new item")
        outcome = self.store.save_change(
            source,
            _fetched(source),
            Snapshot(items=(item,)),
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
        for stored in items:
            self.store.set_item_text(stored.id, change["text"], detected)
        return outcome.change_id, [stored.id for stored in items]

    def remove_items(self, item_ids: list[int]) -> None:
        with self.store.db.atomic():
            for item_id in item_ids:
                self.store.db.execute("DELETE FROM items WHERE id = ?", [item_id])

    def _result(self, change: dict, ranked: list[tuple[str, float, bool]], reasons: list[str]) -> Result:
        maybe = set(change.get("maybe", ()))
        kept = [(r, t) for r, t in zip(ranked, reasons, strict=True) if r[0] not in maybe]
        return Result(
            change["id"], list(change["related"]), [r for r, _ in kept], change["title"], [t for _, t in kept]
        )

    def evaluate(self, ranking: Ranking, split: str | None = None) -> Report:
        report = Report()
        for change in changes_of(self.data, split):
            ranked, reasons = self.rank_change(change, ranking)
            report.results.append(self._result(change, ranked, reasons))
        return report

    def rank_change(self, change: dict, ranking: Ranking) -> tuple[list[tuple[str, float, bool]], list[str]]:
        """Store one update as a change, link it, remove it again: its ranked links
        (candidate id, score, shown) and their reasons."""
        change_id, item_ids = self.store_change(change)
        try:
            links = link_change(self.store.db, change_id, now=moment(change["date"]), ranking=ranking)
        finally:
            self.remove_items(item_ids)
        mine = [link for link in links if link.item_key == change["id"]]
        ranked = [(self.ids.get(link.link, link.link), link.score, link.shown) for link in mine]
        return ranked, [link.reason for link in mine]

    def evaluate_bm25(
        self, split: str | None = None, before_days: int = 120, after_days: int = 365
    ) -> Report:
        """Plain BM25: the OR of every word of the update, title + text, the best 3 shown."""
        report = Report()
        sql = (
            "SELECT items.link, items.source_id, items.date, bm25(items_fts) AS bm FROM items_fts"
            " JOIN items ON items.id = items_fts.rowid WHERE items_fts MATCH ? ORDER BY bm LIMIT 200"
        )
        for change in changes_of(self.data, split):
            query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words(f"{change['title']} {change['text']}")))
            day = date.fromisoformat(change["date"])
            start = (day - timedelta(days=before_days)).isoformat()
            end = (day + timedelta(days=after_days)).isoformat()
            ranked: list[tuple[str, float, bool]] = []
            for link, source_id, when, bm in self.store.db.execute(sql, [query]).fetchall():
                if source_id == change["source"] or link == _link(change) or not start <= (when or "") <= end:
                    continue
                ranked.append((self.ids.get(link, link), -bm, len(ranked) < 3))
                if len(ranked) == 10:
                    break
            report.results.append(self._result(change, ranked, ["" for _ in ranked]))
        return report


def evaluate(
    ranking: Ranking = DEFAULT_RANKING,
    *,
    split: str | None = None,
    path: Path = EVAL_SET,
    workdir: Path | None = None,
    corpora: Sequence[str] | None = None,
) -> Report:
    """Index the set (or some corpora of it) in a fresh SQLite file and evaluate one ranking
    on one half (or all)."""
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        bench = Bench(load(path, corpora), Path(tmp) / "eval.db")
        try:
            return bench.evaluate(ranking, split)
        finally:
            bench.close()


def _row(name: str, report: Report) -> str:
    values = report.figures()
    cells = [f"{values[k]:>9.0f}" if k == "zero-link" else f"{values[k]:>9.3f}" for k in FIGURES]
    return f"{name:<30} " + " ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ablation", action="store_true", help="measure the ranking without each part (dev)")
    parser.add_argument("--split", choices=SPLITS, default=None, help="only this half")
    parser.add_argument(
        "--by-corpus", action="store_true", help="also each corpus (US FR, UK GOV.UK, EU GDPRhub) apart"
    )
    parser.add_argument(
        "--corpora",
        default=None,
        help="index and link only these corpora, comma-separated (us-fr,uk-govuk: the set of rounds 1-5)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each update's top 3")
    args = parser.parse_args(argv)
    data = load(corpora=args.corpora.split(",") if args.corpora else None)
    header = f"{'ranking':<30} " + " ".join(f"{k[:9]:>9}" for k in FIGURES)
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(data, Path(tmp) / "eval.db")
        try:
            for split in [args.split] if args.split else SPLITS:
                part = changes_of(data, split)
                answered = sum(1 for c in part if c["related"])
                print(f"\n{split} half: {len(part)} updates ({answered} with related);", end="")
                print(f" {len(data['candidates'])} candidates")
                for corpus in sorted({c.get("corpus", "") for c in part}):
                    mine = [c for c in part if c.get("corpus", "") == corpus]
                    with_related = sum(1 for c in mine if c["related"])
                    print(
                        f"  {corpus}: {len(mine)} updates ({with_related} with related),"
                        f" {mine[0]['date']} .. {mine[-1]['date']}"
                    )
                print(header)
                report = bench.evaluate(Ranking(), split)
                bm25 = bench.evaluate_bm25(split)
                print(_row("ranking", report))
                print(_row("plain BM25 (title + text)", bm25))
                if args.by_corpus:
                    for corpus in sorted({c.get("corpus", "") for c in part}):
                        ids = {c["id"] for c in part if c.get("corpus", "") == corpus}
                        print(_row(f"  ranking, {corpus}", report.only(ids)))
                        print(_row(f"  plain BM25, {corpus}", bm25.only(ids)))
                if args.ablation and split == "dev":
                    for name, ranking in ABLATIONS.items():
                        if name != "ranking":
                            print(_row(name, bench.evaluate(ranking, split)))
                if args.verbose:
                    _print_verbose(report, data)
        finally:
            bench.close()
    return 0


def _print_verbose(report: Report, data: dict) -> None:
    maybe = {c["id"]: set(c.get("maybe", ())) for c in data["changes"]}
    for result in report.results:
        maybes = sorted(maybe[result.change_id])
        print(f"\n{result.change_id}: {result.title[:90]}  related={result.relevant} maybe={maybes}")
        for (candidate, score, shown), why in zip(result.ranked[:3], result.reasons, strict=False):
            mark = "+" if candidate in result.relevant else "-"
            print(f"  {mark} {'*' if shown else ' '} {score:.3f} {candidate}  [{why}]")


if __name__ == "__main__":
    raise SystemExit(main())
