"""Where the linking loses to plain BM25, update by update, on the development half only.

    python bench/related_losses.py                 # counts and kinds of losses and wins, per corpus
    python bench/related_losses.py -v              # also every update with a loss, both lists
    python bench/related_losses.py --courts --on title_label   # a boolean setting turned on
    (--cache FILE keeps the linked updates between runs)

Each development update is linked with the real ranker (every candidate kept) and ranked by
plain BM25 (`related_eval.Bench.evaluate_bm25`: FTS5 bm25() over title, summary and text,
the OR of every word of the update, best 3 shown), in the index of the whole set. Per update
with a related candidate it reads:

- *first link*: BM25's first is related and ours is not ("lost first": where; "missing":
  BM25's first is not among our candidates at all, "below": it is, lower down), or the
  other way ("won first");
- *top 3*: each related candidate in BM25's best 3 that is not in ours ("lost top-3"), or
  in ours but not shown ("hidden": the show rule), and the other way;
- for updates without a related candidate (hard negatives): how often each shows a link.

It also reads BM25's confidence in its first candidate (its bm25 over its second's), which a
guard would have to rest on, and simulates on the linked lists the two rules a guard could
take (`guard`: BM25's confident first moved up to a rank, shown; `agreement`: a link of our
best 3 the show rule hides is shown when plain BM25 ranks it in its best 3 with a lead over
its 4th), for every setting of a small grid: a rule can only gain where BM25 was right and
we were not, which the counts above list.

`--courts` links, instead of the set's updates, GDPRhub *court* pages of the development
period as updates (the set's EU updates are authorities' decisions; court pages are only
candidates there): each with the pages it links or is linked from inside the window as
related, in the same index. A court page that links, or shares its parties with, a page
dated after the development half's last update is left out: no pair of the test period is
read. Extra development
material of the same corpus, a stand-in for updates, not part of the set.

The test half is never read: only `split == "dev"` updates are linked.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, changes_of, load  # noqa: E402
from bench.related_gdprhub import FREQUENT_PARTY, RAW, _day, _party, _slug  # noqa: E402
from watcher.related.values import Ranking  # noqa: E402

SPLIT = "dev"  # never "test"
KEEP = 60  # every candidate (25 + 10 topical + 10 feedback at most)


@dataclass
class Linked:
    """One development update: our ranked candidates and plain BM25's best 10."""

    change: dict
    ours: list[tuple[str, float, bool, str]]  # (candidate, score, shown, reason), maybe dropped
    bm25: list[tuple[str, float]]  # (candidate, -bm25), maybe dropped

    @property
    def related(self) -> set[str]:
        return set(self.change["related"])


def link_dev(data: dict, ranking: Ranking) -> list[Linked]:
    """Link every development update with `ranking` and plain BM25."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(data, Path(tmp) / "eval.db")
        try:
            ours = bench.evaluate(replace(ranking, keep=KEEP), SPLIT)
            plain = bench.evaluate_bm25(SPLIT)
        finally:
            bench.close()
    changes = {c["id"]: c for c in changes_of(data, SPLIT)}
    for mine, theirs in zip(ours.results, plain.results, strict=True):
        assert mine.change_id == theirs.change_id and changes[mine.change_id]["split"] == SPLIT
        ranked = [(c, s, shown, why) for (c, s, shown), why in zip(mine.ranked, mine.reasons, strict=True)]
        out.append(Linked(changes[mine.change_id], ranked, [(c, s) for c, s, _ in theirs.ranked]))
    return out


def court_updates(data: dict, raw: dict) -> list[dict]:
    """GDPRhub court pages of the development period as development updates (see --courts):
    related = the pages each links or is linked from inside the window, maybe = the same named
    parties (as bench/related_gdprhub.py grades them). A page linking, or naming the parties
    of, anything dated after the development half's last update is left out."""
    dev_end = max(c["date"] for c in changes_of(data, SPLIT) if c["corpus"] == "eu-gdprhub")
    in_set = {c["id"] for c in data["changes"]}
    pages: dict[str, dict] = {}
    for page in raw["pages"]:
        day = _day(page["infobox"].get("Decided")) or _day(page["infobox"].get("Published"))
        if day and day <= raw["committed"] and page["title"] not in pages:
            pages[page["title"]] = {**page, "date": day}
    linked: dict[str, set[str]] = {t: set() for t in pages}
    for title, page in pages.items():
        for other in page["links"]:
            if other in pages and other != title:
                linked[title].add(other)
                linked[other].add(title)
    parties: dict[str, set[str]] = {}
    for title, page in pages.items():
        key = _party(page["infobox"].get("Parties"))
        if key:
            parties.setdefault(key, set()).add(title)
    text = {c["id"]: c for c in data["candidates"] if c["source"] == "eu-gdprhub"}
    updates = []
    for title in sorted(pages, key=lambda t: (pages[t]["date"], t)):
        page = pages[title]
        court = page["infobox"].get("Court", "")
        if not court or page["infobox"].get("Authority") or title in in_set or title not in text:
            continue
        holders = parties.get(_party(page["infobox"].get("Parties")), set())
        holders = holders - {title} if len(holders) <= FREQUENT_PARTY else set()
        if page["date"] > dev_end or any(pages[o]["date"] > dev_end for o in linked[title] | holders):
            continue  # nothing of the test period, not even a pair's other page
        day = date.fromisoformat(page["date"])
        low, high = (day - timedelta(days=120)).isoformat(), (day + timedelta(days=365)).isoformat()
        related = sorted(o for o in linked[title] if low <= pages[o]["date"] <= high)
        if not related:
            continue
        maybe = sorted(o for o in holders - set(related) if low <= pages[o]["date"] <= high)
        updates.append(
            {
                **{k: text[title][k] for k in ("id", "date", "title", "text", "link")},
                "source": "eu-court-" + _slug(court),
                "related": related,
                "maybe": maybe,
                "evidence": {},
                "split": SPLIT,
                "corpus": "eu-courts",
            }
        )
    return updates


def confidence(bm25: list[tuple[str, float]]) -> float:
    """BM25's first score over its second (inf when alone)."""
    if len(bm25) < 2 or bm25[1][1] <= 0:
        return float("inf")
    return bm25[0][1] / bm25[1][1]


def analyse(linked: list[Linked], verbose: bool = False) -> dict[str, Counter]:
    """Counts per corpus of each kind of loss and win against plain BM25."""
    counts: dict[str, Counter] = {}
    for item in linked:
        corpus = item.change.get("corpus", "")
        count = counts.setdefault(corpus, Counter())
        total = counts.setdefault("all", Counter())
        related = item.related
        ours = [c for c, _, _, _ in item.ours]
        shown = {c for c, _, s, _ in item.ours if s}
        plain = [c for c, _ in item.bm25]
        notes: list[str] = []
        kinds: list[str] = []  # the kinds of loss and win this update counts in
        add = kinds.append
        if not related:
            add("hard negatives")
            if not shown:
                add("quiet (ours)")
            count.update(kinds)
            total.update(kinds)
            continue
        add("related updates")
        our_first = ours[0] if ours else None
        bm_first = plain[0] if plain else None
        if bm_first in related and our_first not in related:
            where = ours.index(bm_first) + 1 if bm_first in ours else 0
            add("lost first")
            add("lost first: " + (f"ours at {where}" if where else "not a candidate"))
            notes.append(f"lost first (BM25's first ours at {where or '-'})")
        if our_first in related and bm_first not in related:
            add("won first")
        if bm_first in related and our_first in related:
            add("both first")
        if bm_first not in related and our_first not in related:
            add("neither first")
        for c in plain[:3]:
            if c not in related:
                continue
            if c not in ours[:3]:
                where = ours.index(c) + 1 if c in ours else 0
                add("lost top-3")
                add("lost top-3: " + (f"ours at {where}" if where else "not a candidate"))
                notes.append(f"lost top-3 {c} (ours at {where or '-'})")
            elif c not in shown:
                add("hidden (BM25 top 3, ours top 3, not shown)")
                notes.append(f"hidden {c}")
        for c in ours[:3]:
            if c in related and c not in plain[:3]:
                add("won top-3")
        if not shown:
            add("zero-link (ours)")
        count.update(kinds)
        total.update(kinds)
        if verbose and notes:
            _print_update(item, notes)
    return counts


def _print_update(item: Linked, notes: list[str]) -> None:
    change = item.change
    print(f"\n{change['corpus']} {change['id']}: {change['title'][:90]}")
    print(
        f"  related={sorted(item.related)}  BM25 confidence {confidence(item.bm25):.2f}  " + "; ".join(notes)
    )
    for position in range(5):
        mine = item.ours[position] if position < len(item.ours) else None
        theirs = item.bm25[position] if position < len(item.bm25) else None
        left = ""
        if mine:
            mark = "+" if mine[0] in item.related else "-"
            left = f"{mark}{'*' if mine[2] else ' '} {mine[1]:.3f} {mine[0]:<28} [{mine[3][:40]}]"
        right = ""
        if theirs:
            mark = "+" if theirs[0] in item.related else "-"
            right = f"{mark} {theirs[1]:7.2f} {theirs[0]}"
        print(f"  {left:<90} | {right}")


def confidence_table(linked: list[Linked]) -> list[str]:
    """BM25's confidence (first / second) for its right and wrong first candidates, and
    whether ours agrees; related updates only."""
    lines = []
    for corpus in [*sorted({i.change["corpus"] for i in linked}), "all"]:
        rows = [i for i in linked if i.related and (corpus == "all" or i.change["corpus"] == corpus)]
        for bar in (1.05, 1.1, 1.2, 1.3, 1.5):
            sure = [i for i in rows if i.bm25 and confidence(i.bm25) >= bar]
            right = sum(1 for i in sure if i.bm25[0][0] in i.related)
            ours_right = sum(1 for i in sure if i.ours and i.ours[0][0] in i.related)
            lines.append(
                f"  {corpus:<11} BM25 first >= {bar:.2f} x second: {len(sure):>3} updates,"
                f" BM25 first right {right:>3}, ours first right {ours_right:>3}"
            )
    return lines


def guarded(item: Linked, bar: float, rank: int, show: bool) -> list[tuple[str, bool]]:
    """Our list (candidate, shown) with a guard: when plain BM25's first leads its second by
    at least `bar`, it is moved up to `rank` if it is lower or missing (shown with `show`)."""
    ours = [(c, s) for c, _, s, _ in item.ours]
    if not item.bm25 or confidence(item.bm25) < bar:
        return ours
    first = item.bm25[0][0]
    at = next((k for k, (c, _) in enumerate(ours) if c == first), None)
    if at is not None and at < rank:
        return ours
    entry = ours.pop(at) if at is not None else (first, False)
    ours.insert(rank - 1, (entry[0], entry[1] or show))
    return ours


def agreed(item: Linked, lead: float) -> list[tuple[str, bool]]:
    """Our list with agreement as evidence: a link of our best 3 the show rule hides is shown
    when plain BM25 has it in its best 3 at `lead` times (or more) its 4th."""
    fourth = item.bm25[3][1] if len(item.bm25) > 3 else 0.0
    sure = {c for c, s in item.bm25[:3] if fourth and s >= lead * fourth}
    return [(c, s or (k < 3 and c in sure)) for k, (c, _, s, _) in enumerate(item.ours)]


def figures(linked: list[Linked], rule: Callable[[Linked], list[tuple[str, bool]]]) -> str:
    """P@1 / R@3 / MRR of the ranked list, P@1 / R@3 of what is shown ("slack": what reaches
    an alert), and quiet (hard negatives showing nothing), with a rule applied."""
    p1 = r3 = mrr = sp1 = sr3 = 0.0
    answered = quiet = negatives = 0
    for item in linked:
        ranked = rule(item)
        ids = [c for c, _ in ranked]
        shown = [c for c, s in ranked[:3] if s]
        if not item.related:
            negatives += 1
            quiet += not shown
            continue
        answered += 1
        p1 += bool(ids) and ids[0] in item.related
        r3 += len(set(ids[:3]) & item.related) / len(item.related)
        first = next((k for k, c in enumerate(ids, 1) if c in item.related), None)
        mrr += 1 / first if first else 0.0
        sp1 += bool(shown) and shown[0] in item.related
        sr3 += len(set(shown) & item.related) / len(item.related)
    n = answered or 1
    text = f"{p1 / n:.3f} / {r3 / n:.3f} / {mrr / n:.3f}, shown {sp1 / n:.3f} / {sr3 / n:.3f}"
    return text + (f", quiet {quiet / negatives:.3f}" if negatives else "")


def rule_table(linked: list[Linked]) -> list[str]:
    """The guard and agreement rules over a small grid, on each corpus."""
    rules: dict[str, Callable[[Linked], list[tuple[str, bool]]]] = {
        "as is": lambda i: [(c, s) for c, _, s, _ in i.ours],
        "plain BM25 (best 3 shown)": lambda i: [(c, k < 3) for k, (c, _) in enumerate(i.bm25)],
    }
    for show in (False, True):
        for bar in (1.1, 1.2, 1.3, 1.5):
            for rank in (1, 2, 3):
                name = f"guard {bar} x 2nd, rank {rank}{', shown' if show else ''}"
                rules[name] = lambda i, b=bar, r=rank, s=show: guarded(i, b, r, s)
    for lead in (1.2, 1.5, 2.0):
        rules[f"agreement, BM25 {lead} x its 4th"] = lambda i, x=lead: agreed(i, x)
    lines = []
    for corpus in sorted({i.change["corpus"] for i in linked}):
        mine = [i for i in linked if i.change["corpus"] == corpus]
        lines.append(f"  {corpus}")
        lines += [f"    {name:<34} {figures(mine, rule)}" for name, rule in rules.items()]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print each update with a loss")
    parser.add_argument("--cache", type=Path, help="keep the linked development updates in this pickle")
    parser.add_argument(
        "--courts", action="store_true", help="GDPRhub court pages of the development period as updates"
    )
    parser.add_argument("--on", action="append", default=[], help="a boolean Ranking setting to turn on")
    args = parser.parse_args(argv)
    ranking = replace(Ranking(), **{name: True for name in args.on})
    if args.cache and args.cache.exists():
        linked = pickle.loads(args.cache.read_bytes())
    else:
        data = load()
        if args.courts:
            raw = json.loads(gzip.decompress(RAW.read_bytes()))
            data = {"changes": court_updates(data, raw), "candidates": data["candidates"]}
        linked = link_dev(data, ranking)
        if args.cache:
            args.cache.write_bytes(pickle.dumps(linked))
    counts = analyse(linked, args.verbose)
    print("\ndevelopment half, our linking against plain BM25 (title + text, top 3)")
    keys = sorted({k for c in counts.values() for k in c})
    corpora = [*sorted(k for k in counts if k != "all"), "all"]
    print(f"{'':<48}" + "".join(f"{c:>12}" for c in corpora))
    for key in keys:
        print(f"{key:<48}" + "".join(f"{counts[c][key]:>12}" for c in corpora))
    print("\nBM25's confidence in its first candidate (related updates):")
    print("\n".join(confidence_table(linked)))
    print("\nRules on the linked lists (P@1 / R@3 / MRR; shown P@1 / R@3; quiet):")
    print("\n".join(rule_table(linked)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
