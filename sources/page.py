"""`page`: watch the text of one or more regions of an HTML page."""

from __future__ import annotations

from dataclasses import dataclass

from sources import html
from sources.base import SourceKind
from sources.feed import declared_feed
from sources.text import clean_blocks
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Snapshot, Source


@dataclass(frozen=True)
class PageOptions:
    """Options of the `page` kind.

    select: CSS for the region(s) to watch (default: the whole body).
    exclude: CSS for parts removed before comparing (navigation, "last updated" lines).
    discover_feed: watch the RSS/Atom feed the page declares in its head instead.
    """

    select: str = "body"
    exclude: tuple[str, ...] = ()
    discover_feed: bool = False

    def __post_init__(self) -> None:
        html.check_selectors(self.select, self.exclude)


class Page(SourceKind):
    """Watch the text of a region of an HTML page.

    The selected region becomes normalized text blocks (scripts, styles, comments,
    hidden inputs dropped; whitespace folded; `ignore` regexes and volatile tokens
    removed); a change is a line diff of those blocks. Options: `select` (CSS, default
    `body`), `exclude` (list of CSS removed first), `discover_feed` (true: read the
    page's `<link rel="alternate" type="application/rss+xml">` and watch that feed
    instead). A selector that matches nothing is an error of the source, never an empty
    snapshot.
    """

    kind = "page"
    Options = PageOptions
    renders_html = True

    def feed_url(self, fetched: FetchResult, source: Source) -> str:
        return declared_feed(fetched)

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: PageOptions = source.options
        root = html.parse(fetched)
        html.remove(root, options.exclude)
        regions = html.select(root, options.select)
        if not regions:
            raise ExtractError(f"selector {options.select!r} matched nothing", reason=Reason.SELECTOR)
        blocks = clean_blocks((b for region in regions for b in html.text_blocks(region)), source.ignore)
        return Snapshot(blocks=blocks)
