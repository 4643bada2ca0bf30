"""A worker keeps the next pages in its pipe: it goes on while the event loop is busy, and
deadlines, cancellation and crashes still concern only the page the worker is reading."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from workerkinds import Crashing, Introspecting, Scripted

from watcher.check.workers import ProcessExtractor
from watcher.errors import ExtractError, FetchError
from watcher.model import FetchResult, Snapshot, Source

#: Guards against hanging forever, not timings: every wait below ends far sooner when it works.
GUARD = 60.0


def page(body: str) -> FetchResult:
    return FetchResult(url="https://example.gov/", final_url="https://example.gov/", status=200,
                       body=body.encode())  # fmt: skip


def source(kind: str = "scripted", check_timeout: float | None = None) -> Source:
    return Source(id="t", url="https://example.gov/", kind=kind, check_timeout=check_timeout)


def extract(extractor: ProcessExtractor, body: str, **options: float) -> asyncio.Task[Snapshot]:
    async def run() -> Snapshot:
        return await extractor(Scripted(), page(body), source(**options))  # type: ignore[misc]

    return asyncio.ensure_future(run())


def pid(snapshot: Snapshot) -> str:
    return snapshot.blocks[0]


def test_the_worker_starts_the_next_page_while_the_event_loop_is_busy(tmp_path: Path):
    started = tmp_path / "second-started"

    async def go():
        with ProcessExtractor(1, min_bytes=0) as extractor:
            await extract(extractor, "")  # a warm worker
            first = extract(extractor, "sleep=0.2")
            second = extract(extractor, f"touch={started}")
            await asyncio.sleep(0)  # both handed over
            assert [worker.load for worker in extractor._pool or ()] == [2]
            # The event loop is now busy (as when it stores a check) and never polls the
            # pipes, yet the worker answers the first page and starts the second.
            deadline = time.monotonic() + GUARD
            while not started.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert started.exists()
            assert pid(await first) == pid(await second)

    asyncio.run(go())


def test_a_queued_page_s_deadline_runs_from_when_the_worker_starts_it():
    async def go():
        with ProcessExtractor(1, min_bytes=0, timeout=2.0) as extractor:
            await extract(extractor, "")
            # Each takes 1.2 s of the 2 s it is allowed; the second waits 1.2 s behind the
            # first, which must not count.
            first, second = extract(extractor, "sleep=1.2"), extract(extractor, "sleep=1.2")
            done = await asyncio.wait_for(asyncio.gather(first, second), GUARD)
            assert pid(done[0]) == pid(done[1])  # nobody was killed

    asyncio.run(go())


def test_a_page_past_its_deadline_sends_the_pages_behind_it_to_a_fresh_worker():
    async def go():
        with ProcessExtractor(1, min_bytes=0, timeout=GUARD) as extractor:
            warm = pid(await extract(extractor, ""))
            runaway = extract(extractor, "sleep=600", check_timeout=1.0)
            behind = extract(extractor, "")
            with pytest.raises(FetchError) as caught:
                await asyncio.wait_for(runaway, GUARD)
            assert caught.value.reason == "timeout"
            assert pid(await asyncio.wait_for(behind, GUARD)) != warm

    asyncio.run(go())


def test_cancelling_a_queued_page_leaves_the_page_being_read_alone():
    async def go():
        with ProcessExtractor(1, min_bytes=0, timeout=600) as extractor:
            warm = pid(await extract(extractor, ""))
            reading = extract(extractor, "sleep=0.5")
            # A page that would hold the worker for ten minutes, cancelled while it waits
            # in the pipe (its check ran out of time elsewhere): the worker is not stopped
            # now, and the page is never read to the end.
            queued = extract(extractor, "sleep=600")
            behind = extract(extractor, "")
            await asyncio.sleep(0)
            queued.cancel()
            assert pid(await asyncio.wait_for(reading, GUARD)) == warm
            with pytest.raises(asyncio.CancelledError):
                await queued
            await asyncio.wait_for(behind, GUARD)  # not ten minutes behind the cancelled page

    asyncio.run(go())


def test_cancelling_the_page_being_read_kills_the_worker_and_the_pages_behind_go_on():
    async def go():
        with ProcessExtractor(1, min_bytes=0, timeout=600) as extractor:
            warm = pid(await extract(extractor, ""))
            reading = extract(extractor, "sleep=600")
            behind = extract(extractor, "")
            await asyncio.sleep(0)
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            assert pid(await asyncio.wait_for(behind, GUARD)) != warm

    asyncio.run(go())


def test_a_crash_is_not_counted_against_the_page_queued_behind_it():
    async def go():
        with ProcessExtractor(1, min_bytes=0) as extractor:
            body = page("<p>" + "x" * 100 + "</p>")
            crashing = asyncio.ensure_future(extractor(Crashing(), body, source("crashing")))  # type: ignore[arg-type]
            behind = asyncio.ensure_future(extractor(Introspecting(), body, source("introspecting")))  # type: ignore[arg-type]
            with pytest.raises(ExtractError) as caught:
                await asyncio.wait_for(crashing, GUARD)
            assert caught.value.reason == "crash"
            snapshot = await asyncio.wait_for(behind, GUARD)
            assert snapshot.blocks[0].isdigit()

    asyncio.run(go())


def test_at_most_depth_pages_wait_in_one_worker_s_pipe():
    async def go():
        with ProcessExtractor(1, min_bytes=0, depth=2) as extractor:
            await extract(extractor, "")
            tasks = [extract(extractor, "sleep=0.05") for _ in range(5)]
            await asyncio.sleep(0)
            assert [worker.load for worker in extractor._pool or ()] == [2]
            assert len(extractor._waiting) == 3
            assert len({pid(s) for s in await asyncio.wait_for(asyncio.gather(*tasks), GUARD)}) == 1

    asyncio.run(go())


def test_closing_the_extractor_cancels_the_checks_still_waiting_for_it():
    async def go():
        extractor = ProcessExtractor(1, min_bytes=0, timeout=600, depth=1)
        await extract(extractor, "")
        reading, waiting = extract(extractor, "sleep=600"), extract(extractor, "")
        await asyncio.sleep(0)
        extractor.close()  # as the service does at shutdown
        for task in (reading, waiting):
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, GUARD)

    asyncio.run(go())
