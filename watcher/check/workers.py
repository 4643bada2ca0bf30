"""Extract off the event loop: a process pool, sized to the cores, behind `Context.extract`.

Parsing a 60 KB listing and reading its 50 items costs several milliseconds of CPU in
lxml and Python; done on the event loop it stalls every fetch in flight, and one core
does all of it. `ProcessExtractor` sends big bodies to worker processes (the kind, the
`FetchResult` and the `Source` are picklable frozen values) and keeps small ones inline,
where the trip would cost more than it saves. Workers start on the first big body, so a
pass where nothing changed never starts them.

What it keeps: the same `kind.extract` runs, so snapshots are identical; an
`ExtractError` raised in a worker reaches the pipeline unchanged; a worker that dies
(a crash in a parser, the OOM killer) costs no check: the pool is replaced and that
source is extracted inline.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sources.base import SourceKind
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

    def __init__(self, workers: int | None = None, *, min_bytes: int = MIN_BYTES) -> None:
        self.workers = default_workers() if workers is None else workers
        self.min_bytes = min_bytes
        self._pool: ProcessPoolExecutor | None = None

    def __call__(
        self, kind: SourceKind, fetched: FetchResult, source: Source
    ) -> Snapshot | Coroutine[Any, Any, Snapshot]:
        if self.workers < 1 or len(fetched.body) < self.min_bytes:
            return extract(kind, fetched, source)
        return self._in_worker(kind, fetched, source)

    async def _in_worker(self, kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
        pool = self._pool or self._start()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, extract, kind, fetched, source)
        except BrokenProcessPool:
            logger.warning("an extraction worker died; restarting the pool, %s is read inline", source.id)
            if self._pool is pool:
                self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
            return extract(kind, fetched, source)

    def _start(self) -> ProcessPoolExecutor:
        # spawn: fresh interpreters that import only what extraction needs, instead of
        # forked copies of a parent holding 10,000 sources (and its threads and sockets).
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        return self._pool

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ProcessExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
