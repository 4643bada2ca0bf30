"""Compose the engine from a Config: one pass over sources, then delivery of the outbox."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from alerts.base import Channel
from alerts.outbox import DeliveryReport, deliver_due
from alerts.registry import CHANNELS
from alerts.routing import Routes
from watcher.check.enrich import Enrichment, recover
from watcher.check.linkstage import pass_linker
from watcher.check.pipeline import Context, Extractor, check, extract_inline
from watcher.check.sourcehealth import HealthPolicy
from watcher.check.workers import ProcessExtractor
from watcher.config import Config, Limits
from watcher.db.store import Store
from watcher.model import Outcome, Source
from watcher.net.browser import BrowserRenderer
from watcher.net.fetch import Fetcher, FetchPolicy
from watcher.net.robots import Robots
from watcher.service.notices import enqueue_due_notices
from watcher.workflow.reminders import schedule_notices

if TYPE_CHECKING:
    from watcher.check.summarize import SummaryStage

logger = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def fetch_policy(config: Config) -> FetchPolicy:
    return config.fetch


def routes(config: Config) -> Routes:
    """Where the config sends change and health alerts (alerts/routing.py decides)."""
    return Routes(tuple(config.channels), config.health.channels)


def health_policy(config: Config) -> HealthPolicy:
    """[health] as configured, its channels routed."""
    return dataclasses.replace(config.health, channels=routes(config).health)


def build_channels(
    config: Config, env: Mapping[str, str] | None = None, **extra: object
) -> dict[str, Channel]:
    """One channel object per configured channel; `extra` reaches channels that accept it (tests)."""
    channels: dict[str, Channel] = {}
    for channel_config in config.channels:
        cls = CHANNELS[channel_config.kind]
        channels[channel_config.id] = cls(
            channel_config.id,
            channel_config.options,
            env=env,
            thread=channel_config.thread,
            digest=channel_config.digest,
        )
        if config.service.public_url and hasattr(channels[channel_config.id], "public_url"):
            channels[channel_config.id].public_url = config.service.public_url  # type: ignore[attr-defined]
        for name, value in extra.items():
            if hasattr(channels[channel_config.id], name):
                setattr(channels[channel_config.id], name, value)
    return channels


def enrichment(config: Config) -> Enrichment:
    """Following, linking and summarising, with the config's `Ranking`, `FollowPolicy`, `[summary]`."""
    return Enrichment(ranking=config.ranking, follow=config.follow, summaries=summary_stage(config))


def summary_stage(config: Config) -> SummaryStage | None:
    """The summary step as `[summary]` and the channels configure it (None: no `[summary]`)."""
    if config.summary is None:
        return None
    from watcher.check.summarize import ChannelModel, SummaryStage  # only with [summary]

    channels = {c.id: ChannelModel(c.summarize, c.important_when) for c in config.channels}
    return SummaryStage(config.summary, channels, os.environ)  # the key is read per call, never kept


@dataclass
class PassResult:
    outcomes: list[Outcome] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]


def make_context(
    config: Config,
    store: Store,
    fetcher: Fetcher,
    clock: Callable[[], datetime] = utcnow,
    robots: Robots | None = None,
    extract: Extractor = extract_inline,
) -> Context:
    """The check context; robots.txt rules are read (and cached by `robots`) through `fetcher`."""
    return Context(
        fetcher=fetcher,
        store=store,
        clock=clock,
        route=routes(config).changes,
        health=health_policy(config),
        extract=extract,
        max_pages=config.limits.max_pages,
        render=BrowserRenderer(fetcher.policy).render,
        robots=robots or Robots(fetcher.policy.user_agent),
        enrichment=enrichment(config),
        check_timeout=config.limits.check_timeout,
        dedupe_window=config.dedupe.window,
    )


async def recover_enrichment(ctx: Context, sources: Sequence[Source]) -> int:
    """Finish enrichments a crash interrupted (call before checking: nothing else runs then)."""
    if ctx.enrichment is None:
        return 0
    return await recover(
        ctx.store,
        {s.id: s for s in sources},
        fetcher=ctx.fetcher,
        clock=ctx.clock,
        settings=ctx.enrichment,
        robots=ctx.robots,
    )


async def check_sources(
    sources: Sequence[Source],
    ctx: Context,
    on_outcome: Callable[[Outcome], None] | None = None,
    *,
    batch: Limits | None = None,
) -> list[Outcome]:
    """Check sources concurrently (the fetcher enforces the overall and per-host limits).

    Checks start as slots free up, so a check's deadline (`check_timeout`) does not run
    while it waits behind thousands of others in a big pass. `on_outcome` hears of each
    check as it ends (the command line's progress). Whole checks are committed in batches
    (`batch.batch_checks` / `batch_seconds`, watcher/db/batch.py); all are committed when
    this returns.
    """
    # A fixed set of checkers taking sources in turn, rather than one task per source
    # waiting on a semaphore: 10,000 waiting tasks held ~15 MB.
    pending = iter(enumerate(sources))
    found: dict[int, Outcome] = {}

    async def checker() -> None:
        for index, source in pending:  # one iterator shared by all checkers
            outcome = await check(source, ctx)
            found[index] = outcome
            if on_outcome is not None:
                on_outcome(outcome)

    slots = min(len(sources), max(1, 2 * ctx.fetcher.policy.concurrency))
    batch = batch or Limits()
    with ctx.store.batching(batch.batch_checks, batch.batch_seconds):
        try:
            await asyncio.gather(*(checker() for _ in range(slots)))
            if ctx.linker is not None:  # changes linked in its worker are released before the pass ends
                await ctx.linker.drain()
        finally:
            if ctx.linker is not None:
                await ctx.linker.cancel()
    return [found[index] for index in range(len(sources))]


async def run_pass(
    config: Config,
    store: Store,
    *,
    sources: Sequence[Source] | None = None,
    channels: Mapping[str, Channel] | None = None,
    fetcher: Fetcher | None = None,
    clock: Callable[[], datetime] = utcnow,
    deliver: bool = True,
    extract: Extractor | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> PassResult:
    """One pass: check the given sources (default: all), then deliver what is due.

    `extract` defaults to a process pool sized to the cores for big bodies (workers start
    only if a page changed); pass `extract_inline` to parse on the event loop.
    """
    chosen = list(config.sources if sources is None else sources)
    store.sync_sources(config.sources, clock())
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(fetch_policy(config))
    own_extractor = extract is None
    extractor = ProcessExtractor(timeout=config.limits.check_timeout) if extract is None else extract
    linker = None
    try:
        ctx = make_context(config, store, fetcher, clock, extract=extractor)
        await recover_enrichment(ctx, config.sources)
        linker = pass_linker(store, ctx.enrichment, clock, extractor, config.limits.check_timeout)
        ctx = dataclasses.replace(ctx, linker=linker)
        outcomes = await check_sources(chosen, ctx, on_outcome, batch=config.limits)
    finally:
        if linker is not None:
            linker.close()
        if own_fetcher:
            await fetcher.aclose()
        if own_extractor and isinstance(extractor, ProcessExtractor):
            extractor.close()
    result = PassResult(outcomes=outcomes)
    if deliver:
        own_channels = channels is None
        channels = channels if channels is not None else build_channels(config)
        try:
            enqueue_due_notices(store, config, clock())  # reminders, quiet sources
            schedule_notices(store, channels, clock(), remind_after=config.workflow.reminder_delay)
            result.delivery = await deliver_due(store, channels, clock, retry=config.delivery)
        finally:
            if own_channels:
                for channel in channels.values():
                    channel.close()
    return result
