"""Check one source: fetch → extract → diff → store (+ outbox), as plain values between stages."""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sources.base import SourceKind
from sources.registry import kind_for
from watcher.config import source_config_hash
from watcher.diff import diff
from watcher.errors import SourceError
from watcher.fetch import Fetcher, Request
from watcher.model import FetchResult, Outcome, Snapshot, Source
from watcher.store import HealthPolicy, Store

logger = logging.getLogger(__name__)

#: Turns fetched bytes into a snapshot: inline, or awaitable (e.g. in a worker process).
Extractor = Callable[[SourceKind, FetchResult, Source], Snapshot | Awaitable[Snapshot]]


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
            reason="bug",
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
    request = Request(
        url=source.url,
        etag=state.etag if same_shape else None,
        last_modified=state.last_modified if same_shape else None,
        accept=kind.accept,
        headers=source.headers,
        allow_private=source.allow_private,
        timeout=source.timeout,
        max_bytes=source.max_bytes,
    )
    fetched = await ctx.fetcher.fetch(request)
    if fetched.not_modified:
        if state.latest is None:
            # A 304 without a stored version cannot be trusted; fetch in full.
            fetched = await ctx.fetcher.fetch(
                Request(**{**request.__dict__, "etag": None, "last_modified": None})
            )
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
    now = ctx.clock()
    duration = time.monotonic() - started
    common = {"duration": duration, "config_hash": config_hash, "health": ctx.health}
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
            extra={"body_hash": body_hash, "config_hash": config_hash},
        )
    return ctx.store.save_change(
        source,
        fetched,
        snapshot,
        change,
        ctx.route(source),
        now,
        body_hash=body_hash,
        fingerprint=fingerprint,
        **common,
    )


async def _extract_all(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    """Extract the first page and, for paginating kinds, the following pages up to the cap."""
    pages = [await _extract(kind, fetched, source, ctx)]
    seen = {fetched.final_url}
    next_url = kind.next_page(fetched, source)
    while next_url and next_url not in seen and len(pages) < ctx.max_pages:
        seen.add(next_url)
        page = await ctx.fetcher.fetch(
            Request(
                url=next_url,
                accept=kind.accept,
                headers=source.headers,
                allow_private=source.allow_private,
                timeout=source.timeout,
                max_bytes=source.max_bytes,
            )
        )
        pages.append(await _extract(kind, page, source, ctx))
        next_url = kind.next_page(page, source)
    return kind.merge(pages)


async def _extract(kind: SourceKind, fetched: FetchResult, source: Source, ctx: Context) -> Snapshot:
    snapshot = ctx.extract(kind, fetched, source)
    return await snapshot if inspect.isawaitable(snapshot) else snapshot


def _log(outcome: Outcome) -> None:
    took = f"in {outcome.duration:.2f}s"
    if outcome.failed:
        logger.warning(
            "checked %s: failed (%s) %s: %s", outcome.source_id, outcome.reason, took, outcome.error
        )
    elif outcome.status == "changed":
        logger.info("checked %s: changed (%s) %s", outcome.source_id, outcome.summary, took)
    else:
        logger.info("checked %s: %s %s", outcome.source_id, outcome.status.replace("_", " "), took)
