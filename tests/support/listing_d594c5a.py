"""`read_item` of sources/listing.py as it was at main d594c5a, verbatim below this docstring:
the reference the listing's per-page item reader (`sources.listing.item_reader`) must agree with
(tests/sources/test_extract_round18.py). Do not edit."""

from __future__ import annotations

from sources import html
from sources.dates import parse_date
from sources.links import absolute_plain, canonical, without_tracking
from sources.listing import (
    DOCUMENT_SUFFIXES,
    Fields,
    ListingOptions,
    field_finders,
    is_document,
    machine_date,
    new_item,
)
from sources.text import clean_text
from watcher.model import Item


def read_item(
    element,
    options: ListingOptions,
    base: str,
    ignore,
    dayfirst: bool,
    finders: Fields | None = None,
    plain_keys: list[str] | None = None,
) -> Item | None:
    """The item an element holds, or None. `plain_keys` learns its key when that key is the
    item's link and the link is plain (`sources.links.PLAIN_URL`: its identity is
    `sources.links.plain_identity`, worked out when the diff asks)."""
    # Every field's first match, found at once (title and link often share a selector: "h3 a").
    first = (finders if finders is not None else field_finders(options))(element)
    title_node = first[options.title] if options.title else element
    title = clean_text(html.string_value(title_node), ignore) if title_node is not None else ""
    link = ""
    link_node = first[options.link or "a[href]"]
    if link_node is None and element.tag == "a":
        link_node = element
    plain = False
    if link_node is not None:
        # A plain URL (most links) is its own link without tracking and its own canonical
        # form: one check here instead of one in each of the three helpers.
        link, plain = absolute_plain(base, link_node.get("href"))
        if not plain:
            link = without_tracking(link)
    date = None
    if options.date:
        date_node = first[options.date]
        if date_node is not None:
            date = parse_date(machine_date(date_node) or html.inline_text(date_node), dayfirst=dayfirst)
    summary = ""
    if options.summary:
        summary_node = first[options.summary]
        if summary_node is not None:
            summary = clean_text(html.string_value(summary_node), ignore)
    if not title and not link:
        return None
    document = link.lower().endswith(DOCUMENT_SUFFIXES) if plain else is_document(link)
    by_title = options.identity == "title" or (options.identity == "auto" and document)
    if by_title and title:
        key = "title:" + title.casefold()
    elif link:
        if plain:
            key = link
            if plain_keys is not None:
                plain_keys.append(key)
        else:
            key = canonical(link)
    else:
        key = "title:" + title.casefold()
    return new_item(key, title or link, link, date, summary)
