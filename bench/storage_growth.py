"""Storage growth: a year of hourly checks of 1,000 sources, 1% changing each hour, written
into the real schema; reports the database size (target <= 2 GB) and query times on it.

    python bench/storage_growth.py                  # full year (several minutes)
    python bench/storage_growth.py --scale 0.1      # 100 sources (or --days 30)
    python bench/storage_growth.py --no-compact     # keep every check row as written

Changes (and baselines) go through the real `Store` (snapshot dedup + zlib, version text,
items, FTS). Unchanged checks are bulk-inserted with exactly the row `Store` writes for
one (source, time, status, HTTP status, duration, snapshot hash); versions' last_seen is
refreshed once per simulated day instead of per check (an UPDATE in place: no growth).
Unless --no-compact, `compact_checks` runs once per simulated week with a 30-day window,
as `regwatch vacuum --compact-after 30d` would from cron.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
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
from watcher.history.retention import compact_checks, optimize  # noqa: E402
from watcher.model import FetchResult  # noqa: E402

START = datetime(2024, 1, 1, tzinfo=UTC)
ITEMS_PER_LISTING = 50


def simulate(
    path: Path, n_sources: int, days: int, change_rate: float, compact: bool, seed: int = 11
) -> dict:
    rng = random.Random(seed)
    store, srcs = fresh_store(path, n_sources, START)
    health = HealthPolicy()
    fetched = FetchResult(url="", final_url="", status=200)
    current = {}
    serial = 0
    with store.db.atomic():
        for source in srcs:
            items = []
            for _ in range(ITEMS_PER_LISTING):
                serial += 1
                items.append(
                    item(
                        rng, source, serial, (START - timedelta(days=rng.randint(1, 600))).date().isoformat()
                    )
                )
            snap = listing(items)
            store.save_baseline(
                source, fetched, snap, START, duration=0.2, body_hash="b", config_hash="c", health=health
            )
            current[source.id] = snap
    latest = {sid: snap.fingerprint for sid, snap in current.items()}  # fingerprints are not cached
    per_hour = max(1, round(n_sources * change_rate))
    n_checks = n_sources
    n_changes = 0
    merged = 0
    t0 = time.perf_counter()
    insert = (
        "INSERT INTO checks (source_id, at, status, http_status, duration_ms, reason, error, snapshot)"
        " VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)"
    )
    for hour in range(1, days * 24 + 1):
        hour_start = START + timedelta(hours=hour)
        changing = set(rng.sample(range(n_sources), per_hour))
        with store.db.atomic():
            rows = []
            for index, source in enumerate(srcs):
                # checks spread over the hour, as a scheduler with jitter would
                when = hour_start + timedelta(seconds=index * 3600 / n_sources)
                if index in changing:
                    serial += 1
                    old = current[source.id]
                    new = listing(
                        [
                            item(rng, source, serial, when.date().isoformat()),
                            *old.items[: ITEMS_PER_LISTING - 1],
                        ]
                    )
                    change = diff(source.id, old, new)
                    assert change is not None
                    store.save_change(
                        source,
                        fetched,
                        new,
                        change,
                        (),
                        when,
                        duration=0.3,
                        body_hash=f"h{serial}",
                        config_hash="c",
                        health=health,
                    )
                    current[source.id] = new
                    latest[source.id] = new.fingerprint
                    n_changes += 1
                else:
                    not_modified = index % 3 != 0  # two thirds of servers answer 304
                    rows.append(
                        (
                            source.id,
                            iso(when),
                            "not_modified" if not_modified else "unchanged",
                            304 if not_modified else 200,
                            rng.randint(15, 400),
                            latest[source.id],
                        )
                    )
            store.db.conn.executemany(insert, rows)
            n_checks += n_sources
        if hour % 24 == 0:
            with store.db.atomic():
                store.db.execute(
                    "UPDATE versions SET last_seen = ?"
                    " WHERE id IN (SELECT max(id) FROM versions GROUP BY source_id)",
                    [iso(hour_start)],
                )
        if compact and hour % (24 * 7) == 0:
            merged += compact_checks(store.db, hour_start - timedelta(days=30))
        if hour % (24 * 30) == 0:
            size = path.stat().st_size + _wal(path)
            print(
                f"  day {hour // 24:3d}: {n_checks:,} checks, {n_changes:,} changes, {size / 1e6:,.0f} MB"
                f" ({time.perf_counter() - t0:.0f}s)",
                flush=True,
            )
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stats = {
        "checks_written": n_checks,
        "changes": n_changes,
        "check_rows_merged": merged,
        "seconds": time.perf_counter() - t0,
        "size_grown": path.stat().st_size,
        "tables": table_sizes(path),
        "rows": {
            t: store.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("checks", "snapshots", "items", "versions", "changes")
        },
    }
    optimize(store.db)
    stats["size_vacuumed"] = path.stat().st_size
    store.close()
    return stats


def _wal(path: Path) -> int:
    wal = Path(str(path) + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def table_sizes(path: Path) -> dict[str, int]:
    """Bytes per table with its indexes, from SQLite's dbstat (FTS shadow tables grouped)."""
    conn = sqlite3.connect(path)
    try:
        names = dict(
            conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
        )
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = names.get(name, name)
            for fts in ("items_fts", "changes_fts", "version_text_fts"):
                if table.startswith(fts):
                    table = fts
            sizes[table] = sizes.get(table, 0) + size
        return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def query_times(path: Path) -> list[tuple[str, float]]:
    out = []
    store = Store(path, readonly=True)
    db = store.db
    for label, fn in [
        ("history newest 50", lambda: list(history.changes(db, Filters(), limit=50))),
        (
            "history --tag ai Q3 (all rows)",
            lambda: list(
                history.changes(
                    db,
                    Filters(
                        tags=("ai",),
                        since=datetime(2024, 7, 1, tzinfo=UTC),
                        until=datetime(2024, 10, 1, tzinfo=UTC),
                    ),
                )
            ),
        ),
        ("search 'security rule' top 20", lambda: search.search(db, "security rule", Filters())),
        ("search AI --count-by regulator", lambda: search.count_by(db, "AI", Filters(), "regulator")),
    ]:
        start = time.perf_counter()
        fn()
        out.append((label + " (in process)", time.perf_counter() - start))
    store.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for label, args in [
        ("regwatch history --limit 50", ["history", "--limit", "50"]),
        ("regwatch search 'security rule'", ["search", "security rule"]),
    ]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "watcher", "--db", str(path), *args],
            check=True,
            capture_output=True,
            env=env,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out.append((f"{label} (new process; cpu {cpu * 1000:.0f} ms)", wall))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1,000 sources")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--change-rate", type=float, default=0.01, help="share of sources changing each hour")
    parser.add_argument("--no-compact", action="store_true", help="keep every check row as written")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "work" / "storage_growth.db")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    n_sources = max(1, int(1000 * args.scale))
    stats = simulate(args.db, n_sources, args.days, args.change_rate, compact=not args.no_compact)
    print(
        f"\n{n_sources} sources x {args.days} days hourly, {args.change_rate:.0%} changing per hour"
        f" ({'weekly compaction, 30-day window' if not args.no_compact else 'no compaction'}):"
    )
    print(
        f"  {stats['checks_written']:,} checks written, {stats['changes']:,} changes,"
        f" {stats['check_rows_merged']:,} check rows merged into runs; built in {stats['seconds']:.0f}s"
    )
    print(f"  rows kept: {stats['rows']}")
    print(
        f"  database as grown: {stats['size_grown'] / 1e6:,.1f} MB;"
        f" after VACUUM: {stats['size_vacuumed'] / 1e6:,.1f} MB"
    )
    for table, size in stats["tables"].items():
        if size > 1e6:
            print(f"    {table:<24} {size / 1e6:9.1f} MB")
    print(
        f"  per change (snapshots + changes + items + versions + FTS): "
        f"{sum(v for k, v in stats['tables'].items() if k != 'checks') / max(1, stats['changes']):,.0f} bytes"
    )
    print(
        f"  per check row kept:"
        f" {stats['tables'].get('checks', 0) / max(1, stats['rows']['checks']):,.0f} bytes"
    )
    for label, seconds in query_times(args.db):
        print(f"  {seconds * 1000:8.1f} ms  {label}")


if __name__ == "__main__":
    main()
