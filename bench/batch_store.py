"""What committing whole checks in batches saves when storing (watcher/db/batch.py).

Stores the first versions (baselines, 50 items each, FTS5-indexed) of N bench pages, then
N unchanged checks, then N changed checks (one new item at the top of each page, as the
bench's changed passes make them: the source's state and previous version read back, the
decision with its diff, the change, its items and its outbox row stored; no linking, no
evidence), through the real `Store` the way a pass does (`Store.unit()` per check,
inside `Store.batching(k)`), once with every check committing alone (k = 1) and once per
batch size given. The pages are bench/pages.py's, read by the real `listing` kind before
the clock starts; each repetition uses a fresh database file; the minimum of the
repetitions is reported (the machine is shared), as CPU and wall milliseconds per check.

    python bench/batch_store.py                  # N = 200, k = 1, 10, 50, 7 repetitions
    python bench/batch_store.py --n 500 --sizes 1,50,200 --repeat 5
    python bench/batch_store.py --sizes 50 --worker-forms   # the main's share, as in a pass

`--worker-forms`: before every run each snapshot gets its stored form (compressed JSON) made
as the extraction worker makes it (watcher/blobs.py `prepare`), so the clock sees only what
the main process does when it stores (bench/README.md, "Round 7: ftsdefer").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pages

from sources.registry import kind_for
from watcher.blobs import prepare
from watcher.check.decide import Changed, decide
from watcher.check.sourcehealth import HealthPolicy
from watcher.config import parse_source
from watcher.db.store import Store
from watcher.model import FetchResult, Snapshot, Source

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def prepared(n: int, *, changed: bool = False) -> list[tuple[Source, FetchResult, Snapshot]]:
    """N bench pages, fetched (in memory) and read by the real listing kind; `changed`: each
    with one new item at the top (bench/pages.py `mutate`)."""
    out = []
    for index in range(n):
        url = f"http://127.0.0.1{pages.url_path(index)}"
        source = parse_source(
            {
                "id": pages.page_id(index),
                "url": url,
                "kind": "listing",
                "select": pages.SELECT,
                "title": "h3 a",
                "link": "h3 a",
                "date": "time[datetime]",
                "summary": "p.summary",
            },
            "bench",
        )
        items = pages.initial_items(index, 7)
        if changed:
            newest = pages.date.fromisoformat(items[0]["date"]) + pages.timedelta(days=1)
            items.insert(0, pages._item(pages.random.Random(f"7:{index}:new:1"), index, 1001, newest))
        body = pages.render(index, items, 7).encode()
        fetched = FetchResult(
            url=url, final_url=url, status=200, headers={"content-type": "text/html"}, body=body, etag='"e"'
        )
        out.append((source, fetched, kind_for("listing").extract(fetched, source)))
    return out


def timed(work: Callable[[], None]) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    return time.process_time() - cpu, time.perf_counter() - wall


def one_run(
    checks: list[tuple[Source, FetchResult, Snapshot]],
    after: list[tuple[Source, FetchResult, Snapshot]],
    size: int,
) -> dict[str, tuple[float, float]]:
    health = HealthPolicy()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "regwatch.db")
        store.sync_sources([s for s, _, _ in checks], NOW)

        def baselines() -> None:
            with store.batching(size, 3600):
                for source, fetched, snapshot in checks:
                    with store.unit():
                        store.save_baseline(
                            source,
                            fetched,
                            snapshot,
                            NOW,
                            duration=0.1,
                            body_hash=fetched.body_hash,
                            config_hash="c",
                            health=health,
                        )

        def unchanged() -> None:
            not_modified = FetchResult(url="", final_url="", status=304, not_modified=True)
            with store.batching(size, 3600):
                for source, _, _ in checks:
                    with store.unit():
                        store.record_unchanged(source, not_modified, NOW, duration=0.01, health=health)

        def changes() -> None:
            with store.batching(size, 3600):
                for source, fetched, snapshot in after:
                    state = store.state(source.id)
                    previous = store.snapshot(state.latest)
                    decision = decide(state, fetched, snapshot, source, config_hash="c", previous=previous)
                    assert isinstance(decision, Changed)
                    with store.unit(), store.db.atomic():
                        store.save_change(
                            source,
                            fetched,
                            snapshot,
                            decision.change,
                            ["console"],
                            NOW,
                            duration=0.1,
                            body_hash=fetched.body_hash,
                            config_hash="c",
                            health=health,
                            fingerprint=snapshot.fingerprint,
                        )

        try:
            return {"baseline": timed(baselines), "unchanged": timed(unchanged), "changed": timed(changes)}
        finally:
            store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--sizes", default="1,10,50")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--worker-forms", action="store_true", help="stored forms made beforehand")
    args = parser.parse_args()
    checks, after = prepared(args.n), prepared(args.n, changed=True)
    for _, _, snapshot in after:  # a pass gets the fingerprint from the worker with the snapshot
        _ = snapshot.fingerprint
    sizes = [int(s) for s in args.sizes.split(",")]
    best: dict[tuple[str, int], tuple[float, float]] = {}
    for _ in range(args.repeat):
        for size in sizes:  # interleaved, so a burst of load hits every size alike
            if args.worker_forms:
                for _, _, snapshot in checks + after:
                    prepare(snapshot)
            for what, (cpu, wall) in one_run(checks, after, size).items():
                old = best.get((what, size), (float("inf"), float("inf")))
                best[(what, size)] = (min(old[0], cpu), min(old[1], wall))
    print(f"N = {args.n} checks, min of {args.repeat}; ms per check")
    print(f"{'check':<10} {'batch':>6} {'CPU ms':>8} {'wall ms':>8}")
    for (what, size), (cpu, wall) in sorted(best.items()):
        print(f"{what:<10} {size:>6} {1000 * cpu / args.n:>8.2f} {1000 * wall / args.n:>8.2f}")


if __name__ == "__main__":
    main()
