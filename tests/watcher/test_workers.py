"""Extraction in worker processes gives what inline extraction gives, errors included."""

from __future__ import annotations

import asyncio
import time

import pytest
from localsite import listing_page

from sources.dates import parse_date
from sources.listing import ListingOptions
from sources.registry import kind_for
from watcher.check.workers import ProcessExtractor, extract
from watcher.errors import ExtractError
from watcher.model import FetchResult, Source

ITEMS = [(f"2024-10-{d:02d}", f"Circular {d}/2024 on data sharing", f"/c/{d}") for d in range(1, 29)]


def listing_source(select: str = "li.usa-collection__item", jurisdiction: str = "") -> Source:
    options = ListingOptions(select=select, title="h3 a", link="h3 a", date="time[datetime]")
    return Source(id="in-test", url="https://example.gov/news", kind="listing", options=options,
                  jurisdiction=jurisdiction)  # fmt: skip


def fetched(body: str) -> FetchResult:
    data = body.encode()
    return FetchResult(url="https://example.gov/news", final_url="https://example.gov/news", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, body=data)  # fmt: skip


def run_in_pool(extractor: ProcessExtractor, source: Source, result: FetchResult):
    async def go():
        outcome = extractor(kind_for("listing"), result, source)
        return await outcome if asyncio.iscoroutine(outcome) else outcome

    return asyncio.run(go())


def test_a_worker_gives_the_same_snapshot_as_inline():
    source, result = listing_source(), fetched(listing_page(ITEMS))
    with ProcessExtractor(1, min_bytes=0) as extractor:
        in_worker = run_in_pool(extractor, source, result)
        assert extractor._pool is not None  # it really went to a worker
    inline = extract(kind_for("listing"), result, source)
    assert in_worker == inline and in_worker.fingerprint == inline.fingerprint
    assert len(in_worker.items) == len(ITEMS)


def test_a_worker_serves_one_event_loop_after_another():
    """The service runs each pass in its own event loop and keeps its extractor: the worker
    started in one pass reads pages in the next (its pipes move to the new loop)."""
    source, result = listing_source(), fetched(listing_page(ITEMS))
    inline = extract(kind_for("listing"), result, source)
    with ProcessExtractor(1, min_bytes=0) as extractor:
        first = run_in_pool(extractor, source, result)
        assert extractor._pool is not None
        (worker,) = extractor._pool
        second = run_in_pool(extractor, source, result)
        third = run_in_pool(extractor, source, result)
        assert extractor._pool == [worker]  # the same process, not a replacement
    assert first == second == third == inline


def test_an_extract_error_in_a_worker_reaches_the_pipeline_as_itself():
    source, result = listing_source(select="ul.nothing-here > li"), fetched(listing_page(ITEMS))
    with ProcessExtractor(1, min_bytes=0) as extractor, pytest.raises(ExtractError) as caught:
        run_in_pool(extractor, source, result)
    assert caught.value.reason == "selector" and "matched nothing" in str(caught.value)


def test_small_bodies_stay_inline_and_start_no_workers():
    source, result = listing_source(), fetched(listing_page(ITEMS[:2]))
    with ProcessExtractor(2) as extractor:
        snapshot = run_in_pool(extractor, source, result)
        assert extractor._pool is None
    assert len(snapshot.items) == 2


def test_no_workers_means_inline():
    source, result = listing_source(), fetched(listing_page(ITEMS))
    with ProcessExtractor(0, min_bytes=0) as extractor:
        run_in_pool(extractor, source, result)
        assert extractor._pool is None


@pytest.mark.parametrize("dayfirst", [False, True])
def test_iso_dates_are_read_as_iso_in_every_jurisdiction(dayfirst):
    assert parse_date("2024-01-02", dayfirst=dayfirst) == "2024-01-02"
    assert parse_date("2024-02-30", dayfirst=dayfirst) is None
    assert parse_date("1900-01-01", dayfirst=dayfirst) is None


def test_a_runaway_extraction_is_killed_at_its_deadline_and_the_worker_replaced():
    from sources.page import PageOptions
    from watcher.errors import FetchError

    page = Source(id="in-page", url="https://example.gov/news", kind="page", options=PageOptions(select="main"),
                  ignore=("(x+x+)+y",))  # fmt: skip
    runaway = fetched("<html><body><main><p>" + "x" * 5000 + "</p></main></body></html>")

    async def go():
        with ProcessExtractor(1, min_bytes=0, timeout=1.5) as extractor:
            started = time.monotonic()
            with pytest.raises(FetchError) as caught:
                await extractor(kind_for("page"), runaway, page)
            assert caught.value.reason == "timeout" and time.monotonic() - started < 30
            # The pool goes on with a fresh worker.
            snapshot = await extractor(kind_for("listing"), fetched(listing_page(ITEMS)), listing_source())
            assert len(snapshot.items) == len(ITEMS)

    asyncio.run(go())
