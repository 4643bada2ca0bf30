"""Extract off the event loop: worker processes, as many as cores but one, behind `Context.extract`.

Parsing a 60 KB listing and reading its 50 items costs several milliseconds of CPU in
lxml and Python; done on the event loop it stalls every fetch in flight, and one core
does all of it. `ProcessExtractor` sends big bodies to worker processes (the kind, the
`FetchResult` and the `Source` are picklable frozen values) and keeps small ones inline,
where the trip would cost more than it saves. Workers start on the first big body, so a
pass where nothing changed never starts them. A source with `ignore` patterns (regexes
written by the operator, run on untrusted text) always goes to a worker.

What it keeps: the same `kind.extract` runs, so snapshots are identical; an
`ExtractError` raised in a worker reaches the pipeline unchanged.

What it bounds: each extraction in a worker has a hard deadline (the source's
`check_timeout`, else `timeout`), counted from when the worker starts reading that page,
not from when it was queued. Past it, or when the check awaiting it is cancelled (its
check deadline, or shutdown) while the worker reads it, the worker is killed and replaced
and the source fails with reason `timeout`; the event loop never waits on a runaway page.
A worker that dies (a crash in a parser, the OOM killer) is replaced and the extraction
tried once more in a fresh worker; a second death fails the source (reason `crash`),
never the service. Pages queued behind the one a worker was reading when it ended never
started: they go to another worker, and nothing is counted against them.

How it stays fed: each worker holds up to `depth` pages in its input pipe (the one it
reads and the next ones), so it goes straight from one page to the next while the event
loop stores what it answered; a cancelled page still waiting in a pipe is dropped, or
the worker is killed when it reaches it (watcher/check/workerpipe.py). The pipes are
non-blocking and served by event-loop callbacks: nothing waits on a pipe, no thread
needs the GIL to hand over a page, and a worker outlives event loops (one per pass).

The workers are plain child processes (`watcher.check.extractworker`: pickles over a pipe),
not a multiprocessing pool: spawning through multiprocessing also starts its resource
tracker, a third Python process of ~14 MB, and loads the pool's machinery in each worker.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pickle
from collections import deque
from collections.abc import Coroutine
from typing import Any

from sources.base import SourceKind
from watcher.blobs import hand_over_body, hash_for_worker
from watcher.check.workerpipe import Task, TimedOut, Worker, WorkerDied
from watcher.errors import ExtractError, FetchError, Reason
from watcher.model import FetchResult, Snapshot, Source

logger = logging.getLogger(__name__)

#: Bodies smaller than this are extracted inline: pickling and the trip cost more than parsing.
MIN_BYTES = 16 * 1024
#: Tasks in one worker's pipe at once: the one it reads and the next ones, so it goes
#: straight on while the event loop is busy storing what it answered (watcher/check/workerpipe.py).
DEPTH = 3


def extract(kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
    """Extract inline, computing the fingerprint as a worker does (it is cached on the instance)."""
    snapshot = kind.extract(fetched, source)
    _ = snapshot.fingerprint
    return snapshot


def task_payload(kind: SourceKind, fetched: FetchResult, source: Source) -> bytes:
    """What goes to a worker: the pickled `(kind, fetched, source)`, the body hashed first
    when the worker will compress it whole (`watcher.blobs.hash_for_worker`)."""
    hash_for_worker(fetched)
    return pickle.dumps((kind, fetched, source), protocol=pickle.HIGHEST_PROTOCOL)


def default_workers() -> int:
    """One worker per core but one, when there is more than one core to share the work with.

    The main process keeps a core busy itself (fetching, storing, linking related
    articles), so on 2 cores a second worker adds ~35 MB and no throughput.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores - 1 if cores > 1 else 0


class ProcessExtractor:
    """An `Extractor` for `Context.extract` that parses big bodies in worker processes."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        min_bytes: int = MIN_BYTES,
        timeout: float = 120.0,
        depth: int = DEPTH,
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.min_bytes = min_bytes
        self.timeout = timeout
        self.depth = max(1, depth)
        self._pool: list[Worker] | None = None  # the live workers; None until the first starts
        self._waiting: deque[Task] = deque()  # tasks no worker has room for yet, in order
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pumping = self._again = False

    @property
    def running(self) -> bool:
        """Has a worker started in this pass or before (a body big enough came)?"""
        return bool(self._pool)

    def __call__(
        self, kind: SourceKind, fetched: FetchResult, source: Source
    ) -> Snapshot | Coroutine[Any, Any, Snapshot]:
        if self.workers < 1 or (len(fetched.body) < self.min_bytes and not source.ignore):
            return extract(kind, fetched, source)
        return self._in_worker(kind, fetched, source)

    async def _in_worker(self, kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
        limit = _deadline(source, self.timeout)
        payload = task_payload(kind, fetched, source)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            task = Task(payload, limit, loop.create_future())
            self._dispatch(task, loop)
            try:
                ok, value = await task.future
            except TimedOut as exc:
                raise FetchError(
                    f"extraction of {fetched.final_url} took longer than {limit:g}s;"
                    " the worker was stopped (a page built to be slow to read, or a runaway"
                    " `ignore` pattern)",
                    reason=Reason.TIMEOUT,
                ) from exc
            except WorkerDied as exc:
                if attempt == 2:
                    raise ExtractError(
                        f"the extraction worker died twice reading {fetched.final_url}"
                        f" (exit code {exc.exitcode}; out of memory?)",
                        reason=Reason.CRASH,
                    ) from exc
                logger.warning("an extraction worker died reading %s; trying a fresh one", source.id)
                continue
            except BaseException:
                # Cancelled (check deadline, shutdown): a worker reading this page is killed
                # rather than waited for (a fresh one takes its place); a queued one is dropped.
                self._abandon(task)
                raise
            if ok:
                hand_over_body(value, fetched)  # the evidence may keep it whole
                return value  # type: ignore[no-any-return]
            raise value
        raise AssertionError("unreachable")

    # -- handing tasks to workers (all on the event loop's thread) -----------------------

    def _dispatch(self, task: Task, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            self._adopt(loop)
        self._waiting.append(task)
        self._pump()

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """A new event loop (one per pass): what an old one left in flight is nobody's."""
        self._loop = loop
        self._pumping = True  # the old loop's tasks are not requeued
        try:
            for worker in list(self._pool or ()):
                if worker.load:
                    worker.end(cause=None)
            self._waiting.clear()
        finally:
            self._pumping = False

    def _pump(self) -> None:
        """Give waiting tasks to workers: an idle one first, then a new one while there are
        fewer than `workers`, then the least loaded one with room in its pipe."""
        if self._pumping:
            self._again = True
            return
        self._pumping = True
        try:
            self._again = True
            while self._again:
                self._again = False
                while self._waiting:
                    task = self._waiting[0]
                    if task.future.done():  # cancelled while it waited
                        self._waiting.popleft()
                        continue
                    try:
                        worker = self._choose()
                    except Exception as exc:  # the worker could not start (out of processes?)
                        self._waiting.popleft()
                        task.future.set_exception(exc)
                        continue
                    if worker is None:
                        break
                    worker.submit(self._waiting.popleft())
        finally:
            self._pumping = False

    def _choose(self) -> Worker | None:
        pool = [worker for worker in self._pool or () if worker.alive]
        idle = [worker for worker in pool if worker.load == 0]
        if idle:
            return idle[0]
        if len(pool) < self.workers:
            return self._start()
        roomy = [worker for worker in pool if worker.load < self.depth]
        return min(roomy, key=lambda worker: worker.load) if roomy else None

    def _start(self) -> Worker:
        worker = Worker(self.depth, requeue=self._requeue, retire=self._retire, ready=self._pump)
        if self._pool is None:
            self._pool = []
        self._pool.append(worker)
        return worker

    def _requeue(self, tasks: list[Task]) -> None:
        """Tasks that never started in a worker that ended: first in line again, in order."""
        self._waiting.extendleft(reversed(tasks))
        self._pump()

    def _retire(self, worker: Worker) -> None:
        if self._pool is not None and worker in self._pool:
            self._pool.remove(worker)

    def _abandon(self, task: Task) -> None:
        if task in self._waiting:
            self._waiting.remove(task)
            return
        for worker in list(self._pool or ()):
            if task in worker.tasks:
                worker.abandon(task)
                self._pump()
                return

    def close(self) -> None:
        """Stop the workers (a busy one is killed, not waited for); a check still waiting for
        an extraction is cancelled rather than left waiting for an answer that cannot come."""
        workers, self._pool = self._pool or [], None
        tasks = [*self._waiting, *(task for worker in workers for task in worker.tasks)]
        self._waiting.clear()
        for worker in workers:
            if worker.load:
                worker.kill()
            else:
                worker.stop()
        for task in tasks:
            if not task.future.done() and not task.future.get_loop().is_closed():
                task.future.cancel()

    def __enter__(self) -> ProcessExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _deadline(source: Source, default: float) -> float:
    own = getattr(source, "check_timeout", None)
    return float(own) if own else default
