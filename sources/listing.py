"""`listing`: watch a list of documents on an HTML page (one element per item)."""

from __future__ import annotations

from dataclasses import dataclass

from sources import html
from sources.base import SourceKind
from sources.dates import DAY_FIRST_JURISDICTIONS, parse_date
from sources.links import absolute, canonical
from sources.text import clean_line
from watcher.errors import ExtractError
from watcher.model import FetchResult, Item, Snapshot, Source


@dataclass(frozen=True)
class ListingOptions:
    """Options of the `listing` kind.

    select: CSS matching one element per item (required).
    title: CSS within the item for its title (default: the item's text).
    link: CSS within the item for its link (default: the first a[href]).
    date: CSS within the item for its date; `datetime` attribute wins over text (optional).
    summary: CSS within the item for a summary (optional).
    exclude: CSS removed from the page before items are read.
    identity: how items are recognised again: "link" (canonical link, then title) or
        "title" (title, so a new file under the same title is a *revision*).
    """

    select: str = ""
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    exclude: tuple[str, ...] = ()
    identity: str = "link"

    def __post_init__(self) -> None:
        if not self.select:
            raise ValueError("listing needs 'select': CSS matching one element per item")
        if self.identity not in ("link", "title"):
            raise ValueError("identity must be 'link' or 'title'")
        html.check_selectors(self.select, self.title, self.link, self.date, self.summary, self.exclude)


class Listing(SourceKind):
    """Watch a list of documents on an HTML page: one item per element matched by `select`.

    Each item has a title, an absolute link and a date where present; a change is the
    items added, removed or changed (identity by canonical link, falling back to title).
    Item order changes are not changes. Options: `select` (required), `title`, `link`,
    `date`, `summary` (CSS within the item), `exclude`, `identity` ("link" or "title").
    """

    kind = "listing"
    Options = ListingOptions
    has_items = True

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: ListingOptions = source.options
        root = html.parse(fetched)
        base = html.base_href(root, fetched.final_url)
        html.remove(root, options.exclude)
        elements = html.select(root, options.select)
        if not elements:
            raise ExtractError(f"selector {options.select!r} matched nothing", reason="selector")
        dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
        items: list[Item] = []
        seen: set[str] = set()
        for element in elements:
            item = read_item(element, options, base, source.ignore, dayfirst)
            if item is None or item.key in seen:
                continue
            seen.add(item.key)
            items.append(item)
        if not items:
            raise ExtractError(
                f"selector {options.select!r} matched {len(elements)} element(s)"
                " but none had a title or link",
                reason="selector",
            )
        return Snapshot(items=tuple(items))


def read_item(element, options: ListingOptions, base: str, ignore, dayfirst: bool) -> Item | None:
    title_node = _first(element, options.title) if options.title else element
    title = clean_line(html.inline_text(title_node), ignore) if title_node is not None else ""
    link = ""
    link_node = _first(element, options.link or "a[href]")
    if link_node is None and element.tag == "a":
        link_node = element
    if link_node is not None:
        link = absolute(base, link_node.get("href"))
    date = None
    if options.date:
        date_node = _first(element, options.date)
        if date_node is not None:
            date = parse_date(date_node.get("datetime") or html.inline_text(date_node), dayfirst=dayfirst)
    summary = ""
    if options.summary:
        summary_node = _first(element, options.summary)
        if summary_node is not None:
            summary = clean_line(html.inline_text(summary_node), ignore)
    if not title and not link:
        return None
    if options.identity == "title" and title:
        key = "title:" + title.casefold()
    else:
        key = canonical(link) if link else "title:" + title.casefold()
    return Item(key=key, title=title or link, link=link, date=date, summary=summary)


def _first(element, css: str | None):
    if not css:
        return None
    found = html.select(element, css)
    return found[0] if found else None
