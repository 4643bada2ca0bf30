"""Check one source: fetch → extract → diff → store (+ outbox), as plain values between stages."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sources.base import SourceKind
from sources.registry import KINDS, kind_for
from watcher.check import crashpoints
from watcher.check.diff import diff
from watcher.check.enrich import Enrichment, enrich, needs_enrichment
from watcher.config import source_config_hash
from watcher.db.store import HealthPolicy, Store
from watcher.errors import Reason, SourceError
from watcher.model import FetchResult, Outcome, Snapshot, Source
from watcher.net.browser import BrowserRenderer
from watcher.net.fetch import Fetcher, Request
from watcher.net.robots import Robots

logger = logging.getLogger(__name__)

#: Turns fetched bytes into a snapshot: inline, or awaitable (e.g. in a worker process).
Extractor = Callable[[SourceKind, FetchResult, Source], Snapshot | Awaitable[Snapshot]]
Renderer = Callable[[Request, str | None], Awaitable[FetchResult]]


def extract_inline(kind: SourceKind, fetched: FetchResult, source: Source) -> Snapshot:
    return kind.extract(fetched, source)


@dataclass(frozen=True)
class Context:
    """Everything a check needs, injected: the network, the database, the clock, routing."""

    fetcher: Fetcher
    store: Store
    clock: Callable[[], datetime]
    route: Callable[[Source], Sequence[str]]
    health: HealthPolicy = field(default_factory=HealthPolicy)
    extract: Extractor = extract_inline
    max_pages: int = 10
    #: Fetches `render = "browser"` sources (headless Chromium); made on demand when None.
    render: Renderer | None = None
    robots: Robots | None = None  # None: robots.txt is not consulted
    #: Following new documents and linking related items before alerting (None: off).
    enrichment: Enrichment | None = None


async def check(source: Source, ctx: Context) -> Outcome:
    """Fetch, read, compare and record one source. Never raises for a source's own failure."""
    started = time.monotonic()
    try:
        outcome = await _check(source, ctx, started)
    except SourceError as exc:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            ctx.fetcher.back_off(source.url, retry_after)
        outcome = ctx.store.record_failure(
            source,
            ctx.clock(),
            reason=exc.reason,
            error=str(exc),
            duration=time.monotonic() - started,
            http_status=getattr(exc, "status", None),
            health=ctx.health,
            retry_after=retry_after,
        )
    except Exception as exc:  # a bug must not stop the pass; it is recorded and logged
        logger.exception("bug while checking %s", source.id)
        outcome = ctx.store.record_failure(
            source,
            ctx.clock(),
            reason=Reason.BUG,
            error=f"internal error: {type(exc).__name__}: {exc}",
            duration=time.monotonic() - started,
            http_status=None,
            health=ctx.health,
        )
    _log(outcome)
    return outcome


async def _check(source: Source, ctx: Context, started: float) -> Outcome:
    kind = kind_for(source.kind)
    state = ctx.store.state(source.id)
    config_hash = source_config_hash(source)
    same_shape = state.latest is not None and state.config_hash == config_hash and not state.pending
    if kind.discovers_feed(source):
        source, kind = await _discover_feed(source, kind, ctx)
    request = dataclasses.replace(
        _request(source, kind, source.url),
        etag=state.etag if same_shape else None,
        last_modified=state.last_modified if same_shape else None,
    )
    await _ensure_allowed(source, source.url, ctx)
    fetched = await _fetch(request, source, ctx)
    crashpoints.reached("after_fetch")
    if fetched.not_modified:
        if state.latest is None:
            # A 304 without a stored version cannot be trusted; fetch in full.
            fetched = await _fetch(dataclasses.replace(request, etag=None, last_modified=None), source, ctx)
        else:
            return ctx.store.record_unchanged(
                source, fetched, ctx.clock(), duration=time.monotonic() - started, health=ctx.health
            )
    body_hash = fetched.body_hash
    if same_shape and body_hash == state.body_hash:
        # Same bytes, same config: the snapshot cannot differ, skip parsing entirely.
        return ctx.store.record_unchanged(
            source, fetched, ctx.clock(), duration=time.monotonic() - started, health=ctx.health
        )
    snapshot = await _extract_all(kind, fetched, source, ctx)
    crashpoints.reached("after_extract")
    now = ctx.clock()
    duration = time.monotonic() - started
    common: dict[str, Any] = {
        "duration": duration,
        "config_hash": config_hash,
        "health": ctx.health,
        "warnings": snapshot.warnings,
    }
    for warning in snapshot.warnings:
        logger.warning("%s: %s", source.id, warning)
    if state.latest is None:
        return ctx.store.save_baseline(source, fetched, snapshot, now, body_hash=body_hash, **common)
    fingerprint = snapshot.fingerprint
    if fingerprint == state.latest:
        return ctx.store.record_unchanged(
            source,
            fetched,
            now,
            duration=duration,
            health=ctx.health,
            warnings=snapshot.warnings,
            extra={"body_hash": body_hash, "config_hash": config_hash, "pending": None, "pending_count": 0},
        )
    if source.confirm > 1:
        count = state.pending_count + 1 if state.pending == fingerprint else 1
        if count < source.confirm:
            return ctx.store.record_pending(source, fetched, snapshot, count, now, **common)
    previous = ctx.store.snapshot(state.latest) or Snapshot()
    change = diff(source.id, previous, snapshot)
    if change is None:
        return ctx.store.record_unchanged(
            source,
            fetched,
            now,
            duration=duration,
            health=ctx.health,
            warnings=snapshot.warnings,
            extra={"body_hash": body_hash, "config_hash": config_hash},
        )
    hold = ctx.enrichment is not None and needs_enrichment(source, change)
    outcome = ctx.store.save_change(
        source,
        fetched,
        snapshot,
        change,
        ctx.route(source),
        now,
        body_hash=body_hash,
        hold=hold,
        fingerprint=fingerprint,
        **common,
    )
    if hold and ctx.enrichment is not None and outcome.change_id is not None:
        # Its alerts wait in 'enriching' until this finishes (watcher/check/enrich.py); never raises.
        await enrich(
            outcome.change_id,
            source,
            fetcher=ctx.fetcher,
            store=ctx.store,
            clock=ctx.clock,
            settings=ctx.enrichment,
            robots=ctx.robots,
        )
    return outcome


async def _extract_all(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    """Extract the first page and, for paginating kinds, the following pages up to the cap."""
    pages = [await _extract(kind, fetched, source, ctx)]
    seen = {fetched.final_url}
    next_url = kind.next_page(fetched, source)
    while next_url and next_url not in seen and len(pages) < ctx.max_pages:
        seen.add(next_url)
        await _ensure_allowed(source, next_url, ctx)
        page = await ctx.fetcher.fetch(_request(source, kind, next_url))
        pages.append(await _extract(kind, page, source, ctx))
        next_url = kind.next_page(page, source)
    return kind.merge(pages)


def _request(source: Source, kind: SourceKind, url: str) -> Request:
    return Request(
        url=url,
        accept=kind.accept,
        headers=source.headers,
        allow_private=source.allow_private,
        timeout=source.timeout,
        max_bytes=source.max_bytes,
        bot_markers=source.bot_markers,
    )


async def _fetch(request: Request, source: Source, ctx: Context) -> FetchResult:
    """Fetch over HTTP, or through headless Chromium for `render = "browser"` sources.

    Both raise FetchError(reason="bot_wall") for challenge, "Access Denied" and soft-404
    pages, so a wall is a failed check and never reaches the diff.
    """
    if source.render != "browser":
        return await ctx.fetcher.fetch(request)
    render = ctx.render or BrowserRenderer(ctx.fetcher.policy).render
    return await render(request, getattr(source.options, "select", None) or None)


async def _discover_feed(source: Source, kind: SourceKind, ctx: Context) -> tuple[Source, SourceKind]:
    """`discover_feed = true`: the kind reads the feed URL the page declares; the engine then
    watches that feed (same id, history and options common to all kinds) as a `feed`.

    The page is fetched in full each time (its validators would not describe the feed);
    the feed itself is fetched conditionally.
    """
    await _ensure_allowed(source, source.url, ctx)
    page = await _fetch(_request(source, kind, source.url), source, ctx)
    feed_url = kind.feed_url(page, source)
    logger.debug("%s: watching the feed %s declared by %s", source.id, feed_url, page.final_url)
    feed_kind = KINDS["feed"]
    feed_source = dataclasses.replace(
        source, url=feed_url, kind=feed_kind.kind, options=feed_kind.Options(), render="http"
    )
    return feed_source, feed_kind()


async def _ensure_allowed(source: Source, url: str, ctx: Context) -> None:
    """robots.txt first, unless the source opted out (`robots = false`)."""
    if source.robots and ctx.robots is not None:
        await ctx.robots.ensure_allowed(url, ctx.fetcher, allow_private=source.allow_private)


async def _extract(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    snapshot = ctx.extract(kind, fetched, source)
    return await snapshot if inspect.isawaitable(snapshot) else snapshot


def _log(outcome: Outcome) -> None:
    took = f"in {outcome.duration:.2f}s"
    # Structured fields for `--log-format json` (the text format shows only the message).
    extra = {
        "source_id": outcome.source_id,
        "status": outcome.status,
        "duration": round(outcome.duration, 3),
        "http_status": outcome.http_status,
    }
    if outcome.failed:
        logger.warning(
            "checked %s: failed (%s) %s: %s",
            outcome.source_id,
            outcome.reason,
            took,
            outcome.error,
            extra={**extra, "reason": outcome.reason},
        )
    elif outcome.status == "changed":
        logger.info(
            "checked %s: changed (%s) %s",
            outcome.source_id,
            outcome.summary,
            took,
            extra={**extra, "change_id": outcome.change_id},
        )
    else:
        logger.info(
            "checked %s: %s %s", outcome.source_id, outcome.status.replace("_", " "), took, extra=extra
        )
