"""All reads and writes of the SQLite history, through sqlite-utils.

One file, WAL mode, created 0600. A change, its snapshot, its items and its outbox
rows are written in one transaction, so a crash leaves either all of them or none.
Row <-> dataclass conversion lives beside the query that needs it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from watcher.db.changesummaries import ChangeSummaryRows
from watcher.db.docdates import DocumentDateRows
from watcher.db.enrichment import EnrichmentRows
from watcher.db.evidence import EvidenceRows
from watcher.db.ftspending import index_pending, index_pending_file
from watcher.db.migrations import migrations
from watcher.db.quietrows import QuietRows
from watcher.db.rebaseline import Rebaselines
from watcher.db.scripts import ScriptDatabase
from watcher.db.trouble import check_sqlite, explain
from watcher.db.values import (  # noqa: F401  (the store's public values)
    ENRICH_TIMEOUT,
    ContentUpdate,
    Delivery,
    Failure,
    HealthState,
    SourceState,
    StoredItem,
    _create_private,
    change_from_row,
    iso,
    parse_iso,
)
from watcher.db.waiting import WaitingAlerts
from watcher.db.workflow import NoticeRows

#: Bytes per page of a database this opens empty (SQLite's default is 4,096). A first page of
#: a pass adds ~68 KB of rows, indexes and full-text segments, all written to the WAL at the
#: batch's commit (two `write` calls a frame: its header, its page) and again by the
#: checkpoint: at 4 KiB ~67 writes and ~27 `pread`s a bench page, at 8 KiB ~36 and ~14, for
#: the same rows (~0.05 ms less system CPU a first or changed page). Not 16 KiB: fewer calls
#: still, but a small commit (an alert's claim, its acknowledgement) writes whole pages, and
#: each costs ~20 µs more there (bench/README.md, "Round 17: perffirst8"). An existing
#: database keeps the size it was made with (only `VACUUM` outside WAL mode could change
#: it); readers need not know it.
PAGE_SIZE = 8192


class Store(
    Rebaselines,
    NoticeRows,
    EvidenceRows,
    WaitingAlerts,
    EnrichmentRows,
    DocumentDateRows,
    QuietRows,
    ChangeSummaryRows,
):
    """The regwatch database. Pass a path; the schema is created or upgraded on open."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        check_sqlite(self.path)
        try:
            self._open(readonly)
        except (sqlite3.Error, OSError) as exc:  # one clear message, never a traceback
            raise explain(self.path, exc) from exc

    def _open(self, readonly: bool) -> None:
        if not readonly:
            _create_private(self.path)
            conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
        else:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        try:
            self.db = ScriptDatabase(conn, execute_plugins=False)
            self.db.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                # Before WAL mode writes the header: it takes effect on an empty database only.
                self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self.db.execute("PRAGMA foreign_keys = ON")
                migrations.apply(self.db)
                index_pending(conn)  # items a script inserted since: searchable from here on
            else:
                index_pending_file(self.path, conn)
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self.db.close()
