"""Text fields as the regulator published them: plain text verbatim, HTML read as text.

A JSON string or a feed field is either plain text or HTML. Plain text is kept whole,
`<…>` sequences included: `Standards <!everyone>` or `<https://x.example/|transfers>` are
words of the title, made inert by each channel when it renders them, never removed here.
A field is HTML only when it holds an element lxml knows (`<p>`, `<a href=…>`, `</em>`,
`<br/>`) and is then converted to its text by lxml, not deleted; one that only holds
character references (`AT&amp;T`) has them decoded and nothing else touched.
"""

from __future__ import annotations

import html as html_entities
import re

from lxml.html import defs

from sources import html
from watcher.errors import ExtractError

#: An opening or closing tag: a name, then attributes up to `>` (bounded: no nested `<`).
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})(?:[\s/][^<>]{0,2000})?>")
REFERENCE = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
HTML_TAGS = frozenset(defs.tags)
SCAN_LIMIT = 200_000  # characters looked at to decide; fields longer than this are rare


def is_html(text: str) -> bool:
    """Whether the field holds at least one known HTML element tag."""
    return any(match.group(1).lower() in HTML_TAGS for match in TAG.finditer(text[:SCAN_LIMIT]))


def field_text(text: str) -> str:
    """A field as text: HTML converted by lxml, character references decoded, plain text as is."""
    if not text:
        return ""
    if is_html(text):
        return html_to_text(text)
    if REFERENCE.search(text):
        return html_entities.unescape(text)
    return text


def html_to_text(text: str) -> str:
    """The text of an HTML fragment, its blocks joined by spaces."""
    try:
        root = html.parse_text(f"<html><body><div>{text}</div></body></html>")
    except ExtractError:
        return text
    return " ".join(html.text_blocks(root))
