"""How long linking one change takes against a large history (target: under 50 ms).

    python bench/related_bench.py                 # 100,000 indexed items, 200 linkings
    python bench/related_bench.py --items 20000 --runs 50 --db /tmp/bench.db

Builds (once; reused when --db points to an existing file) a real regwatch database
with N items spread over 60 sources: titles and summaries drawn with a Zipf law from the
vocabulary of the evaluation set (real Federal Register documents) plus a long tail of
rare words, CFR citations, FR document numbers and EU act numbers, dates over four
years, and a followed document text of ~300 words on every tenth item. Then it links
real changes (the evaluation set's updates, each stored as a real change with its
text) through `watcher.related.linking.link_change` and reports the median and 95th
percentile wall time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, load, moment  # noqa: E402
from watcher.db.store import Store, iso  # noqa: E402
from watcher.related.linking import Ranking, link_change, words  # noqa: E402


def vocabulary(rng: random.Random) -> list[str]:
    """Real words first, commonest first (so "health" is common, as in a real history),
    then a long tail of made-up rare words."""
    data = load()
    counts: Counter[str] = Counter()
    for entry in [*data["candidates"], *data["changes"]]:
        counts.update(words(f"{entry['title']} {entry['text']}"))
    syllables = ["ka", "lo", "mi", "ren", "tas", "vor", "qui", "bel", "dor", "fen", "gal", "hix", "ul", "zen"]
    tail = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(40_000)}
    return [w for w, _ in counts.most_common()] + sorted(tail - set(counts))


def sentence(rng: random.Random, vocab: list[str], weights: list[float], n: int) -> str:
    parts = rng.choices(vocab, weights=weights, k=n)
    roll = rng.random()
    if roll < 0.08:
        parts.insert(
            rng.randrange(len(parts) + 1), f"{rng.choice([21, 42, 45])} CFR Part {rng.randint(2, 900)}"
        )
    elif roll < 0.14:
        parts.insert(
            rng.randrange(len(parts) + 1), f"FR Doc. 20{rng.randint(19, 25)}-{rng.randint(0, 99999):05d}"
        )
    elif roll < 0.18:
        parts.insert(
            rng.randrange(len(parts) + 1), f"Regulation (EU) 20{rng.randint(16, 25)}/{rng.randint(1, 2999)}"
        )
    return " ".join(parts)


def build(path: Path, n_items: int, seed: int = 8) -> None:
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]  # Zipf's law
    store = Store(path)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sources = [f"bench-source-{i:02d}" for i in range(60)]
    with store.db.atomic():
        for source_id in sources:
            store.db.execute(
                "INSERT OR IGNORE INTO sources (id, name, url, kind, role, created_at)"
                " VALUES (?, ?, ?, 'listing', 'related', ?)",
                [source_id, source_id, f"https://{source_id}.example.org/", iso(now)],
            )
    start = date(2022, 1, 1)
    batch = []
    for index in range(n_items):
        source_id = sources[index % len(sources)]
        day = start + timedelta(days=rng.randrange(4 * 365))
        text = sentence(rng, vocab, weights, 300) if index % 10 == 0 else None
        batch.append(
            (
                source_id,
                f"bench-{index}",
                sentence(rng, vocab, weights, rng.randint(6, 14)),
                f"https://{source_id}.example.org/{index}",
                day.isoformat(),
                sentence(rng, vocab, weights, rng.randint(20, 50)),
                iso(now),
                iso(now),
                text,
            )
        )
        if len(batch) == 5000:
            _insert(store, batch)
            batch = []
            print(f"  indexed {index + 1:,} items", file=sys.stderr)
    if batch:
        _insert(store, batch)
    store.index_pending()  # rows inserted here wait for the bulk full-text index (m015)
    store.db.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    store.close()


def _insert(store: Store, rows: list[tuple]) -> None:
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO items (source_id, key, title, link, date, summary, first_seen, last_seen, text)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--db", type=Path, default=None, help="reuse or build the database here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        if not path.exists():
            print(f"building a database of {args.items:,} items at {path} ...", file=sys.stderr)
            started = time.monotonic()
            build(path, args.items)
            print(f"built in {time.monotonic() - started:.0f}s", file=sys.stderr)
        bench = Bench(load(), path)  # adds the evaluation set's sources and candidates too
        try:
            count = bench.store.db.execute("SELECT count(*) FROM items").fetchone()[0]
            changes = bench.data["changes"]
            timings = []
            ranking = Ranking()
            for run in range(args.runs):
                change = changes[run % len(changes)]
                timings.append(_timed(bench, change, ranking))
        finally:
            bench.close()
    timings.sort()
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"linked {len(timings)} changes against {count:,} indexed items")
    print(f"median {median:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (target < 50 ms)")
    return 0


def _timed(bench: Bench, change: dict, ranking: Ranking) -> float:
    """Milliseconds of link_change alone (the change is stored before and removed after)."""
    change_id, item_ids = bench.store_change(change)
    try:
        started = time.perf_counter()
        link_change(bench.store.db, change_id, now=moment(change["date"]), ranking=ranking)
        return (time.perf_counter() - started) * 1000
    finally:
        bench.remove_items(item_ids)


if __name__ == "__main__":
    raise SystemExit(main())
