"""CPU of the documents' dates per stored page: in the main process, with the dates a worker
brought (watcher/dates/carried.py) and without (worked out there, as before), and in the worker.

    python bench/dates_cpu.py [--n 200] [--repeat 5]

Generates `n` bench pages (bench/pages.py), extracts each in an extraction worker, then
times, in this process, `record_document_dates` over every page's items (an in-memory
SQLite with the real schema) with the carried dates and with copies of the same items that
carry none; and `attach_dates` (the worker's added work) and the pickle of a snapshot with
and without them. Prints milliseconds per page, best of `repeat`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import pages  # noqa: E402

from sources.registry import kind_for  # noqa: E402
from watcher.check.workers import ProcessExtractor  # noqa: E402
from watcher.config import parse_config  # noqa: E402
from watcher.dates.carried import attach_dates  # noqa: E402
from watcher.db.docdates import record_document_dates  # noqa: E402
from watcher.db.store import Store  # noqa: E402
from watcher.model import FetchResult, Snapshot, Source  # noqa: E402


def source() -> Source:
    listing = {"id": "s00000", "url": "http://127.0.0.1/p00/s00000.html", "kind": "listing",
               "select": pages.SELECT, "title": "h3 a", "link": "h3 a", "date": "time[datetime]",
               "summary": "p.summary"}  # fmt: skip
    return parse_config({"allow_private": True, "sources": [listing]}, path=None).sources[0]


async def extract_all(site: Path, n: int, src: Source) -> list[Snapshot]:
    headers = {"content-type": "text/html; charset=utf-8"}
    with ProcessExtractor(1) as extractor:
        snapshots = []
        for index in range(n):
            body = pages.page_path(site, index).read_bytes()
            fetched = FetchResult(url=src.url, final_url=src.url, status=200, headers=headers, body=body)
            snapshots.append(await extractor(kind_for("listing"), fetched, src))  # type: ignore[misc]
        return snapshots


def best(run: Callable[[], object], repeat: int, n: int) -> float:
    """ms of CPU per page, best of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return min(times) / n * 1000


def pickling(snapshots: list[Snapshot], repeat: int, n: int) -> tuple[float, float, float]:
    """ms per page to pickle the snapshots (in the worker), to read them back (in the main),
    and the bytes per page."""
    blobs = [pickle.dumps(s, protocol=5) for s in snapshots]
    dumps = best(lambda: [len(pickle.dumps(s, protocol=5)) for s in snapshots], repeat, n)
    loads = best(lambda: [pickle.loads(b) is None for b in blobs], repeat, n)
    return dumps, loads, sum(map(len, blobs)) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    src, n, repeat = source(), args.n, args.repeat
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "site"
        pages.generate(site, n, 7)
        carried = asyncio.run(extract_all(site, n, src))
        # The same items without what the worker carried (a replaced item carries nothing).
        plain = [
            dataclasses.replace(s, items=tuple(dataclasses.replace(i) for i in s.items)) for s in carried
        ]
        store = Store(Path(work) / "regwatch.db")
        now = datetime(2024, 10, 18, 9, 0, tzinfo=UTC)

        def record(snapshots: list[Snapshot]) -> Callable[[], object]:
            return lambda: [
                record_document_dates(store.db, src, s.items, now, change_id=None) for s in snapshots
            ]

        def attach() -> None:
            for snapshot in plain:
                attach_dates(snapshot, src)

        main_without = best(record(plain), repeat, n)
        main_with = best(record(carried), repeat, n)
        without = pickling(plain, repeat, n)
        worker_attach = best(attach, repeat, n)
        with_dates = pickling(plain, repeat, n)
        store.close()
    print(f"pages {n}, items per page {len(carried[0].items)} (ms of CPU per page, best of {repeat})")
    print(f"main: record_document_dates  worked out here {main_without:.3f}  carried {main_with:.3f}")
    print(f"worker: attach_dates {worker_attach:.3f}")
    print(f"pickle.dumps (worker): without {without[0]:.3f}  with {with_dates[0]:.3f}")
    print(f"pickle.loads (main): without {without[1]:.3f}  with {with_dates[1]:.3f}")
    print(f"pickled bytes per page: without {without[2]:.0f}  with {with_dates[2]:.0f}")


if __name__ == "__main__":
    main()
