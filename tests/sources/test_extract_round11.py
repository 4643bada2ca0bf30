"""The extraction worker's round 11 (issue 18) shortcuts answer as the general paths do.

`cssfirst._has_class`: a class attribute equal to the wanted class is told without splitting
it; otherwise XPath's `normalize-space` token rule. `listing.unique_keys`: a page without a
repeated key, or without documents sharing a title, skips the steps that would change
nothing. Each compared with the general rule (the code before the shortcut, kept here).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from sources import cssfirst
from sources.links import canonical
from sources.listing import ListingOptions, is_document, unique_keys
from watcher.model import Item

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
