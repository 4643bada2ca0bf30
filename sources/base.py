"""The interface every source kind implements.

A kind turns the bytes regwatch fetched into a `Snapshot` (text blocks, items, or
both). It never fetches by itself: the engine fetches, so limits, politeness and
fault handling live in one place. To add a kind: write one module with a subclass
of `SourceKind`, add it to `sources/registry.py`, document it in its docstring and
the README (a test checks both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sources.links import known_identities, remember_identities
from watcher.errors import Reason
from watcher.model import FetchResult, Snapshot, Source

HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class NoOptions:
    """A kind with no options of its own."""


class SourceKind:
    """Base class of source kinds: override `extract`, and `next_page` to paginate."""

    kind: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions
    accept: ClassVar[str] = HTML_ACCEPT
    #: True when the kind's items are documents worth following (`follow = true`).
    has_items: ClassVar[bool] = False
    #: True when the kind reads HTML, so `render = "browser"` can fetch it through Chromium.
    renders_html: ClassVar[bool] = False
    #: What an item that left the list means unless the source says (`removals`): "alert"
    #: (a removal), "window" (kinds reading the newest N: the oldest ageing out is not
    #: alerted, one vanishing from inside the window is) or "ignore".
    removals: ClassVar[str] = "alert"
    #: Failure reasons that break a source of this kind at once, without waiting for
    #: `[health] after_failures` in a row: retrying cannot fix them, someone must look
    #: (the watched region is gone, or a bot wall that does not lift).
    breaks_on: ClassVar[frozenset[Reason]] = frozenset({Reason.SELECTOR, Reason.BOT_WALL_PERSISTENT})

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        raise NotImplementedError

    def discovers_feed(self, source: Source) -> bool:
        """True when the source asks to be watched through the feed its page declares."""
        return bool(getattr(source.options, "discover_feed", False))

    def feed_url(self, fetched: FetchResult, source: Source) -> str:
        """For `discover_feed = true`: the feed the fetched page declares (the engine then
        fetches and reads it as a `feed`). Raises ExtractError(reason="no_feed") if none."""
        raise NotImplementedError(f"kind {self.kind!r} cannot discover feeds")

    def next_page(self, fetched: FetchResult, source: Source) -> str | None:
        """The URL of the next page of results, if the kind paginates."""
        return None

    def merge(self, pages: list[Snapshot]) -> Snapshot:
        """Combine the snapshots of several pages into one (items deduplicated by key)."""
        if len(pages) == 1:
            return pages[0]
        seen: set[str] = set()
        items = []
        for page in pages:
            for item in page.items:
                if item.key not in seen:
                    seen.add(item.key)
                    items.append(item)
        merged = Snapshot(
            blocks=tuple(b for p in pages for b in p.blocks),
            items=tuple(items),
            warnings=tuple(w for p in pages for w in p.warnings),
        )
        # Each entry is a key's identity whatever page it came from: all stay true.
        remember_identities(merged, {k: v for page in pages for k, v in known_identities(page).items()})
        return merged
