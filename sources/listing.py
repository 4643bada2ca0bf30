"""`listing`: watch a list of documents on an HTML page (one element per item)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import repeat
from operator import attrgetter
from typing import Any
from urllib.parse import urlsplit

from sources import html
from sources.base import SourceKind
from sources.cssfirst import first_finder, firsts_finder
from sources.dates import DAY_FIRST_JURISDICTIONS, parse_date
from sources.feed import declared_feed
from sources.links import (
    PLAIN_PATH,
    PLAIN_URL,
    _plain_origin,
    absolute_plain,
    canonical,
    remember_plain_keys,
    without_tracking,
)
from sources.text import clean_text
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Item, Snapshot, Source

IDENTITIES = ("auto", "link", "title")
#: Links to these are documents: a new file under the same title is a revision.
DOCUMENT_SUFFIXES = (
    ".pdf",
    ".doc",
    ".docx",
    ".odt",
    ".rtf",
    ".xls",
    ".xlsx",
    ".ods",
    ".ppt",
    ".pptx",
    ".zip",
)


@dataclass(frozen=True)
class ListingOptions:
    """Options of the `listing` kind.

    select: CSS matching one element per item (required).
    title: CSS within the item for its title (default: the item's text).
    link: CSS within the item for its link (default: the first a[href]).
    date: CSS within the item for its date; `datetime` attribute wins over text (optional).
    summary: CSS within the item for a summary (optional).
    exclude: CSS removed from the page before items are read.
    identity: how items are recognised again: "auto" (default: the canonical link, but
        the title for links to document files such as PDFs, so a new file under the
        same title is a *revision*), "link" (canonical link, then title) or "title".
    discover_feed: watch the RSS/Atom feed the page declares in its head instead
        (`select` is then optional).
    """

    select: str = ""
    title: str | None = None
    link: str | None = None
    date: str | None = None
    summary: str | None = None
    exclude: tuple[str, ...] = ()
    identity: str = "auto"
    discover_feed: bool = False

    def __post_init__(self) -> None:
        if not self.select and not self.discover_feed:
            raise ValueError("listing needs 'select': CSS matching one element per item")
        if self.identity not in IDENTITIES:
            raise ValueError(f"identity must be one of {', '.join(map(repr, IDENTITIES))}")
        html.check_selectors(
            self.select or None, self.title, self.link, self.date, self.summary, self.exclude
        )


class Listing(SourceKind):
    """Watch a list of documents on an HTML page: one item per element matched by `select`.

    Each item has a title, an absolute link and a date where present; a change is the
    items added, removed or changed (identity by canonical link, falling back to title).
    Item order changes are not changes. Options: `select` (required), `title`, `link`,
    `date`, `summary` (CSS within the item), `exclude`, `identity` ("auto", "link" or
    "title"), `discover_feed`. With the default identity "auto", an item whose link is a
    document file (PDF, Word, spreadsheet) is recognised by its title, so the same title
    pointing to a new file is reported as a *revised* document, not as one added and
    one removed. A page lists what the regulator chose to show, so `removals` defaults to
    "alert" (set `removals = "window"` for a page of the newest N items).
    """

    kind = "listing"
    Options = ListingOptions
    renders_html = True
    has_items = True

    def feed_url(self, fetched: FetchResult, source: Source) -> str:
        return declared_feed(fetched)

    def extract(self, fetched: FetchResult, source: Source) -> Snapshot:
        options: ListingOptions = source.options
        if not options.select:
            raise ExtractError(
                "listing has no 'select' and its feed was not discovered", reason=Reason.SELECTOR
            )
        root = html.parse_plain(fetched)  # the same tree; nothing here needs lxml.html's methods
        base = html.base_href(root, fetched.final_url)
        html.remove(root, options.exclude)
        elements = html.select(root, options.select)
        if not elements:
            raise ExtractError(f"selector {options.select!r} matched nothing", reason=Reason.SELECTOR)
        dayfirst = source.jurisdiction.upper() in DAY_FIRST_JURISDICTIONS
        plain: list[str] = []  # the keys that are plain links (most), in the order read
        read = list(map(item_reader(options, base, source.ignore, dayfirst, plain), elements))
        items = unique_keys([item for item in read if item is not None], options)
        if not items:
            raise ExtractError(
                f"selector {options.select!r} matched {len(elements)} element(s)"
                " but none had a title or link",
                reason=Reason.SELECTOR,
            )
        snapshot = Snapshot(items=tuple(items))
        remember_plain_keys(snapshot, plain)  # so the diff does not work their identities out again
        return snapshot


Finder = Callable[[Any], Any]
#: What finds the first match of each field's selector in an item, by selector.
Fields = Callable[[Any], dict[str, Any]]


def field_finders(options: ListingOptions) -> Fields:
    """What finds, by selector, the first match of each selector of an item's fields in an
    item: made once per page rather than for each field of each item. The simple selectors
    (most: `h3 a`, `time[datetime]`, `p.summary`) are found together in one walk of the
    item (sources/cssfirst.py), any other by its XPath."""
    fields = dict.fromkeys(
        css for css in (options.title, options.link or "a[href]", options.date, options.summary) if css
    )
    paths = {css: html.selector(css).path for css in fields}
    simple = tuple((css, path) for css, path in paths.items() if first_finder(path) is not None)
    together = firsts_finder(simple) if simple else None
    others = {css: _finder(css) for css, path in paths.items() if first_finder(path) is None}
    if together is None:
        return lambda element: {css: find(element) for css, find in others.items()}
    if not others:
        return together

    def find_all(element: Any) -> dict[str, Any]:
        found = together(element)
        for css, find in others.items():
            found[css] = find(element)
        return found

    return find_all


def item_reader(
    options: ListingOptions,
    base: str,
    ignore,
    dayfirst: bool,
    plain_keys: list[str] | None = None,
) -> Callable[[Any], Item | None]:
    """What reads a page's elements: for each, the item it holds, or None. `plain_keys`
    learns an item's key when that key is the item's link and the link is plain
    (`sources.links.PLAIN_URL`: its identity is `sources.links.plain_identity`, worked out
    when the diff asks).

    Made once a page (~50 items, each read by the same few steps): the options' selectors and
    identity rule, the field finders and the base's plain origin are worked out here, and the
    calls a field was read through (`html.string_value`, `absolute_plain`'s plain join,
    `machine_date`'s own attribute, `new_item`) are written inline: ~0.3 M instructions of a
    changed bench page's ~11.8 M. tests/sources/test_extract_round18.py compares every item
    with main d594c5a's `read_item` (tests/support/listing_d594c5a.py) on every listing page.
    """
    finders = field_finders(options)
    title_css = options.title
    link_css = options.link or "a[href]"
    date_css = options.date
    summary_css = options.summary
    by_title_always = options.identity == "title"
    by_title_documents = options.identity == "auto"
    origin = _plain_origin(base)
    plain_path = PLAIN_PATH.fullmatch
    string_value = html.STRING_VALUE
    append_plain = plain_keys.append if plain_keys is not None else None
    new = _NEW
    set_dict = _SET

    def read(element: Any) -> Item | None:
        first = finders(element)
        if title_css:
            title_node = first[title_css]
            if title_node is None:
                title = ""
            else:  # `html.string_value`: a leaf's `.text`, else its XPath string-value
                title = clean_text(
                    (title_node.text or "") if not len(title_node) else string_value(title_node), ignore
                )
        else:
            title = clean_text((element.text or "") if not len(element) else string_value(element), ignore)
        link = ""
        link_node = first[link_css]
        if link_node is None and element.tag == "a":
            link_node = element
        plain = False
        if link_node is not None:
            href = link_node.get("href")
            # `absolute_plain`'s short way (a plain path on the base's plain origin) first; any
            # other href (a blank one too: stripped, it resolves to the base) goes through it.
            stripped = href.strip() if href else ""
            if origin and plain_path(stripped):
                link, plain = origin + stripped, True
            else:
                link, plain = absolute_plain(base, href)
                if not plain:
                    link = without_tracking(link)
        date = None
        if date_css:
            date_node = first[date_css]
            if date_node is not None:
                date = parse_date(
                    date_node.get("datetime") or machine_date(date_node) or html.inline_text(date_node),
                    dayfirst=dayfirst,
                )
        summary = ""
        if summary_css:
            summary_node = first[summary_css]
            if summary_node is not None:
                summary = clean_text(
                    (summary_node.text or "") if not len(summary_node) else string_value(summary_node), ignore
                )
        if not title and not link:
            return None
        document = link.lower().endswith(DOCUMENT_SUFFIXES) if plain else is_document(link)
        if (by_title_always or (by_title_documents and document)) and title:
            key = "title:" + title.casefold()
        elif link:
            if plain:
                key = link
                if append_plain is not None:
                    append_plain(key)
            else:
                key = canonical(link)
        else:
            key = "title:" + title.casefold()
        item = new(Item)  # `new_item`
        set_dict(
            item,
            "__dict__",
            {
                "key": key,
                "title": title or link,
                "link": link,
                "date": date,
                "summary": summary,
                "fields": (),
            },
        )
        return item

    return read


def new_item(key: str, title: str, link: str, date: str | None, summary: str) -> Item:
    """`Item(key, title, link, date, summary)` made as `Item.from_dict` makes one: its
    `__dict__` set whole, in field order (the frozen dataclass's `__init__` sets each field by
    an `object.__setattr__`): ~0.45 µs instead of ~0.7, ~50 items a page."""
    item = _NEW(Item)
    _SET(
        item,
        "__dict__",
        {"key": key, "title": title, "link": link, "date": date, "summary": summary, "fields": ()},
    )
    return item


_NEW = object.__new__
_SET = object.__setattr__


def machine_date(node) -> str | None:
    """The machine-readable date of a date element: its own `datetime`, else that of a
    `<time datetime>` inside it (a Drupal `.views-field-created` wraps one whose value
    has the zone, `2019-05-03T19:21:28Z`, while its text is local, `05/03/2019 - 15:21`)."""
    own = node.get("datetime")
    if own:
        return own
    inner = next(node.iterfind(".//time[@datetime]"), None)
    return inner.get("datetime") if inner is not None else None


def unique_keys(items: list[Item], options: ListingOptions) -> list[Item]:
    """Drop repeated items; under identity "auto", documents that share a title (two PDFs both
    called "Corrigendum") are told apart by their links instead."""
    keys = list(map(_KEY, items))
    # Only a key made from a title can be shared by documents (a listing's keys are mostly
    # links): one pass in C over the keys rules the counting out.
    if options.identity == "auto" and any(map(str.startswith, keys, _TITLED)):
        counts = Counter(i.key for i in items if i.key.startswith("title:") and is_document(i.link))
        if any(count > 1 for count in counts.values()):  # else no item's key changes
            items = [
                replace(i, key=canonical(i.link)) if counts.get(i.key, 0) > 1 and is_document(i.link) else i
                for i in items
            ]
            keys = list(map(_KEY, items))
    if len(set(keys)) == len(items):
        return items  # no repeated key (most pages): every item, in order, as below
    result: list[Item] = []
    seen: set[str] = set()
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            result.append(item)
    return result


_KEY = attrgetter("key")
_TITLED = repeat("title:")


def is_document(link: str) -> bool:
    """True for links to document files (`.pdf`, `.docx`, ...), where the file name changes with
    each revision but the document stays the same."""
    if not link:
        return False
    if PLAIN_URL.fullmatch(link):
        # A plain URL ends with its path, which starts with "/" (no query or fragment), and no
        # suffix contains "/": the link ends with a suffix exactly when its path does.
        return link.lower().endswith(DOCUMENT_SUFFIXES)
    return _is_document_parsed(link)


def _is_document_parsed(link: str) -> bool:
    return urlsplit(link).path.lower().endswith(DOCUMENT_SUFFIXES)


def _finder(css: str) -> Finder:
    finder = first_finder(html.selector(css).path)
    if finder is not None:  # a simple selector: a walk in C instead of an XPath call
        return finder
    return lambda element: next(iter(html.select(element, css)), None)
