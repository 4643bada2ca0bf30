"""Enrich a change before its alert goes out: follow its new documents, link related items.

The hand-off with the outbox is crash-safe and keeps "a change and its outbox rows in one
transaction":

1. `Store.save_change(..., hold=True)` writes the change and its outbox rows in ONE
   transaction; the rows get status 'enriching' (not 'pending') and the change
   `enrichment = 'pending'`. Nothing is sendable yet, nothing can be lost.
2. Right after, in the same check, `enrich` follows the new items' links (`follow = true`;
   each text stored as it arrives), ranks related items for each new document and the page
   edit (stored in one transaction), then `Store.finish_enrichment` marks the change
   'done' and turns its rows 'pending' (one transaction). Enrichment never raises: a
   failure is logged and the alert is released without what failed.
   In a pass that commits checks in batches (watcher/db/batch.py), the batch holding the
   change is committed before following or asking the model: nothing waits on the
   network with its change uncommitted. Linking alone waits on nothing; its rows go in
   the batch, and a kill loses them with the change, which the next pass finds again.
   In a pass with extraction workers, a change that needs only linking is not enriched
   here: `watcher.check.linkstage` links it in a worker process once its batch is
   committed, then stores the links and releases it the same way, while the check goes on.
3. A crash during 2 leaves the rows 'enriching': `recover` (run at the start of every
   pass) enriches such a change again (following only links not tried yet) and releases
   it, or, once it is older than `give_up`, releases it as it is ('expired'). Even if
   nothing ever recovers it, `Store.due_deliveries` sends an 'enriching' row that has
   waited longer than `store.ENRICH_TIMEOUT`, so an alert is delayed, never lost.

Changes of `role = "related"` sources are followed (their text improves linking) but
never linked and never alerted (routing gives them no channel).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from watcher.check.follow import FollowPolicy, follow_items
from watcher.db.store import Store
from watcher.model import Change, Source
from watcher.net.fetch import Fetcher
from watcher.net.robots import Robots
from watcher.related.values import Ranking

if TYPE_CHECKING:
    from watcher.check.summarize import SummaryStage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enrichment:
    """How changes are enriched: the ranker's settings, the follow bounds, when to give up."""

    ranking: Ranking = field(default_factory=Ranking)
    follow: FollowPolicy = field(default_factory=FollowPolicy)
    give_up: timedelta = timedelta(hours=6)
    #: The team's model ([summary]): summaries and verdicts before release (None: off).
    summaries: SummaryStage | None = None


def needs_enrichment(source: Source, change: Change, settings: Enrichment | None = None) -> bool:
    """Does this change have documents to follow or to link, or a summary to write, before it is alerted?"""
    if (
        settings is not None
        and settings.summaries is not None
        and source.summarize
        and source.role != "related"
    ):
        return True
    followable = source.follow and any(item.link for item in change.added)
    linkable = source.role != "related" and bool(
        change.added or any(line.startswith("+") and not line.startswith("+++") for line in change.diff)
    )
    return followable or linkable


async def enrich(
    change_id: int,
    source: Source,
    *,
    fetcher: Fetcher,
    store: Store,
    clock: Callable[[], datetime],
    settings: Enrichment,
    robots: Robots | None = None,
) -> None:
    """Follow, link, release. Never raises: the change's alert must go out regardless."""
    started = time.monotonic()
    followed = failed = links = 0
    try:
        try:
            if source.follow:
                store.commit_batch()  # the change is durable before it waits on the network
                results = await follow_items(
                    store.change_items(change_id),
                    source,
                    fetcher=fetcher,
                    store=store,
                    clock=clock,
                    policy=settings.follow,
                    robots=robots,
                )
                followed = sum(1 for r in results if r.ok)
                failed = len(results) - followed
            if source.role != "related":
                store.index_pending()  # linking reads items_fts: this batch's new items too
                # Imported at the first change: a pass without one never loads linking (~15 ms).
                from watcher.related.linking import link_change

                found = link_change(store.db, change_id, now=clock(), ranking=settings.ranking)
                store.replace_related(change_id, [link.row() for link in found], clock())
                links = sum(1 for link in found if link.shown)
        except Exception:  # enrichment is a bonus; a bug in it must not hold the alert back
            logger.exception("bug while enriching change %s of %s", change_id, source.id)
        if settings.summaries is not None and source.role != "related":
            try:  # after following: a new document is summarised from its main text
                store.commit_batch()  # the change is durable before the model is asked
                # Imported when summaries are on: a check without `[summary]` never loads the client.
                from watcher.check.summarize import summarize_change

                await summarize_change(change_id, source, store=store, clock=clock, stage=settings.summaries)
            except Exception:  # the alert goes out without its summary
                logger.exception("bug while summarising change %s of %s", change_id, source.id)
    finally:
        store.finish_enrichment(change_id, clock())
    logger.info(
        "enriched change %s of %s: %d document(s) followed, %d failed, %d related link(s) shown in %.2fs",
        change_id,
        source.id,
        followed,
        failed,
        links,
        time.monotonic() - started,
    )


async def recover(
    store: Store,
    sources: Mapping[str, Source],
    *,
    fetcher: Fetcher,
    clock: Callable[[], datetime],
    settings: Enrichment,
    robots: Robots | None = None,
) -> int:
    """Finish enrichments a crash interrupted (detected before now); returns how many."""
    now = clock()
    unfinished = store.unfinished_enrichments(before=now)
    for change_id, source_id, detected in unfinished:
        source = sources.get(source_id)
        if source is None or now - detected > settings.give_up:
            logger.warning(
                "releasing change %s of %s without enrichment (interrupted %s ago)",
                change_id,
                source_id,
                now - detected,
            )
            store.finish_enrichment(change_id, now, state="expired")
            continue
        logger.warning("resuming the interrupted enrichment of change %s of %s", change_id, source_id)
        await enrich(
            change_id, source, fetcher=fetcher, store=store, clock=clock, settings=settings, robots=robots
        )
    return len(unfinished)
