"""The fetch half of a check: the request a source makes, robots.txt first, feed discovery,
HTTP or headless Chromium, and extraction of every page (inline or in a worker process).

Used by `pipeline.check`; takes its `Context` and returns plain values (`FetchResult`,
`Snapshot`). Raises the net family's `FetchError` for a failed fetch.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import TYPE_CHECKING

from sources.base import SourceKind
from sources.registry import KINDS
from watcher.blobs import expect_delta
from watcher.check.decide import is_same_shape
from watcher.db.values import SourceState
from watcher.model import FetchResult, Snapshot, Source
from watcher.net.browser import BrowserRenderer
from watcher.net.fetch import Request
from watcher.net.origin import may_carry_headers

if TYPE_CHECKING:
    from watcher.check.pipeline import Context

logger = logging.getLogger(__name__)


async def fetch_source(
    source: Source, kind: SourceKind, state: SourceState, config_hash: str, ctx: Context
) -> FetchResult:
    """Fetch the source's URL, conditionally when the stored version is comparable.

    A 304 without a stored version cannot be trusted: then it is fetched in full.
    """
    same_shape = is_same_shape(state, config_hash)
    request = dataclasses.replace(
        request_for(source, kind, source.url),
        etag=state.etag if same_shape else None,
        last_modified=state.last_modified if same_shape else None,
    )
    await ensure_allowed(source, source.url, ctx)
    fetched = await fetch(request, source, ctx)
    if fetched.not_modified and state.latest is None:
        fetched = await fetch(dataclasses.replace(request, etag=None, last_modified=None), source, ctx)
    return fetched


async def extract_all(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    """Extract the first page and, for paginating kinds, the following pages up to the cap."""
    pages = [await extract(kind, fetched, source, ctx)]
    seen = {fetched.final_url}
    next_url = kind.next_page(fetched, source)
    while next_url and next_url not in seen and len(pages) < ctx.max_pages:
        seen.add(next_url)
        await ensure_allowed(source, next_url, ctx)
        page = await ctx.fetcher.fetch(request_for(source, kind, next_url))
        expect_delta(page)  # only the first page is kept as evidence: never compressed whole
        pages.append(await extract(kind, page, source, ctx))
        next_url = kind.next_page(page, source)
    return kind.merge(pages)


def request_for(source: Source, kind: SourceKind, url: str) -> Request:
    return Request(
        url=url,
        accept=kind.accept,
        headers=source.headers,
        headers_origin=source.url,
        headers_hosts=source.headers_hosts,
        allow_private=source.allow_private,
        timeout=source.timeout,
        max_bytes=source.max_bytes,
        bot_markers=source.bot_markers,
    )


async def fetch(request: Request, source: Source, ctx: Context) -> FetchResult:
    """Fetch over HTTP, or through headless Chromium for `render = "browser"` sources.

    Both raise FetchError(reason="bot_wall") for challenge, "Access Denied" and soft-404
    pages, so a wall is a failed check and never reaches the diff.
    """
    if source.render != "browser":
        return await ctx.fetcher.fetch(request)
    render = ctx.render or BrowserRenderer(ctx.fetcher.policy).render
    return await render(request, getattr(source.options, "select", None) or None)


async def discover_feed(source: Source, kind: SourceKind, ctx: Context) -> tuple[Source, SourceKind]:
    """`discover_feed = true`: the kind reads the feed URL the page declares; the engine then
    watches that feed (same id, history and options common to all kinds) as a `feed`.

    The page is fetched in full each time (its validators would not describe the feed);
    the feed itself is fetched conditionally.
    """
    await ensure_allowed(source, source.url, ctx)
    page = await fetch(request_for(source, kind, source.url), source, ctx)
    feed_url = kind.feed_url(page, source)
    logger.debug("%s: watching the feed %s declared by %s", source.id, feed_url, page.final_url)
    feed_kind = KINDS["feed"]
    feed_source = dataclasses.replace(
        source, url=feed_url, kind=feed_kind.kind, options=feed_kind.Options(), render="http"
    )
    if not may_carry_headers(source.url, feed_url, source.headers_hosts):
        feed_source = dataclasses.replace(feed_source, headers=())  # credentials stay with the page's origin
    return feed_source, feed_kind()


async def ensure_allowed(source: Source, url: str, ctx: Context) -> None:
    """robots.txt first, unless the source opted out (`robots = false`)."""
    if source.robots and ctx.robots is not None:
        await ctx.robots.ensure_allowed(url, ctx.fetcher, allow_private=source.allow_private)


async def extract(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    snapshot = ctx.extract(kind, fetched, source)
    return await snapshot if inspect.isawaitable(snapshot) else snapshot
