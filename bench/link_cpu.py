"""CPU time of linking one change (`link_change` alone), and a hash of every link it makes.

    python bench/link_cpu.py --db bench/work/profile/regwatch/regwatch.db      # the bench's changes
    python bench/link_cpu.py --eval --db /tmp/bench.db                         # realistic text
    python bench/link_cpu.py --worker --db DB --base /work/base --rounds 6     # as the worker, alternated

With a regwatch database holding changes (e.g. the one `bench/profile.py --pass all-changed`
leaves, whose pages take the common-words path), every change (or the first `--limit`) is
linked `--repeat` times on a copy of it. With `--eval`, a copy of a `related_bench.py`
database (100,000 items of realistic text) gets the evaluation set's candidates, and each
update of the DEVELOPMENT half only is stored as a change, linked `--repeat` times and
removed again (as `related_bench.py` does).

Each change's time is the least process CPU time of its repeats (the machine is shared:
the minimum is the run least disturbed); printed: their mean, median and 95th percentile.
The hash covers every link of every change (document, item, score, features, rank, shown,
reason) so a refactor can show it links exactly as before: `exact` with the scores as
Python prints them, `rounded` with scores rounded to 9 decimals (float summation order).

With `--worker`, every change is linked ONCE, in order, as the linking worker of a pass
links it (`watcher.check.linkworker.link`: its read-only connection, one read transaction a
change), in a fresh process each run, so its caches (stems, candidates' words, common words)
start empty as a worker's do: printed is the process CPU per change of the whole run, and the
links' hash. With `--base`, runs of this checkout and the other take turns (`--rounds`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.related_eval import Bench, changes_of, load, moment  # noqa: E402
from watcher.db.store import Store  # noqa: E402
from watcher.related.linking import Link, link_change  # noqa: E402


def least_cpu(db: Database, change_id: int, now: datetime, repeat: int) -> tuple[float, list[Link]]:
    """The least CPU milliseconds of `repeat` linkings of a change, and the last one's links."""
    best, links = float("inf"), []
    for _ in range(repeat):
        started = time.process_time()
        links = link_change(db, change_id, now=now)
        best = min(best, (time.process_time() - started) * 1000)
    return best, links


def fingerprint(links: list[tuple[object, Link]], digits: int | None) -> str:
    rows = [
        [key, link.item_key, link.related_item_id, repr(round(link.score, digits) if digits else link.score),
         list(link.terms), link.rank, link.shown, link.reason]
        for key, link in links
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def bench_changes(path: Path, limit: int, repeat: int) -> tuple[list[float], list[tuple[object, Link]]]:
    store = Store(path)
    try:
        rows = store.db.execute("SELECT id, detected_at FROM changes ORDER BY id").fetchall()
        times, links = [], []
        for change_id, detected in rows[:limit] if limit else rows:
            now = moment(detected[:10])
            spent, found = least_cpu(store.db, change_id, now, repeat)
            times.append(spent)
            links += [(change_id, link) for link in found]
        return times, links
    finally:
        store.close()


def eval_changes(path: Path, limit: int, repeat: int) -> tuple[list[float], list[tuple[object, Link]]]:
    data = load()
    bench = Bench(data, path)
    try:
        times, links = [], []
        changes = changes_of(data, "dev")  # never the test half
        for change in changes[:limit] if limit else changes:
            change_id, item_ids = bench.store_change(change)
            try:
                now = moment(change["date"])
                spent, found = least_cpu(bench.store.db, change_id, now, repeat)
            finally:
                bench.remove_items(item_ids)
            times.append(spent)
            links += [(change["id"], link) for link in found]
        return times, links
    finally:
        bench.close()


def worker_pass(path: Path) -> tuple[float, str, int]:
    """Every change of the database at `path` linked once, in order, as the linking worker
    does: CPU ms per change, the links' hash, and how many links."""
    import sqlite3

    from watcher.check.linkworker import link
    from watcher.related.values import DEFAULT_RANKING

    with sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT id, detected_at FROM changes ORDER BY id").fetchall()
    found: list[tuple[object, Link]] = []
    started = time.process_time()
    for change_id, detected in rows:
        found += [
            (change_id, one) for one in link(str(path), change_id, moment(detected[:10]), DEFAULT_RANKING)
        ]
    spent = (time.process_time() - started) * 1000 / max(len(rows), 1)
    return spent, fingerprint(found, None), len(found)


def worker_child(root: Path, path: Path) -> None:
    """One run of `worker_pass` with `root`'s packages (the child of an alternation)."""
    sys.path[:0] = [str(root)]
    for name in [m for m in sys.modules if m.split(".")[0] == "watcher"]:
        del sys.modules[name]  # this script imported this checkout's; the run is `root`'s
    spent, digest, count = worker_pass(path)
    print(repr({"worker": spent, "hash": digest, "links": count}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", type=Path, required=True, help="copied first, never changed")
    parser.add_argument("--eval", action="store_true", help="link the development half's updates")
    parser.add_argument("--limit", type=int, default=0, help="link only this many changes")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help="link each change once, as the worker")
    parser.add_argument("--base", type=Path, help="with --worker: another checkout to alternate with")
    parser.add_argument("--rounds", type=int, default=3, help="with --worker: runs per checkout")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        worker_child(args.child, args.db)
        return 0
    if args.worker:
        return alternate_workers(args.db, args.base, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copyfile(args.db, copy)
        run = eval_changes if args.eval else bench_changes
        times, links = run(copy, args.limit, args.repeat)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(
        f"{len(times)} changes, {len(links)} links, least CPU of {args.repeat} per change:"
        f" mean {statistics.fmean(times):.2f} ms, median {statistics.median(times):.2f} ms,"
        f" p95 {p95:.2f} ms, max {times[-1]:.2f} ms"
    )
    print(f"links hash: exact {fingerprint(links, None)}, rounded {fingerprint(links, 9)}")
    return 0


def alternate_workers(db: Path, base: Path | None, rounds: int) -> int:
    """`worker_pass` in a fresh process per run, this checkout and `base` taking turns, on
    one copy of `db` (read only)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from inprocess import alternate

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.db"
        shutil.copyfile(db, copy)
        figures = alternate(
            __file__,
            base,
            rounds,
            ["worker"],
            lambda name: ["--db", str(copy)],
            unit="ms/change",
            extra=lambda got: f" (hash {got['hash']}, {got['links']} links)",
        )
    return 0 if figures else 1


if __name__ == "__main__":
    raise SystemExit(main())
