"""Check one source: fetch → extract → diff → store (+ outbox), as plain values between stages."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sources.base import SourceKind
from sources.registry import KINDS, kind_for
from watcher.blobs import expect_delta
from watcher.check import fetching
from watcher.check.deadline import past_deadline, within_rest_of
from watcher.check.decide import (
    Baseline,
    Changed,
    Decision,
    Pending,
    Rebaseline,
    Rekeyed,
    Unchanged,
    decide,
    must_read,
    source_config_hash,
)
from watcher.check.enrich import Enrichment, enrich, needs_enrichment
from watcher.check.evidence import capture
from watcher.check.sourcehealth import HealthPolicy
from watcher.db import crashpoints
from watcher.db.savepoint import atomic
from watcher.db.store import Store
from watcher.db.values import ContentUpdate, Failure
from watcher.errors import Reason, SourceError
from watcher.model import FetchResult, Outcome, Snapshot, Source
from watcher.net.fetch import Fetcher, Request
from watcher.net.robots import Robots

if TYPE_CHECKING:
    from watcher.check.linkstage import ProcessLinker

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
    #: Seconds for one whole check unless the source sets `check_timeout` (None: unbounded).
    check_timeout: float | None = None
    #: Seconds within which one document seen by several sources is alerted once per channel.
    dedupe_window: float = 86400.0
    #: Links changes that need only linking in a worker process, without waiting (None: inline).
    linker: ProcessLinker | None = None


async def check(source: Source, ctx: Context) -> Outcome:
    """Check one source, then enrich the change it found. Never raises for a source's own failure.

    Two stages: the check records what it found (a change's alerts wait in 'enriching'
    when it has documents to follow or link), then `enrich_found` follows and links, and
    releases those alerts. A crash between the two is finished by `recover` at the next start.
    """
    started = time.monotonic()
    budget = source.check_timeout or ctx.check_timeout
    try:
        # One deadline for the whole check: robots.txt, discovery, pages, extraction, follows,
        # and every wait for a connection slot (watcher/check/deadline.py).
        async with asyncio.timeout(budget) as scope:
            outcome, found = await _check(source, ctx, started)
            if found is not None:
                # Its alerts wait in 'enriching' until this finishes (watcher/check/enrich.py);
                # never raises. The change is saved: what is left of the deadline bounds the
                # follows, and running out of it ends them without failing the check.
                async with within_rest_of(scope, source.id):
                    await enrich_found(found, ctx)
    except TimeoutError as exc:
        outcome = _record_failure(
            source, ctx, exc, started, timed_out=past_deadline(budget, scope.expired(), exc)
        )
    except SourceError as exc:
        outcome = _record_failure(source, ctx, exc, started)
    except Exception as exc:  # a bug must not stop the pass; it is recorded and logged
        logger.exception("bug while checking %s", source.id)
        outcome = _record_failure(source, ctx, exc, started)
    _log(outcome)
    return outcome


async def _check(source: Source, ctx: Context, started: float) -> tuple[Outcome, Found | None]:
    """Fetch (robots.txt first, conditionally), read every page, decide, record."""
    kind = kind_for(source.kind)
    state = ctx.store.state(source.id)
    config_hash = source_config_hash(source)
    if kind.discovers_feed(source):
        source, kind = await fetching.discover_feed(source, kind, ctx)
    fetched = await fetching.fetch_source(source, kind, state, config_hash, ctx)
    crashpoints.reached("after_fetch")
    if not must_read(state, fetched, config_hash):  # a 304, or the same bytes under the same config
        with ctx.store.unit():
            outcome = ctx.store.record_unchanged(
                source, fetched, ctx.clock(), duration=time.monotonic() - started, health=ctx.health
            )
        return outcome, None
    if state.latest is not None:  # its evidence keeps this body as a delta: not compressed whole
        expect_delta(fetched)
    snapshot = await fetching.extract_all(kind, fetched, source, ctx)  # follows pagination up to the cap
    crashpoints.reached("after_extract")
    changed = state.latest is not None and snapshot.fingerprint != state.latest
    previous = (ctx.store.snapshot(state.latest) if changed and state.latest else None) or None
    decision = decide(
        state,
        fetched,
        snapshot,
        source,
        config_hash=config_hash,
        previous=previous,
        removals=source.removals or kind.removals,
    )
    with ctx.store.unit():  # one check's writes: its own transaction, or part of a pass's batch
        return _record(decision, source, fetched, snapshot, ctx, config_hash, started)


def _record(
    decision: Decision,
    source: Source,
    fetched: FetchResult,
    snapshot: Snapshot,
    ctx: Context,
    config_hash: str,
    started: float,
) -> tuple[Outcome, Found | None]:
    """Write what `decide` said, in one transaction; a change is routed to its channels."""
    now = ctx.clock()
    for warning in snapshot.warnings:
        logger.warning("%s: %s", source.id, warning)
    common: dict[str, Any] = {
        "duration": time.monotonic() - started,
        "health": ctx.health,
        "warnings": snapshot.warnings,
    }
    body_hash = fetched.body_hash
    store = ctx.store
    match decision:
        case Baseline():
            with atomic(store.db):  # the version and the response that produced it (evidence)
                outcome = store.save_baseline(
                    source, fetched, snapshot, now, body_hash=body_hash, config_hash=config_hash, **common
                )
                _capture(source, fetched, now, ctx, snapshot=snapshot.fingerprint)
            return outcome, None
        case Rebaseline():
            # The extraction settings changed: what they extract now is the new reference,
            # recorded as "configuration changed" in the check history, with its evidence.
            with atomic(store.db):
                outcome = store.save_rebaseline(
                    source,
                    fetched,
                    snapshot,
                    now,
                    body_hash=body_hash,
                    config_hash=config_hash,
                    reason="configuration changed",
                    **common,
                )
                _capture(source, fetched, now, ctx, snapshot=snapshot.fingerprint)
            return outcome, None
        case Rekeyed(change=change):
            # Only the form of some keys changed (http -> https): store it, alert nothing.
            outcome = store.save_rebaseline(
                source,
                fetched,
                snapshot,
                now,
                body_hash=body_hash,
                config_hash=config_hash,
                status="unchanged",
                renamed=change.renamed,
                fingerprint=snapshot.fingerprint,
                **common,
            )
            return outcome, None
        case Unchanged(clear_pending=clear):
            if not clear:  # the versions differ in what the diff does not report: a date field moved?
                store.refresh_document_dates(source, snapshot.items, now)
            update = ContentUpdate(body_hash, config_hash, keep_pending=not clear)
            return store.record_unchanged(source, fetched, now, content=update, **common), None
        case Pending(count=count):
            return store.record_pending(
                source, fetched, snapshot, count, now, config_hash=config_hash, **common
            ), None
        case Changed(change=change):
            alerted = not change.is_empty  # a change of only aged-out items is recorded, not alerted
            hold = alerted and ctx.enrichment is not None and needs_enrichment(source, change, ctx.enrichment)
            fingerprint = snapshot.fingerprint
            with atomic(store.db):  # the change and the response that produced it (evidence)
                outcome = store.save_change(
                    source,
                    fetched,
                    snapshot,
                    change,
                    ctx.route(source) if alerted else (),
                    now,
                    hold=hold,
                    body_hash=body_hash,
                    config_hash=config_hash,
                    fingerprint=fingerprint,
                    dedupe_window=ctx.dedupe_window,
                    **common,
                )
                _capture(source, fetched, now, ctx, snapshot=fingerprint, change_id=outcome.change_id)
            found = Found(outcome.change_id, source) if hold and outcome.change_id is not None else None
            return outcome, found
    raise AssertionError(f"unknown decision {decision!r}")


@dataclass(frozen=True)
class Found:
    """A recorded change whose alerts wait in 'enriching' for the enrichment stage."""

    change_id: int
    source: Source


async def enrich_found(found: Found, ctx: Context) -> None:
    """The enrichment stage: follow and link, then release the change's alerts. Never raises."""
    if ctx.enrichment is None:
        return
    if ctx.linker is not None and ctx.linker.takes(found.source, ctx.enrichment):
        ctx.linker.submit(found.change_id, found.source)  # linked and released off this check
        return
    await enrich(
        found.change_id,
        found.source,
        fetcher=ctx.fetcher,
        store=ctx.store,
        clock=ctx.clock,
        settings=ctx.enrichment,
        robots=ctx.robots,
    )


def _capture(
    source: Source,
    fetched: FetchResult,
    now: datetime,
    ctx: Context,
    *,
    snapshot: str,
    change_id: int | None = None,
) -> None:
    """Keep the response that produced a stored version (evidence), in the caller's transaction."""
    capture(
        ctx.store,
        source,
        fetched,
        now,
        user_agent=ctx.fetcher.policy.user_agent,
        change_id=change_id,
        snapshot=snapshot,
    )


def _record_failure(
    source: Source, ctx: Context, exc: Exception, started: float, *, timed_out: str | None = None
) -> Outcome:
    """Record a failed check; the source's kind says which failures break it at once.

    `timed_out` is the message of a check that ran out of its `check_timeout`."""
    if timed_out is not None:
        reason, error = Reason.TIMEOUT, timed_out
    elif isinstance(exc, SourceError):
        reason, error = exc.reason, str(exc)
    else:
        reason, error = Reason.BUG, f"internal error: {type(exc).__name__}: {exc}"
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        ctx.fetcher.back_off(source.url, retry_after)
    kind = KINDS.get(source.kind)
    failure = Failure(
        reason=reason,
        error=error,
        duration=time.monotonic() - started,
        http_status=getattr(exc, "status", None),
        retry_after=retry_after,
        breaks_on=frozenset(kind.breaks_on) if kind is not None else frozenset(),
    )
    with ctx.store.unit():
        return ctx.store.record_failure(source, ctx.clock(), failure, health=ctx.health)


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
