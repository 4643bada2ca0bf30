"""Link related articles in a worker process while the event loop goes on checking.

Linking a change (`watcher.related.linking.link_change`) is a few milliseconds of CPU per
change, spent on the event loop's thread: in a pass where every page changed it was about
a third of the main process's CPU while the second core had time to spare (issue 18).
In a pass with extraction workers, `ProcessLinker` takes the changes that need linking
and nothing else (no document to follow, no summary to write; those stay inline in
`watcher.check.enrich`) and links them in a process of its own
(`watcher.check.linkworker`), which reads the database through its own read-only
connection. The check does not wait: its change is saved with its alerts held in
'enriching' (`Store.save_change(..., hold=True)`), it returns, and the release follows.

How one change goes, everything but the linking itself on the event loop's thread:

1. `submit` (from the check, right after the unit that saved the change): the worker sees
   only committed rows, so the change waits for the commit of its batch (`Store.on_commit`;
   a pass commits every `batch_checks` checks or `batch_seconds`, and batching stays as it
   is), or goes at once when it is already committed.
2. The worker links it with the `now` taken at `submit` and the pass's `Ranking`, the same
   function over the same committed rows as inline linking.
3. The main process stores the links (`replace_related`) and releases the alerts
   (`finish_enrichment`) in a unit of its own, exactly as `enrich` does.

What does not move: a worker that dies or runs past its deadline (the source's
`check_timeout`, else the pass's) costs that change its links, never its alert: it is
released without them and the failure is logged, as `enrich` does with a bug in linking.
Changes queued behind the one a dead worker was reading go to a fresh worker. A kill of
the main process leaves the alerts 'enriching' and committed: `enrich.recover` links them
again (inline) at the next start. `drain` (the end of a pass) waits for every change
submitted, so the pass delivers nothing still held.

What may differ from inline linking: nothing for the same rows (tests/watcher/
test_link_worker_same.py compares every stored link); but a change is linked once its
batch is committed, so items other checks committed meanwhile are already candidates,
as they would be had those checks come first.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import watcher
from watcher.check.enrich import Enrichment
from watcher.check.workerpipe import Task, TimedOut, Worker, WorkerDied
from watcher.check.workers import ProcessExtractor
from watcher.db.store import Store
from watcher.model import Source
from watcher.related.values import Link, Ranking

logger = logging.getLogger(__name__)

#: What the worker runs (watcher/check/linkworker.py): read the path frame before importing
#: anything of regwatch's. The main process never imports the worker's module: linking is
#: loaded at the first change (tests/test_startup_imports.py). Python starts without `site`
#: (`-S`, ~5 MB and ~40 ms less): the parent's `sys.path` comes in the first frame, and the
#: folder holding the `watcher` package is put first, for an editable install whose import
#: hook `site` would have set up.
BOOTSTRAP = (
    "import pickle, struct, sys\n"
    "size = struct.unpack('>I', sys.stdin.buffer.read(4))[0]\n"
    "sys.path[:] = [{root!r}, *pickle.loads(sys.stdin.buffer.read(size))]\n"
    "from watcher.check.linkworker import serve\n"
    "serve()\n"
)
FLAGS = ("-S",)
#: The folder holding the `watcher` package (the worker's first import path).
ROOT = str(Path(watcher.__file__).resolve().parent.parent)
#: Changes in the worker's pipe at once: the one it links and the next ones (a task and its
#: answer are a few hundred bytes), so it goes straight on while the event loop is busy.
DEPTH = 16


class _LinksFailed(Exception):
    """Storing a change's related links failed (the cause says why)."""


def release(
    store: Store, change_id: int, rows: Sequence[Mapping[str, Any]], clock: Callable[[], datetime]
) -> Exception | None:
    """Store a linked change's related links and release its held alerts, as `enrich` writes
    them. When the links cannot be stored the change is released without them, and the
    error they raised is returned.

    One unit, so one savepoint of the pass's batch: the links are its first writes, so when
    they fail the unit's rollback undoes them alone, and a unit of its own then releases the
    change (a savepoint of the links' own in every release cost a `SAVEPOINT` and a `RELEASE`
    a change; bench/README.md, "Round 16: perfstore7").
    """
    try:
        with store.unit():
            try:
                store.replace_related(change_id, rows, clock())
            except Exception as exc:
                raise _LinksFailed from exc
            store.finish_enrichment(change_id, clock())
        return None
    except _LinksFailed as failed:
        error = failed.__cause__
    with store.unit():
        store.finish_enrichment(change_id, clock())
    assert isinstance(error, Exception)
    return error


def pass_linker(
    store: Store,
    enrichment: Enrichment | None,
    clock: Callable[[], datetime],
    extract: object,
    timeout: float,
) -> ProcessLinker | None:
    """A linker for a pass whose pages are extracted in worker processes, active once they
    run (a pass of small bodies, or with `workers = 0`, links inline); None without
    enrichment or a database file for a second process to read."""
    if enrichment is None or not isinstance(extract, ProcessExtractor) or extract.workers < 1:
        return None
    if str(store.path) in ("", ":memory:") or not store.path.exists():
        return None
    return ProcessLinker(
        store,
        clock=clock,
        ranking=enrichment.ranking,
        timeout=timeout,
        active=lambda: extract.running,
    )


class ProcessLinker:
    """Links changes in one worker process; `submit` never waits, `drain` waits for all."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        ranking: Ranking,
        timeout: float = 300.0,
        depth: int = DEPTH,
        active: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.ranking = ranking
        #: The ranking as every task carries it: pickled once (the worker unpickles these bytes
        #: once too, `linkworker.settings`), not once per change on each side (~3 + ~5 us).
        self._settings = pickle.dumps(ranking, protocol=pickle.HIGHEST_PROTOCOL)
        self.timeout = timeout
        self.depth = max(1, depth)
        self.active = active
        self._path = str(store.path)
        self._uncommitted: list[Task] = []  # asked before the commit that makes their change visible
        self._waiting: deque[Task] = deque()  # committed, not in a worker's pipe yet
        self._worker: Worker | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._forget = store.on_commit(self._committed)

    def takes(self, source: Source, settings: Enrichment) -> bool:
        """Is linking all this change needs before its alert (no follow, no summary), and
        is the linker `active` (in a pass: once its extraction workers run)?"""
        return source.role != "related" and not source.follow and settings.summaries is None and self.active()

    def submit(self, change_id: int, source: Source) -> None:
        """Link a saved change (its alerts held) and release it, without waiting."""
        limit = float(source.check_timeout or self.timeout)
        payload = pickle.dumps(
            (self._path, change_id, self.clock(), self._settings), protocol=pickle.HIGHEST_PROTOCOL
        )
        loop = asyncio.get_running_loop()
        task = Task(payload, limit, loop.create_future())
        if self.store.db.conn.in_transaction:  # its batch is still open: wait for the commit
            self._uncommitted.append(task)
        else:
            self._waiting.append(task)
            self._pump()
        running = loop.create_task(self._release(change_id, source, task))
        self._running.add(running)
        running.add_done_callback(self._running.discard)

    async def drain(self) -> None:
        """Wait until every submitted change is linked (or given up) and released."""
        while self._running:
            self.store.commit_batch()  # what waits for a commit goes now
            self._committed()
            await asyncio.wait(set(self._running))

    async def cancel(self) -> None:
        """Stop: the worker is killed and the changes not linked yet stay held ('enriching'),
        committed, for `enrich.recover` at the next pass."""
        self._stop_worker()
        for running in self._running:
            running.cancel()
        if self._running:
            await asyncio.wait(set(self._running))

    def close(self) -> None:
        """Stop the worker (outside the event loop too) and stop hearing of commits."""
        self._forget()
        self._stop_worker()

    # -- one change ----------------------------------------------------------------------

    async def _release(self, change_id: int, source: Source, task: Task) -> None:
        started = time.monotonic()
        found: list[Link] = []
        try:
            ok, value = await task.future
            if ok:
                found = value
            else:  # linking raised in the worker: a bug, as enrich's `except Exception` logs it
                logger.error("bug while enriching change %s of %s", change_id, source.id, exc_info=value)
        except (WorkerDied, TimedOut) as exc:
            logger.warning(
                "linking change %s of %s stopped (%s); its alert goes out without related links",
                change_id,
                source.id,
                exc or "past its deadline",
            )
        except asyncio.CancelledError:
            raise  # the pass stops: the change stays held for `recover`
        except Exception:
            logger.exception("bug while enriching change %s of %s", change_id, source.id)
        try:
            error = release(self.store, change_id, [link.row() for link in found], self.clock)
            if error is not None:  # released without its links
                logger.error("bug while enriching change %s of %s", change_id, source.id, exc_info=error)
                found = []
        except Exception:  # the alert stays held: `recover`, or the store's timeout, sends it
            logger.exception("releasing change %s of %s failed", change_id, source.id)
            return
        logger.info(
            "enriched change %s of %s: %d document(s) followed, %d failed, %d related link(s) shown in %.2fs",
            change_id,
            source.id,
            0,
            0,
            sum(1 for link in found if link.shown),
            time.monotonic() - started,
        )

    # -- the worker (all on the event loop's thread) --------------------------------------

    def _committed(self) -> None:
        """A commit: the changes that waited for one are visible to the worker now."""
        if not self._uncommitted:
            return
        self._waiting.extend(self._uncommitted)
        self._uncommitted = []
        self._pump()

    def _pump(self) -> None:
        while self._waiting:
            task = self._waiting[0]
            if task.future.done():
                self._waiting.popleft()
                continue
            worker = self._worker
            if worker is None or not worker.alive:
                try:
                    worker = self._worker = Worker(
                        self.depth,
                        requeue=self._requeue,
                        retire=self._retire,
                        ready=self._pump,
                        bootstrap=BOOTSTRAP.format(root=ROOT),
                        flags=FLAGS,
                    )
                except Exception as exc:  # it could not start (out of processes?)
                    self._waiting.popleft()
                    task.future.set_exception(exc)
                    continue
            if worker.load >= self.depth:
                return
            worker.submit(self._waiting.popleft())

    def _requeue(self, tasks: list[Task]) -> None:
        """Changes queued behind the one a worker that ended was linking: first in line again."""
        self._waiting.extendleft(reversed(tasks))
        self._pump()

    def _retire(self, worker: Worker) -> None:
        if self._worker is worker:
            self._worker = None

    def _stop_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None or not worker.alive:
            return
        if worker.load:
            worker.kill()
        else:
            worker.stop()
