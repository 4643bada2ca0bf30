"""Units of work: one check's writes all or nothing, and several whole checks per commit.

Every check writes through `Store.unit()`. Outside a batch a unit is one transaction, as
it always was. Inside `Store.batching()` (a pass over many sources) units are savepoints
of one transaction, committed after `max_checks` units or `max_seconds` after the batch
began, whichever comes first, and when the batch ends. Why: each commit writes its WAL
frames and a new FTS5 index segment (merged later); storing a first version of a bench
page cost 4.3 ms of CPU committed alone, 3.2 ms in batches of 50 (bench/batch_store.py).

What does not move:

- a unit is written without awaiting, so no commit falls inside one: a change and all
  its outbox rows are in the same commit, never split; a unit that fails is rolled back
  to its savepoint and the rest of the batch stays;
- a kill loses at most the uncommitted batch. Each source's stored state (latest version,
  body hash, ETag) is in the same transaction as what it found, so the next pass finds
  the same changes again and alerts them once;
- the crash points `before_commit` / `after_commit` (watcher/db/crashpoints.py) fire once
  per change in a commit, just before and just after the commit that makes it durable;
- the items, version text and changes a batch inserted are full-text indexed in bulk in the same
  transaction, just before its commit (watcher/db/ftspending.py): what is committed is
  indexed;
- nothing that acts on the outside world reads an uncommitted row: `durable()` (claims and
  acknowledgements of outbox rows, stored model answers) commits the open batch first and
  then writes in a transaction of its own, and every other connection (WAL) sees only
  commits.

The store is used from one event loop: units run between awaits, and the batch's timer
is a callback on the same loop, so it never fires inside a unit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlite_utils import Database

from watcher.db import crashpoints, ftspending
from watcher.db.savepoint import atomic, own_block

logger = logging.getLogger(__name__)

#: A pass's defaults ([limits] batch_checks, batch_seconds): small, so a kill redoes little.
BATCH_CHECKS = 50
BATCH_SECONDS = 0.2
#: Their ceilings: a kill loses at most one batch, which the next pass redoes.
MAX_BATCH_CHECKS = 1000
MAX_BATCH_SECONDS = 10.0
#: The connection's page cache while batching, in KiB (SQLite's default is 2,000 KiB).
BATCH_CACHE_KIB = 4096


@dataclass
class _Batch:
    max_checks: int
    max_seconds: float
    units: int = 0
    began: float | None = None  # monotonic time of the open transaction's first unit
    timer: asyncio.TimerHandle | None = None


class BatchWrites:
    """Units of work and batched commits (a mixin of `Store`)."""

    db: Database
    _batch: _Batch | None = None
    _depth = 0  # units open (nested units are savepoints of the outermost one)
    _changes = 0  # changes written in the open transaction whose commit points have not fired
    _commit_hooks: tuple[Callable[[], None], ...] = ()  # told after each commit of units (on_commit)

    @contextmanager
    def batching(self, max_checks: int = BATCH_CHECKS, max_seconds: float = BATCH_SECONDS) -> Iterator[None]:
        """Commit units in batches until the block ends; what is open then is committed."""
        if self._batch is not None:
            raise RuntimeError("already batching")
        self._batch = _Batch(max(1, max_checks), max_seconds)
        restore = self._journals_in_memory()
        restore_cache = self._larger_cache()
        try:
            yield
        finally:
            try:
                self.commit_batch()
            finally:
                self._batch = None
                restore_cache()
                restore()

    def _larger_cache(self) -> Callable[[], None]:
        """A page cache of `BATCH_CACHE_KIB` while batching; the function that restores the setting.

        A batch of 50 first versions dirties ~3.5 MB of pages before its commit, more than
        SQLite's default cache of 2,000 KiB holds: past it SQLite spills dirty pages into the
        WAL in the middle of the transaction (written again when changed again) and evicts
        the clean ones, read back with `pread` (the B-tree pages each check's rows go to, the
        rows the bulk full-text index reads back). With 4 MiB, per bench page (in-process,
        N = 1,000): first versions 88 -> 67 writes and 54 -> 27 reads, changes 55 -> 41 and
        42 -> 26, ~0.07 ms less system CPU each (bench/README.md, "Round 14: perfstore5").
        At most ~2 MiB more memory for the main process; what is committed, and when, does not
        move. Restored when the batch ends (SQLite frees the pages beyond a smaller cache).
        """
        conn = self.db.conn
        before = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        kib = -before if before < 0 else before * int(conn.execute("PRAGMA page_size").fetchone()[0]) // 1024
        if kib >= BATCH_CACHE_KIB:
            return lambda: None
        conn.execute(f"PRAGMA cache_size = {-BATCH_CACHE_KIB}")

        def restore() -> None:
            conn.execute(f"PRAGMA cache_size = {before}")

        return restore

    def _journals_in_memory(self) -> Callable[[], None]:
        """Keep statement journals in memory while batching; the function that restores the setting.

        Every check is a savepoint of its batch's transaction, so each statement that may
        fail part-way (an insert under a UNIQUE or foreign key) copies every page it changes
        into the statement journal first; past 64 KB (SQLite's default) that journal spills to
        a temporary file, and a first page's check wrote ~190 pages there in `pwrite` calls:
        ~0.1-0.2 ms of system CPU per page (bench/README.md, "Round 9: perfmain"). In memory
        it is a copy; it is emptied when each check's savepoint ends. Nothing durable moves:
        the WAL and its commits are as before. Only for the batch: `VACUUM` (retention) and
        large sorts elsewhere keep their temporary files on disk.
        """
        conn = self.db.conn
        if conn.in_transaction:  # the setting cannot change under an open transaction's journals
            return lambda: None
        before = conn.execute("PRAGMA temp_store").fetchone()[0]
        conn.execute("PRAGMA temp_store = MEMORY")

        def restore() -> None:
            if not conn.in_transaction:
                conn.execute(f"PRAGMA temp_store = {int(before)}")

        return restore

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One check's writes, all or nothing: a transaction, or a savepoint of the open batch."""
        batch = self._batch if self._depth == 0 else None
        if batch is not None and batch.began is None:
            if not self.db.conn.in_transaction:
                self.db.conn.execute("BEGIN")
            self._begin(batch)
        own = self._depth == 0 and not self.db.conn.in_transaction  # a transaction of its own
        mark = self._changes
        self._depth += 1
        try:
            # A unit nested in another joins it (watcher/db/savepoint.py): an error in it goes
            # out through the outer unit, which rolls both back.
            with own_block(self.db) if self._depth == 1 else atomic(self.db):
                yield
                if own:
                    self._reach("before_commit")
                    self.index_pending()
        except BaseException:
            self._changes = mark  # rolled back: those changes will never be committed
            raise
        finally:
            self._depth -= 1
        if own:
            self._reach("after_commit")
            self._committed()
        elif batch is not None:
            batch.units += 1
            if batch.units >= batch.max_checks or time.monotonic() - (batch.began or 0) >= batch.max_seconds:
                self.commit_batch()

    def change_written(self) -> None:
        """A change and its outbox rows were written in the open unit: count its commit points."""
        self._changes += 1

    def commit_batch(self) -> None:
        """Commit the open batch now (nothing to do when none is open)."""
        batch = self._batch
        if batch is None or batch.began is None or self._depth:
            return
        if batch.timer is not None:
            batch.timer.cancel()
        batch.units, batch.began, batch.timer = 0, None, None
        if not self.db.conn.in_transaction:
            return
        self._reach("before_commit")
        try:
            self.index_pending()
            self.db.conn.execute("COMMIT")
        except BaseException:
            self._changes = 0
            if self.db.conn.in_transaction:
                self.db.conn.rollback()
            raise
        self._reach("after_commit")
        self._committed()

    def on_commit(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Call `hook` after every commit of units (a batch, or a unit of its own) until the
        returned function is called: what a unit wrote is then visible to other connections
        (the linking worker reads changes only once they are committed, watcher/check/linkstage.py)."""
        self._commit_hooks = (*self._commit_hooks, hook)

        def forget() -> None:
            self._commit_hooks = tuple(h for h in self._commit_hooks if h is not hook)

        return forget

    def _committed(self) -> None:
        for hook in self._commit_hooks:
            hook()

    def index_pending(self) -> int:
        """Full-text index the items, version text and changes inserted since the last time, in the
        open transaction (watcher/db/ftspending.py): before a commit, and before reading `items_fts`."""
        return ftspending.index_pending(self.db.conn)

    @contextmanager
    def durable(self) -> Iterator[None]:
        """A transaction of its own, committed when the block ends (the open batch first)."""
        self.commit_batch()
        with atomic(self.db):
            yield

    def _begin(self, batch: _Batch) -> None:
        batch.began = time.monotonic()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script, a test): the bounds are checked per unit
            return
        batch.timer = loop.call_later(batch.max_seconds, self._commit_in_time)

    def _commit_in_time(self) -> None:
        try:
            self.commit_batch()
        except Exception:  # a callback of the loop: nobody else would hear of it
            logger.exception("committing a batch of checks failed; the next pass checks them again")

    def _reach(self, point: str) -> None:
        count = self._changes
        if point == "after_commit":
            self._changes = 0
        for _ in range(count):
            crashpoints.reached(point)
