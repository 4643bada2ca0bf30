"""Extract off the event loop: a process pool, sized to the cores, behind `Context.extract`.

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
(its check deadline, or shutdown), the worker is killed and replaced (pebble's
`ProcessPool` does this per task) and the source fails with reason `timeout`; the event
loop never waits on a runaway page. A worker that dies (a crash in a parser, the OOM
killer) is replaced and the extraction tried once more in a fresh worker; a second death
fails the source (reason `crash`), never the service.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Coroutine
from typing import Any

from pebble import ProcessExpired, ProcessPool

from sources.base import SourceKind
from watcher.errors import ExtractError, FetchError, Reason
from watcher.model import FetchResult, Snapshot, Source

logger = logging.getLogger(__name__)

#: Bodies smaller than this are extracted inline: pickling and the trip cost more than parsing.
MIN_BYTES = 16 * 1024


def extract(kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
    """What a worker runs (a module-level function, so the pool can pickle it by name).

    The snapshot's fingerprint is computed here too: it is cached on the instance and
    pickled back with it, so the main process does not hash it again.
    """
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


class ProcessExtractor:
    """An `Extractor` for `Context.extract` that parses big bodies in worker processes."""

    def __init__(
        self, workers: int | None = None, *, min_bytes: int = MIN_BYTES, timeout: float = 120.0
    ) -> None:
        self.workers = default_workers() if workers is None else workers
        self.min_bytes = min_bytes
        self.timeout = timeout
        self._pool: ProcessPool | None = None

    def __call__(
        self, kind: SourceKind, fetched: FetchResult, source: Source
    ) -> Snapshot | Coroutine[Any, Any, Snapshot]:
        if self.workers < 1 or (len(fetched.body) < self.min_bytes and not source.ignore):
            return extract(kind, fetched, source)
        return self._in_worker(kind, fetched, source)

    async def _in_worker(self, kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
        limit = _deadline(source, self.timeout)
        for attempt in (1, 2):
            pool = self._pool or self._start()
            future = pool.schedule(extract, args=(kind, fetched, source), timeout=limit)
            try:
                # Cancelling this await (check deadline, shutdown) cancels the task: pebble
                # then kills the worker running it and starts a fresh one.
                return await asyncio.wrap_future(future)
            except TimeoutError as exc:
                raise FetchError(
                    f"extraction of {fetched.final_url} took longer than {limit:g}s;"
                    " the worker was stopped (a page built to be slow to read, or a runaway"
                    " `ignore` pattern)",
                    reason=Reason.TIMEOUT,
                ) from exc
            except ProcessExpired as exc:
                if attempt == 2:
                    raise ExtractError(
                        f"the extraction worker died twice reading {fetched.final_url}"
                        f" (exit code {exc.exitcode}; out of memory?)",
                        reason=Reason.CRASH,
                    ) from exc
                logger.warning("an extraction worker died reading %s; trying a fresh one", source.id)
        raise AssertionError("unreachable")

    def _start(self) -> ProcessPool:
        # spawn: fresh interpreters that import only what extraction needs, instead of
        # forked copies of a parent holding 10,000 sources (and its threads and sockets).
        self._pool = ProcessPool(max_workers=self.workers, context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        """Stop the workers (a stuck one is killed, not waited for)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join()

    def __enter__(self) -> ProcessExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _deadline(source: Source, default: float) -> float:
    own = getattr(source, "check_timeout", None)
    return float(own) if own else default
