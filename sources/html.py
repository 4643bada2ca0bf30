"""HTML parsing shared by the HTML kinds: decode, parse with lxml, drop what is never content,
select regions by CSS, and turn a region into text blocks."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache

from lxml import etree, html
from lxml.cssselect import CSSSelector
from lxml.etree import XPath

from sources.links import absolute
from sources.text import decode_utf8
from watcher.errors import ConfigError, ExtractError, Reason
from watcher.model import FetchResult

XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: Never content: removed before anything is selected or compared.
DROP = XPath(
    "//script | //style | //noscript | //template | //comment() | //processing-instruction()"
    " | //input[@type='hidden' or @type='HIDDEN'] | //*[@hidden] | //svg | //iframe"
)
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "option",
        "legend",
    ]
)


@lru_cache(maxsize=512)
def selector(css: str) -> CSSSelector:
    """A compiled CSS selector; a bad one is a config error naming the selector."""
    try:
        return CSSSelector(css, translator="html")
    except Exception as exc:  # cssselect raises several unrelated types
        raise ConfigError(f"invalid CSS selector {css!r}: {exc}") from exc


def check_selectors(*selectors: str | Iterable[str] | None) -> None:
    """Compile selectors at config load so a typo fails at start-up, not at 3 a.m."""
    for value in selectors:
        if value is None:
            continue
        for css in [value] if isinstance(value, str) else value:
            selector(css)


#: The classes of the tree's nodes, chosen in C: lxml.html's own lookup is a Python method
#: called for every element object lxml makes (a listing makes ~500 a page: 0.3 ms of its
#: ~1.8 ms extraction). The same classes, but for the five form controls (`form`, `input`,
#: `select`, `textarea`, `label`), plain `HtmlElement`s here too: nothing reads their form
#: properties (`.value`, `.fields`), and every other method is `HtmlElement`'s.
ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=html.HtmlElement,
    comment=html.HtmlComment,
    pi=html.HtmlProcessingInstruction,
    entity=html.HtmlEntity,
)


def parse(fetched: FetchResult) -> html.HtmlElement:
    """Decode and parse an HTML response; content removed by `DROP` is gone from the tree."""
    return _parse(fetched, _parsers.parser)  # type: ignore[no-any-return]


def parse_plain(fetched: FetchResult) -> etree._Element:
    """`parse`, the same tree, its elements lxml's own `_Element`s instead of `HtmlElement`s,
    for a reader that needs none of lxml.html's methods (the listing kind): lxml makes an
    element object for each node a reader reaches (~350 a bench page) and calls the
    `_init()` hook of every one of a Python class: ~15-20 µs of a bench page's reading."""
    return _parse(fetched, _parsers.plain)


def _parse(fetched: FetchResult, parser: etree.HTMLParser) -> etree._Element:
    body = fetched.body
    if not body or body.isspace():  # `not body.strip()` without copying the body
        raise ExtractError("the response body is empty", reason=Reason.EMPTY)
    text, utf8 = decode_utf8(body, fetched.charset)
    # Well-formed UTF-8 is its own encoding of the text: not encoded again (~0.03 ms a page).
    return _parse_bytes(body if utf8 else text.encode("utf-8", errors="replace"), fetched.final_url, parser)


def parse_text(text: str, base_url: str = "") -> html.HtmlElement:
    return parse_bytes(text.encode("utf-8", errors="replace"), base_url)


#: How every page is read: UTF-8 in, comments and processing instructions left out, no
#: network, libxml2's depth limit kept.
PARSER_OPTIONS = {
    "encoding": "utf-8",
    "remove_comments": True,
    "remove_pis": True,
    "no_network": True,
    "huge_tree": False,
}


def new_parser() -> html.HTMLParser:
    """The HTML parser every page is read with (`PARSER_OPTIONS`), its elements `HtmlElement`s."""
    parser = html.HTMLParser(**PARSER_OPTIONS)
    parser.set_element_class_lookup(ELEMENT_CLASSES)
    return parser


def new_plain_parser() -> etree.HTMLParser:
    """The same parser (lxml.html's is etree's with its element classes set), lxml's own
    element classes kept."""
    return etree.HTMLParser(**PARSER_OPTIONS)


class _Parsers(threading.local):
    """One parser per thread, made once: a parser keeps its libxml2 parser context between
    documents, which a new parser makes again for each (~15 µs of a bench page's ~270 µs
    parse); lxml resets the context and clears its error log at the start of each document.
    Per thread because lxml serialises the documents of one parser with a lock."""

    def __init__(self) -> None:
        self.parser = new_parser()
        self.plain = new_plain_parser()


_parsers = _Parsers()


def parse_bytes(data: bytes, base_url: str = "") -> html.HtmlElement:
    """Parse UTF-8 HTML (a text's UTF-8, as `parse_text` makes it); drop what `DROP` selects."""
    return _parse_bytes(data, base_url, _parsers.parser)  # type: ignore[no-any-return]


def _parse_bytes(data: bytes, base_url: str, parser: etree.HTMLParser) -> etree._Element:
    try:
        root = html.document_fromstring(data, parser=parser, base_url=base_url or None)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"could not parse HTML: {exc}", reason=Reason.PARSE) from exc
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        # libxml2 stops reading at 256 levels (huge_tree off keeps memory and recursion
        # bounded); what lies deeper is lost, so the page cannot be read faithfully.
        raise ExtractError(
            "the page nests its elements more than 256 levels deep; the HTML parser stops"
            " there and its text cannot be read (a broken or hostile page)",
            reason=Reason.TOO_DEEP,
        )
    for node in _dropped(root):
        _remove(node)
    return root


#: What `DROP` selects, split in two: the tags and hidden inputs, found by one walk in C
#: (lxml's `iter`, inputs then kept by their type), and the elements with a `hidden`
#: attribute, by an XPath a sixth as costly as DROP's own (`//@hidden/..` walks attributes,
#: `//*[@hidden]` every element). DROP itself costs ~0.2 ms a page: ten walks.
DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    etree.Comment,
    etree.ProcessingInstruction,
)
DROP_HIDDEN = XPath("//@hidden/..")
HIDDEN_TYPES = ("hidden", "HIDDEN")


def _dropped(root: html.HtmlElement) -> list[etree._Element]:
    """The nodes DROP selects (a node twice when both halves select it; `_remove` leaves a
    removed node alone). Removing them in this order leaves the tree removing them in
    document order leaves: a removed node's tail joins the text before it either way."""
    walked = [
        node
        for node in root.iter(*DROP_TAGS, "input")
        if node.tag != "input" or node.get("type") in HIDDEN_TYPES
    ]
    return [*walked, *DROP_HIDDEN(root)]


def base_href(root: html.HtmlElement, url: str) -> str:
    """The URL relative links resolve against: <base href> if present, else the page URL."""
    for base in root.iter("base"):
        href = base.get("href")
        if href:
            resolved = absolute(url, href)
            if resolved:
                return resolved
    return url


FEED_TYPES = frozenset(["application/rss+xml", "application/atom+xml", "application/rdf+xml"])


def feed_links(root: html.HtmlElement, base: str) -> list[str]:
    """Feeds a page declares: `<link rel="alternate" type="application/rss+xml" href=...>` (RSS
    first, then Atom and RDF, in document order within each type)."""
    found: list[tuple[int, int, str]] = []
    for index, link in enumerate(root.iter("link")):
        rels = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES:
            href = absolute(base, link.get("href"))
            if href:
                order = ["application/rss+xml", "application/atom+xml", "application/rdf+xml"].index(kind)
                found.append((order, index, href))
    return [href for _, _, href in sorted(found)]


def remove(root: html.HtmlElement, css_list: Sequence[str]) -> None:
    """Remove every element matching any of the `exclude` selectors."""
    for css in css_list:
        for node in selector(css)(root):
            _remove(node)


def select(root: html.HtmlElement, css: str) -> list[html.HtmlElement]:
    return [n for n in selector(css)(root) if isinstance(n.tag, str)]


def text_blocks(node: html.HtmlElement) -> list[str]:
    """Text of an element split at block-level boundaries (paragraphs, list items, rows)."""
    parts: list[str] = []
    _walk(node, parts)
    return [" ".join(p.split()) for p in "".join(parts).split("\n") if p.strip()]


#: An element's XPath string-value: the text of all its descendant text nodes in document
#: order, which is what `"".join(node.itertext())` gives on a tree from `parse_text` (no
#: comments or processing instructions left) at a third of the cost (two per listing item).
STRING_VALUE = XPath("string()", smart_strings=False)


def string_value(node: html.HtmlElement) -> str:
    """An element's XPath string-value, all its text as written. A leaf (no child element:
    most titles, links and summaries) holds only text nodes, which its `.text` joins at a
    thirtieth of the cost of an XPath call (0.14 against 4 µs)."""
    if not len(node):
        return node.text or ""
    return STRING_VALUE(node)  # type: ignore[no-any-return]


def inline_text(node: html.HtmlElement) -> str:
    """An element's text on one line: all its text, whitespace folded."""
    return " ".join(string_value(node).split())


def _walk(node: html.HtmlElement, out: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else ""
    block = tag.lower() in BLOCK_TAGS
    if block:
        out.append("\n")
    if node.text and tag:
        out.append(node.text)
    for child in node:
        if isinstance(child.tag, str):
            _walk(child, out)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append("\n")


def _remove(node: etree._Element) -> None:
    """Remove a node but keep its tail text (which belongs to the parent)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = xml_safe((previous.tail or "") + tail)
        else:
            parent.text = xml_safe((parent.text or "") + tail)
    parent.remove(node)


def xml_safe(text: str) -> str:
    """Text lxml accepts back: parsing lets control characters in (raw or as `&#27;`) that
    assigning text refuses. They carry no meaning; drop them."""
    return XML_INCOMPATIBLE.sub("", text)
