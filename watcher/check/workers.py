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
`check_timeout`, else `timeout`). Past it, or when the check awaiting it is cancelled
(its check deadline, or shutdown), the worker is killed and replaced and the
source fails with reason `timeout`; the event
loop never waits on a runaway page. A worker that dies (a crash in a parser, the OOM
killer) is replaced and the extraction tried once more in a fresh worker; a second death
fails the source (reason `crash`), never the service.

The workers are plain child processes (`watcher.check.extractworker`: pickles over a pipe),
not a multiprocessing pool: spawning through multiprocessing also starts its resource
tracker, a third Python process of ~14 MB, and loads the pool's machinery in each worker.
Each worker serves one task at a time; a blocking call per task runs in a thread, so the
event loop never waits on a pipe, and a worker outlives event loops (one per pass).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from sources.base import SourceKind
from watcher.check.extractworker import BOOTSTRAP, read_frame, write_frame
from watcher.errors import ExtractError, FetchError, Reason
from watcher.model import FetchResult, Snapshot, Source

logger = logging.getLogger(__name__)

#: Bodies smaller than this are extracted inline: pickling and the trip cost more than parsing.
MIN_BYTES = 16 * 1024


def extract(kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
    """Extract inline, computing the fingerprint as a worker does (it is cached on the instance)."""
    snapshot = kind.extract(fetched, source)
    _ = snapshot.fingerprint
    return snapshot


def default_workers() -> int:
    """One worker per core but one, when there is more than one core to share the work with.

    The main process keeps a core busy itself (fetching, storing, linking related
    articles), so on 2 cores a second worker adds ~35 MB and no throughput.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores - 1 if cores > 1 else 0


class WorkerDied(Exception):
    """The worker process ended before it answered (a crash in a parser, the OOM killer, a kill)."""

    def __init__(self, exitcode: int | None) -> None:
        super().__init__(f"the extraction worker ended (exit code {exitcode})")
        self.exitcode = exitcode


class Worker:
    """One worker process and its two pipes; one task at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.tasks, self.answers = self.process.stdin, self.process.stdout
        write_frame(self.tasks, pickle.dumps(sys.path))

    def call(self, payload: bytes) -> tuple[bool, Any]:
        """Send one task and wait for its answer (blocking: run it in a thread)."""
        try:
            write_frame(self.tasks, payload)
            frame = read_frame(self.answers)
        except (OSError, ValueError):  # a broken or closed pipe: the worker is gone
            frame = None
        if frame is None:
            self.stop()
            raise WorkerDied(self.process.returncode)
        answer: tuple[bool, Any] = pickle.loads(frame)
        return answer

    def kill(self) -> None:
        """Stop it now; a `call` waiting on it then ends with `WorkerDied` and reaps it."""
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def stop(self) -> None:
        """Close its input (it exits at end of input), wait briefly, kill if it lingers."""
        for pipe in (self.tasks, self.answers):
            with contextlib.suppress(OSError):
                pipe.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()


class ProcessExtractor:
    """An `Extractor` for `Context.extract` that parses big bodies in worker processes."""

    def __init__(
        self, workers: int | None = None, *, min_bytes: int = MIN_BYTES, timeout: float = 120.0
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.min_bytes = min_bytes
        self.timeout = timeout
        self._pool: list[Worker] | None = None  # every started worker; None until the first
        self._idle: list[Worker] = []
        self._slots: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    def __call__(
        self, kind: SourceKind, fetched: FetchResult, source: Source
    ) -> Snapshot | Coroutine[Any, Any, Snapshot]:
        if self.workers < 1 or (len(fetched.body) < self.min_bytes and not source.ignore):
            return extract(kind, fetched, source)
        return self._in_worker(kind, fetched, source)

    async def _in_worker(self, kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
        limit = _deadline(source, self.timeout)
        payload = pickle.dumps((kind, fetched, source), protocol=pickle.HIGHEST_PROTOCOL)
        async with self._slot():
            for attempt in (1, 2):
                worker = self._take()
                try:
                    ok, value = await asyncio.wait_for(asyncio.to_thread(worker.call, payload), limit)
                except TimeoutError as exc:
                    self._discard(worker)
                    raise FetchError(
                        f"extraction of {fetched.final_url} took longer than {limit:g}s;"
                        " the worker was stopped (a page built to be slow to read, or a runaway"
                        " `ignore` pattern)",
                        reason=Reason.TIMEOUT,
                    ) from exc
                except WorkerDied as exc:
                    self._discard(worker)
                    if attempt == 2:
                        raise ExtractError(
                            f"the extraction worker died twice reading {fetched.final_url}"
                            f" (exit code {exc.exitcode}; out of memory?)",
                            reason=Reason.CRASH,
                        ) from exc
                    logger.warning("an extraction worker died reading %s; trying a fresh one", source.id)
                    continue
                except BaseException:
                    # Cancelled (check deadline, shutdown): the worker may still be reading the
                    # page; kill it rather than wait, a fresh one takes its place.
                    self._discard(worker)
                    raise
                self._idle.append(worker)
                if ok:
                    return value  # type: ignore[no-any-return]
                raise value
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """At most `workers` tasks at once (a semaphore belongs to one event loop: one per loop)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            self._slots = (loop, asyncio.Semaphore(self.workers))
        async with self._slots[1]:
            yield

    def _take(self) -> Worker:
        if self._idle:
            return self._idle.pop()
        worker = Worker()
        if self._pool is None:
            self._pool = []
        self._pool.append(worker)
        return worker

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        if self._pool is not None and worker in self._pool:
            self._pool.remove(worker)

    def close(self) -> None:
        """Stop the workers (a busy one is killed, not waited for)."""
        workers, self._pool, idle, self._idle = self._pool or [], None, self._idle, []
        for worker in workers:
            if worker in idle:
                worker.stop()
            else:
                worker.kill()

    def __enter__(self) -> ProcessExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _deadline(source: Source, default: float) -> float:
    own = getattr(source, "check_timeout", None)
    return float(own) if own else default
