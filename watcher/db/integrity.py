"""`regwatch db check`: is the database file whole, consistent, current and writable?

Read-only: the file is opened with `mode=ro` and nothing is migrated or repaired. Each
step is a `Finding` (ok or not, with a detail line); the report also counts the rows of
every regwatch table. Steps: the file (exists, is a regular file, its size), the SQLite
header, `PRAGMA integrity_check`, `PRAGMA foreign_key_check`, the migration state
(applied, waiting to be applied on the next write, or unknown to this version), and
whether regwatch can write the file and its folder. `regwatch doctor` reuses it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from watcher.db.migrations import STEPS
from watcher.db.trouble import SQLITE_HEADER as HEADER
from watcher.db.trouble import diagnose, expected_size

MAX_PROBLEMS = 20  # lines of integrity_check / foreign_key_check shown


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class IntegrityReport:
    path: str
    findings: tuple[Finding, ...]
    counts: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)


def migration_names() -> list[str]:
    return [step.__name__.rsplit(".", 1)[1] for step in STEPS]


def check_database(path: str | os.PathLike[str]) -> IntegrityReport:
    """Every check that applies to the file at `path` (later checks stop at a fatal finding)."""
    where = Path(os.path.abspath(path))
    findings: list[Finding] = []
    counts: list[tuple[str, int]] = []

    def report() -> IntegrityReport:
        return IntegrityReport(str(where), tuple(findings), tuple(counts))

    if not where.exists():
        findings.append(Finding("file", False, "does not exist (the first `regwatch check` creates it)"))
        return report()
    if not where.is_file():
        findings.append(Finding("file", False, diagnose(where, IsADirectoryError())[0]))
        return report()
    try:
        with where.open("rb") as handle:
            head = handle.read(100)
        size = where.stat().st_size
    except OSError as exc:
        findings.append(Finding("file", False, " ".join(diagnose(where, exc))))
        return report()
    findings.append(Finding("file", True, f"{size:,} bytes"))
    if head[: len(HEADER)] != HEADER:
        findings.append(Finding("header", False, "not a SQLite database (its first bytes are not SQLite's)"))
        return report()
    expected = expected_size(head)
    if expected is not None and size < expected:
        findings.append(
            Finding("header", False, f"truncated: the header says {expected:,} bytes, the file has {size:,}")
        )
    else:
        findings.append(Finding("header", True, "SQLite format 3"))
    try:
        conn = sqlite3.connect(f"file:{where}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        findings.append(Finding("open", False, diagnose(where, exc)[0]))
        return report()
    try:
        findings.append(_integrity(conn))
        if findings[-1].ok:
            findings.append(_foreign_keys(conn))
            findings.append(_migrations(conn))
            counts.extend(_counts(conn))
    except sqlite3.Error as exc:
        step = "integrity" if len(findings) == 2 else "read"
        findings.append(Finding(step, False, diagnose(where, exc)[0]))
    finally:
        conn.close()
    findings.append(_writable(where))
    return report()


def _integrity(conn: sqlite3.Connection) -> Finding:
    rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})")]
    if rows == ["ok"]:
        return Finding("integrity", True, "integrity_check: ok")
    return Finding("integrity", False, "integrity_check: " + "; ".join(str(r) for r in rows))


def _foreign_keys(conn: sqlite3.Connection) -> Finding:
    rows = conn.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS)
    if not rows:
        return Finding("foreign keys", True, "foreign_key_check: ok")
    shown = "; ".join(f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in rows)
    return Finding("foreign keys", False, f"foreign_key_check: {len(rows)} dangling reference(s): {shown}")


def _migrations(conn: sqlite3.Connection) -> Finding:
    known = migration_names()
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if not has_table:
        return Finding("migrations", False, "no migration record: not a regwatch database, or never finished")
    applied = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = 'regwatch' ORDER BY id"
        )
    ]
    unknown = [name for name in applied if name not in known]
    waiting = [name for name in known if name not in applied]
    if unknown:
        return Finding(
            "migrations",
            False,
            f"made by a newer regwatch ({', '.join(unknown)}): upgrade regwatch to use it",
        )
    if waiting:
        return Finding(
            "migrations", True, f"{len(applied)} applied; {', '.join(waiting)} applied at the next write"
        )
    return Finding("migrations", True, f"all {len(applied)} applied (latest {known[-1]})")


def _counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE '\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        )
    ]
    fts = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL%'")}
    shadow = {t for t in tables if any(t.startswith(f + "_") for f in fts)}
    return [(t, conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables if t not in shadow]


def _writable(path: Path) -> Finding:
    folder = path.parent
    if not os.access(path, os.W_OK):
        return Finding("writable", False, "the file is read-only for this user (chmod 600 as its owner)")
    if not os.access(folder, os.W_OK | os.X_OK):
        return Finding(
            "writable", False, f"the folder {folder} is not writable (SQLite writes its journal there)"
        )
    return Finding("writable", True, "file and folder writable")
