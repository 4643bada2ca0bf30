"""Follow the links of a change's new items: fetch each linked page or PDF, keep its main text.

For sources with `follow = true` (any kind whose items have links: listing, feed, json).
Only items a change *added* are followed, at most `max_items` per change, through the
same `Fetcher` as every check (so the same size and time caps, overall and per-host
concurrency, per-host delay and Retry-After back-off) and the same robots.txt rules,
with the source's own headers,
timeout, size cap and `allow_private`. The text lands in `items.text` (indexed for search
and linking by the items_fts triggers). A failure is recorded on the item
(`items.text_error`) and logged; it never fails the check and never loses the change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sources.document import DOCUMENT_ACCEPT, Document, extract_document
from watcher.db.store import Store, StoredItem
from watcher.errors import SourceError
from watcher.model import Source
from watcher.net.fetch import Fetcher, Request
from watcher.net.robots import Robots

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FollowPolicy:
    """Bounds on following: items per change, characters kept per document, PDF pages read."""

    #: Config keys `[related] follow_max_items` / `follow_max_chars`; max_pages is `[limits] pdf_max_pages`.
    max_items: int = field(default=20, metadata={"key": "follow_max_items"})
    max_chars: int = field(default=200_000, metadata={"key": "follow_max_chars"})
    max_pages: int = 200


@dataclass(frozen=True)
class Followed:
    """What following one item's link gave."""

    item_id: int
    link: str
    chars: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


async def follow_items(
    items: Sequence[StoredItem],
    source: Source,
    *,
    fetcher: Fetcher,
    store: Store,
    clock: Callable[[], datetime],
    policy: FollowPolicy = FollowPolicy(),
    robots: Robots | None = None,
) -> list[Followed]:
    """Follow the links of `items` not followed yet; store each text or error as it comes."""
    pending = [item for item in items if item.link and item.text_fetched_at is None]
    chosen, skipped = pending[: policy.max_items], pending[policy.max_items :]
    results: list[Followed] = []
    for item in skipped:
        error = f"not followed: the change added more than {policy.max_items} items"
        store.set_item_error(item.id, error, clock())
        results.append(Followed(item.id, item.link, error=error))
    results.extend(
        await asyncio.gather(
            *(
                follow_one(item, source, fetcher=fetcher, store=store, clock=clock, policy=policy)
                for item in chosen
            )
        )
    )
    return results


async def follow_one(
    item: StoredItem,
    source: Source,
    *,
    fetcher: Fetcher,
    store: Store,
    clock: Callable[[], datetime],
    policy: FollowPolicy,
    robots: Robots | None = None,
) -> Followed:
    """Fetch one item's link and store its main text, or why it could not be read.

    robots.txt is obeyed like for any check, unless the source opted out (`robots = false`)."""
    try:
        if source.robots and robots is not None:
            await robots.ensure_allowed(item.link, fetcher, allow_private=source.allow_private)
        fetched = await fetcher.fetch(
            Request(
                url=item.link,
                accept=DOCUMENT_ACCEPT,
                headers=source.headers,  # only to the source's origin (watcher/net/origin.py)
                headers_origin=source.url,
                headers_hosts=source.headers_hosts,
                allow_private=source.allow_private,
                timeout=source.timeout,
                max_bytes=source.max_bytes,
            )
        )
        document = await asyncio.to_thread(
            extract_document, fetched, max_pages=policy.max_pages, markers=source.bot_markers
        )
    except SourceError as exc:
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            fetcher.back_off(item.link, retry_after)
        return _failed(item, source, f"{exc.reason}: {exc}", store, clock)
    except Exception as exc:  # a bug reading one document must not cost the change its alert
        logger.exception("bug while following %s for %s", item.link, source.id)
        return _failed(item, source, f"internal error: {type(exc).__name__}: {exc}", store, clock)
    text = document_text(document, item.title)[: policy.max_chars]
    store.set_item_text(item.id, text, clock())
    logger.info("followed %s for %s: %d characters (%s)", item.link, source.id, len(text), document.kind)
    return Followed(item.id, item.link, chars=len(text))


def document_text(document: Document, title: str) -> str:
    """The text to keep: a first line that only repeats the item's title is dropped."""
    lines = document.text.split("\n")
    if len(lines) > 1 and " ".join(lines[0].split()).casefold() == " ".join(title.split()).casefold():
        lines = lines[1:]
    return "\n".join(lines)


def _failed(item: StoredItem, source: Source, error: str, store: Store, clock) -> Followed:
    logger.warning("could not follow %s for %s: %s", item.link, source.id, error)
    store.set_item_error(item.id, error, clock())
    return Followed(item.id, item.link, error=error)
