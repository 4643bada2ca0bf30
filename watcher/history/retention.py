"""Keep the history small for years: prune old checks, compact unchanged runs, drop orphans.

What is never deleted: changes, versions, items, events, the outbox, and any snapshot a
change, a version, a source or a remaining check refers to. What goes:

- checks older than the retention window (`keep`);
- with `compact_after`, runs of consecutive identical unchanged checks (same source,
  status, HTTP status and snapshot) older than that age become one row: `at` is the
  first check of the run, `last_at` the last, `n_checks` how many, `duration_ms` the mean;
- snapshots nothing refers to (and their version text).

Then `VACUUM`, FTS `optimize` and `PRAGMA optimize` give the space back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from watcher.db.savepoint import atomic
from watcher.db.store import iso

COMPACTABLE = ("unchanged", "not_modified")
FTS_TABLES = ("items_fts", "changes_fts", "version_text_fts")
UNREFERENCED = """
    SELECT hash FROM snapshots s WHERE
        NOT EXISTS (SELECT 1 FROM changes c WHERE c.after = s.hash)
    AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.before = s.hash)
    AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.snapshot = s.hash)
    AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.latest = s.hash OR o.pending = s.hash)
    AND NOT EXISTS (SELECT 1 FROM checks k WHERE k.snapshot = s.hash)
"""


@dataclass(frozen=True)
class RetentionReport:
    checks_deleted: int = 0
    checks_compacted: int = 0  # rows merged into run rows (gone as separate rows)
    snapshots_deleted: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    dry_run: bool = False


def prune(
    db: Database,
    now: datetime,
    *,
    keep: timedelta,
    compact_after: timedelta | None = None,
    dry_run: bool = False,
    vacuum: bool = True,
    path: str | os.PathLike[str] | None = None,
) -> RetentionReport:
    """Apply the retention policy (see the module docstring); `dry_run` only counts."""
    before = _size(path)
    cutoff = iso(now - keep)
    if dry_run:
        deleted = db.execute("SELECT count(*) FROM checks WHERE at < ?", [cutoff]).fetchone()[0]
        compacted = 0
        if compact_after is not None:
            compacted = _count_mergeable(db, iso(now - compact_after), cutoff)
        orphans = db.execute(f"SELECT count(*) FROM ({UNREFERENCED})").fetchone()[0]
        return RetentionReport(deleted, compacted, orphans, before, before, dry_run=True)
    with atomic(db):
        deleted = db.execute("DELETE FROM checks WHERE at < ?", [cutoff]).rowcount
    compacted = compact_checks(db, now - compact_after, cutoff) if compact_after is not None else 0
    with atomic(db):
        orphans = [row[0] for row in db.execute(UNREFERENCED)]
        for start in range(0, len(orphans), 500):
            chunk = orphans[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            db.execute(f"DELETE FROM version_text WHERE snapshot IN ({marks})", chunk)
            db.execute(f"DELETE FROM snapshots WHERE hash IN ({marks})", chunk)
    if vacuum:
        optimize(db)
    return RetentionReport(deleted, compacted, len(orphans), before, _size(path))


def compact_checks(db: Database, older_than: datetime, floor: str = "") -> int:
    """Merge runs of identical unchanged checks older than `older_than`, source by source.

    Returns how many rows were merged away. Idempotent: a run row absorbs later checks
    of the same run on the next call.
    """
    merged = 0
    for source_id in _check_sources(db):
        runs = _runs(db, source_id, iso(older_than), floor)
        if not runs:
            continue
        with atomic(db):
            for run in runs:
                total = sum(r[4] for r in run)
                mean = round(sum((r[5] or 0) * r[4] for r in run) / total)
                db.execute(
                    "UPDATE checks SET n_checks = ?, last_at = ?, duration_ms = ? WHERE id = ?",
                    [total, run[-1][3], mean, run[0][0]],
                )
                db.conn.executemany("DELETE FROM checks WHERE id = ?", [(r[0],) for r in run[1:]])
                merged += len(run) - 1
    return merged


def _count_mergeable(db: Database, before: str, floor: str) -> int:
    return sum(len(run) - 1 for s in _check_sources(db) for run in _runs(db, s, before, floor))


def _check_sources(db: Database) -> list[str]:
    return [row[0] for row in db.execute("SELECT DISTINCT source_id FROM checks")]


def _runs(db: Database, source_id: str, before: str, floor: str) -> list[list[tuple]]:
    """One source's runs (length >= 2) of mergeable checks with `floor <= at < before`."""
    runs: list[list[tuple]] = []
    run: list[tuple] = []
    rows = db.execute(
        "SELECT id, status, http_status, coalesce(last_at, at), n_checks, duration_ms, snapshot"
        " FROM checks WHERE source_id = ? AND at >= ? AND at < ? ORDER BY at, id",
        [source_id, floor, before],
    ).fetchall()
    for row in rows:
        same = run and (run[-1][1], run[-1][2], run[-1][6]) == (row[1], row[2], row[6])
        if row[1] in COMPACTABLE and same:
            run.append(row)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [row] if row[1] in COMPACTABLE else []
    if len(run) > 1:
        runs.append(run)
    return runs


def optimize(db: Database) -> None:
    """Merge FTS segments, refresh planner statistics, and give free pages back to the disk."""
    for table in FTS_TABLES:
        if table in db.table_names():
            db.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    db.execute("PRAGMA optimize")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _size(path: str | os.PathLike[str] | None) -> int:
    if path is None:
        return 0
    return sum(
        Path(str(path) + suffix).stat().st_size
        for suffix in ("", "-wal")
        if Path(str(path) + suffix).exists()
    )
