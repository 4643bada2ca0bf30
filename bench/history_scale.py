"""History at scale: build 1,000,000 checks and 50,000 changes through the real schema, then
time the analyst queries (history, search, snapshot, export) against the < 1 s target.

    python bench/history_scale.py                 # full size (a few minutes to build)
    python bench/history_scale.py --scale 0.1     # 100k checks, 5k changes
    python bench/history_scale.py --db /tmp/h.db --reuse   # time an existing build again

Baselines and changes are written by the real `Store` (snapshots, version text, items,
FTS triggers: the production write path); the 1M check rows are bulk-inserted with the
same columns `Store` writes. Run by hand; figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from history_data import fresh_store, item, listing  # noqa: E402

from watcher.check.diff import diff  # noqa: E402
from watcher.check.sourcehealth import HealthPolicy  # noqa: E402
from watcher.db.store import Store, iso  # noqa: E402
from watcher.history import queries as history  # noqa: E402
from watcher.history import search  # noqa: E402
from watcher.history.queries import Filters  # noqa: E402
from watcher.model import FetchResult  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)


def build(path: Path, n_checks: int, n_changes: int, n_sources: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    store, srcs = fresh_store(path, n_sources, START)
    health = HealthPolicy()
    fetched = FetchResult(url="", final_url="", status=200)
    t0 = time.perf_counter()
    current = {}
    serial = 0
    # Through the real Store, committed every 500 writes (each Store call nests as a savepoint).
    for start in range(0, n_sources, 500):
        with store.db.atomic():
            for source in srcs[start : start + 500]:
                items = []
                for _ in range(20):
                    serial += 1
                    day = (START - timedelta(days=rng.randint(1, 300))).date().isoformat()
                    items.append(item(rng, source, serial, day))
                snap = listing(items)
                store.save_baseline(
                    source, fetched, snap, START, duration=0.1, body_hash="b", config_hash="c", health=health
                )
                current[source.id] = snap
    times = sorted(
        START + timedelta(seconds=rng.uniform(3600, YEAR.total_seconds())) for _ in range(n_changes)
    )
    for start in range(0, n_changes, 500):
        with store.db.atomic():
            for n, when in enumerate(times[start : start + 500], start):
                source = srcs[rng.randrange(n_sources)]
                serial += 1
                new = item(rng, source, serial, when.date().isoformat())
                old = current[source.id]
                snap = listing([new, *old.items[:19]])
                change = diff(source.id, old, snap)
                assert change is not None
                store.save_change(
                    source,
                    fetched,
                    snap,
                    change,
                    (),
                    when,
                    duration=0.1,
                    body_hash=f"b{n}",
                    config_hash="c",
                    health=health,
                )
                current[source.id] = snap
        if start and start % 10_000 == 0:
            print(f"  {start} changes ({time.perf_counter() - t0:.0f}s)", flush=True)
    print(f"built {n_sources} baselines + {n_changes} changes in {time.perf_counter() - t0:.0f}s", flush=True)
    t1 = time.perf_counter()
    latest = {s: snap.fingerprint for s, snap in current.items()}
    ids = [s.id for s in srcs]
    remaining = max(0, n_checks - n_sources - n_changes)
    step = YEAR.total_seconds() / max(1, remaining)
    rows = (
        (
            ids[i % n_sources],
            iso(START + timedelta(seconds=i * step)),
            "not_modified" if i % 3 else "unchanged",
            304 if i % 3 else 200,
            rng.randint(20, 400),
            None,
            None,
            latest[ids[i % n_sources]],
        )
        for i in range(remaining)
    )
    with store.db.atomic():
        store.db.conn.executemany(
            "INSERT INTO checks (source_id, at, status, http_status, duration_ms, reason, error, snapshot)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    store.db.execute("ANALYZE")
    store.close()
    print(f"inserted {remaining} more checks in {time.perf_counter() - t1:.0f}s", flush=True)


def first(rows: Iterator) -> object:
    return next(iter(rows), None)


def timed(label: str, fn: Callable[[], object], results: list) -> None:
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    results.append((label, elapsed, value))
    print(f"  {elapsed * 1000:9.1f} ms  {label}  -> {value}", flush=True)


def measure(path: Path) -> list:
    store = Store(path, readonly=True)
    db = store.db
    some = db.execute("SELECT id FROM sources ORDER BY id LIMIT 1 OFFSET 17").fetchone()[0]
    results: list = []
    q3 = Filters(since=datetime(2024, 7, 1, tzinfo=UTC), until=datetime(2024, 10, 1, tzinfo=UTC))
    print("library calls (in process):")
    timed("history newest 50", lambda: len(list(history.changes(db, Filters(), limit=50))), results)
    timed(
        "history --tag ai, 50",
        lambda: len(list(history.changes(db, Filters(tags=("ai",)), limit=50))),
        results,
    )
    timed(
        "history --source X (all)", lambda: len(list(history.changes(db, Filters(sources=(some,))))), results
    )
    timed(
        "history -j EU --kind removed, Q3 (all)",
        lambda: len(
            list(
                history.changes(
                    db, Filters(jurisdictions=("EU",), kinds=("removed",), since=q3.since, until=q3.until)
                )
            )
        ),
        results,
    )
    timed("history all 50k: first row", lambda: first(history.changes(db, Filters()))["id"], results)
    timed("history all 50k: every row", lambda: sum(1 for _ in history.changes(db, Filters())), results)
    timed(
        "search 'security rule' top 20", lambda: len(search.search(db, "security rule", Filters())), results
    )
    timed(
        "search rare word top 20", lambda: len(search.search(db, "ransomware telehealth", Filters())), results
    )
    timed("search --source X", lambda: len(search.search(db, "guidance", Filters(sources=(some,)))), results)
    timed(
        "search AI in Q3 --count-by regulator",
        lambda: len(search.count_by(db, "AI", q3, "regulator", scopes=("items",))),
        results,
    )
    at = datetime(2024, 6, 1, tzinfo=UTC)
    timed(
        "snapshot X --at 2024-06-01",
        lambda: len(store.snapshot(history.version_at(db, some, at)["snapshot"]).items),
        results,
    )
    timed(
        "export changes: first row",
        lambda: first(history.changes(db, Filters(), oldest_first=True))["id"],
        results,
    )
    timed("export items: first row", lambda: first(history.items(db, Filters()))["id"], results)
    timed("export checks: first row", lambda: first(history.checks(db, Filters()))["id"], results)
    timed(
        "export checks --since 2024-12-01: first",
        lambda: first(history.checks(db, Filters(since=datetime(2024, 12, 1, tzinfo=UTC))))["id"],
        results,
    )
    store.close()
    print("command line (new process each; wall includes Python start-up and the machine's load):")
    results.extend(cli_times(path, some))
    return results


def cli_times(path: Path, some: str) -> list:
    """Wall and CPU (user + sys of the child) seconds of each command, output drained."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = []
    for label, args, first_line_only in [
        ("regwatch history --limit 50", ["history", "--limit", "50"], False),
        (
            "regwatch history --tag ai --since 2024-07-01 --until 2024-09-30 -n 100",
            ["history", "--tag", "ai", "--since", "2024-07-01", "--until", "2024-09-30", "-n", "100"],
            False,
        ),
        ("regwatch search 'security rule'", ["search", "security rule"], False),
        (f"regwatch snapshot {some} --at 2024-06-01", ["snapshot", some, "--at", "2024-06-01"], False),
        ("regwatch export --what checks: first line", ["export", "--what", "checks"], True),
    ]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        cmd = [sys.executable, "-m", "watcher", "--db", str(path), *args]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert proc.stdout is not None
        if first_line_only:
            proc.stdout.readline()
            elapsed = time.perf_counter() - start
            proc.kill()
        else:
            proc.stdout.read()
            elapsed = time.perf_counter() - start
        proc.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.append((label, elapsed, f"cli, cpu {cpu:.2f}s"))
        print(f"  {elapsed * 1000:9.1f} ms wall {cpu * 1000:7.0f} ms cpu  {label}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1.0 = 1M checks, 50k changes, 1,000 sources"
    )
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "work" / "history_scale.db")
    parser.add_argument("--reuse", action="store_true", help="Time an existing database; do not rebuild.")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    n_checks, n_changes = int(1_000_000 * args.scale), int(50_000 * args.scale)
    if not (args.reuse and args.db.exists()):
        build(args.db, n_checks, n_changes, n_sources=1000)
    size = args.db.stat().st_size
    print(f"database {args.db}: {size / 1e6:.0f} MB")
    results = measure(args.db)
    slow = [
        label
        for label, elapsed, kind in results
        if elapsed >= 1.0 and not str(kind).startswith("cli") and "every" not in label
    ]
    print("every query under 1 s" if not slow else f"queries over 1 s: {slow}")


if __name__ == "__main__":
    main()
