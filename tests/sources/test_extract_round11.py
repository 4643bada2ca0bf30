"""The extraction worker's round 11 (issue 18) shortcuts answer as the general paths do.

`cssfirst._has_class`: a class attribute equal to the wanted class is told without splitting
it; otherwise XPath's `normalize-space` token rule. `listing.unique_keys`: a page without a
repeated key, or without documents sharing a title, skips the steps that would change
nothing. `html.parse_bytes` reads every document with its thread's one parser instead of
a new parser each: the same trees (and a page too deep still refused, whatever came
before). Each compared with the general rule (the code before the change, kept here).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import listingcases
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from sources import cssfirst, html
from sources.links import canonical
from sources.listing import ListingOptions, is_document, unique_keys
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Item

#: Class names and the separators XPath's normalize-space does and does not split at.
CLASS_PARTS = st.lists(
    st.sampled_from(
        ["summary", "news", "news-item", "summ", "summaryx", "a", " ", "\t", "\n", "\r", "\xa0", "\u2003"]
    ),
    max_size=6,
).map("".join)


def xpath_has_class(value: str | None, wanted: str) -> bool:
    element = etree.Element("p")
    if value is not None:
        element.set("class", value)
    path = f"boolean(self::*[@class and contains(concat(' ', normalize-space(@class), ' '), ' {wanted} ')])"
    return bool(element.xpath(path))


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(st.none(), CLASS_PARTS), wanted=st.sampled_from(["summary", "news-item", "a"]))
def test_has_class_answers_as_xpath(value, wanted):
    assert cssfirst._has_class(value, wanted) is xpath_has_class(value, wanted)


def test_has_class_cases():
    assert cssfirst._has_class("summary", "summary")
    assert cssfirst._has_class("lead summary", "summary")
    assert cssfirst._has_class("summary\tlead", "summary")
    assert not cssfirst._has_class("summaryx", "summary")
    assert not cssfirst._has_class("summary\xa0", "summary")  # NBSP is not XPath whitespace
    assert not cssfirst._has_class(None, "summary")
    assert not cssfirst._has_class("", "summary")


def unique_keys_general(items: list[Item], options: ListingOptions) -> list[Item]:
    """`unique_keys` before round 11."""
    if options.identity == "auto":
        counts = Counter(i.key for i in items if i.key.startswith("title:") and is_document(i.link))
        items = [
            replace(i, key=canonical(i.link)) if counts.get(i.key, 0) > 1 and is_document(i.link) else i
            for i in items
        ]
    result: list[Item] = []
    seen: set[str] = set()
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            result.append(item)
    return result


TITLES = st.sampled_from(["Corrigendum", "Notice", "Rule", "corrigendum"])
LINKS = st.sampled_from(
    [
        "",
        "https://x.gov/a.pdf",
        "https://x.gov/b.pdf",
        "https://x.gov/a",
        "https://x.gov/a.pdf?v=2",
        "https://x.gov/c.docx",
    ]
)


@st.composite
def listed(draw) -> Item:
    title, link = draw(TITLES), draw(LINKS)
    key = draw(
        st.sampled_from(["title:" + title.casefold(), link or "title:x", canonical(link) if link else "k"])
    )
    return Item(key, title, link)


@settings(max_examples=500, deadline=None)
@given(items=st.lists(listed(), max_size=8), identity=st.sampled_from(["auto", "link", "title"]))
def test_unique_keys_answers_as_the_general_steps(items, identity):
    options = ListingOptions(select="li", identity=identity)
    fast, general = unique_keys(list(items), options), unique_keys_general(list(items), options)
    assert fast == general
    assert [i.key for i in fast] == [i.key for i in general]
    assert all(a is b or a == b for a, b in zip(fast, general, strict=True))


def test_unique_keys_cases():
    options = ListingOptions(select="li")
    one = Item("title:corrigendum", "Corrigendum", "https://x.gov/a.pdf")
    two = Item("title:corrigendum", "Corrigendum", "https://x.gov/b.pdf")
    # Two documents sharing a title: told apart by their links, both kept.
    assert [i.key for i in unique_keys([one, two], options)] == ["https://x.gov/a.pdf", "https://x.gov/b.pdf"]
    # A repeated key: the first kept, in order.
    first, again = (
        Item("https://x.gov/n", "N", "https://x.gov/n"),
        Item("https://x.gov/n", "N2", "https://x.gov/n"),
    )
    assert unique_keys([first, again, one], options) == [first, one]


# --- One parser per thread (sources/html.py `_parsers`) ---------------------------------

PAGES = Path(__file__).resolve().parents[1] / "pages"
CORPUS = Path("/work/shared/corpus/html-trafilatura")
#: Deeper than libxml2's 256 levels: an error of the page, whatever was parsed before it.
DEEP = ("<html><body>" + "<div>" * 300 + "x" + "</div>" * 300 + "</body></html>").encode()


def page_bodies() -> list[bytes]:
    found = dict.fromkeys(case[1] for case in listingcases.cases())
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(PAGES.rglob("*.htm*"))))
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(CORPUS.rglob("*.htm*"))))
    return [body.decode("utf-8", "replace").encode() for body in found]


def parse_with_a_new_parser(data: bytes, base_url: str) -> etree._Element:
    """`html.parse_bytes` before round 11: a parser made for each document."""
    parser = html.new_parser()
    root = lxml_html.document_fromstring(data, parser=parser, base_url=base_url)
    assert not any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log)
    for node in html._dropped(root):
        html._remove(node)
    return root


def same_tree(a: etree._Element, b: etree._Element) -> bool:
    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n") and [
        (type(x), x.sourceline) for x in a.iter()
    ] == [(type(x), x.sourceline) for x in b.iter()]


def test_the_thread_parser_reads_every_page_as_a_new_parser_does():
    bodies = page_bodies()
    assert len(bodies) > 20
    url = "https://example.gov/news/"
    for index, body in enumerate(bodies):
        if index % 7 == 3:  # a page too deep in between: refused, and forgotten by the next
            with pytest.raises(ExtractError) as caught:
                html.parse_bytes(DEEP, url)
            assert caught.value.reason == Reason.TOO_DEEP
        if index % 11 == 5:  # a document libxml2 finds empty in between
            with pytest.raises(ExtractError, match="Document is empty"):
                html.parse_bytes(b"<!-- only -->", url)
        shared = html.parse_bytes(body, url)
        assert same_tree(shared, parse_with_a_new_parser(body, url)), index
        assert shared.base_url == url
        assert url == shared.getroottree().docinfo.URL


def test_each_thread_has_its_own_parser_and_reads_alike():
    bodies = page_bodies()[:40]
    expected = [etree.tostring(parse_with_a_new_parser(b, "https://x.gov/"), method="c14n") for b in bodies]
    parsers = set()

    def read(offset: int) -> list[bytes]:
        parsers.add(id(html._parsers.parser))
        order = bodies[offset:] + bodies[:offset]
        return [etree.tostring(html.parse_bytes(b, "https://x.gov/"), method="c14n") for b in order]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read, range(0, 40, 10)))
    for offset, got in zip(range(0, 40, 10), results, strict=True):
        assert got == expected[offset:] + expected[:offset]
    assert len(parsers) >= 2 and id(html._parsers.parser) not in parsers


@pytest.mark.parametrize("body", [b"", b" ", b" \t\r\n\x0b\x0c", b"\x0b", b"\x1c", b"\xa0", b"x", b" x "])
def test_an_empty_body_is_told_without_stripping_it(body):
    fetched = FetchResult("https://x.gov/", "https://x.gov/", 200, {}, body)
    if not body.strip():
        with pytest.raises(ExtractError) as caught:
            html.parse(fetched)
        assert caught.value.reason == Reason.EMPTY
    else:
        try:
            html.parse(fetched)
        except ExtractError as exc:
            assert exc.reason != Reason.EMPTY
