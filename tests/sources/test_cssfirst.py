"""sources/cssfirst.py finds, for simple selectors, the element cssselect's XPath finds first:
on every element of the test pages and of generated trees, for every selector form it
accepts (and it refuses the forms it does not know)."""

from __future__ import annotations

import listingcases
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import html
from sources.cssfirst import first_finder, firsts_finder

SIMPLE = [
    "a",
    "a[href]",
    "time[datetime]",
    "p.summary",
    "*",
    ".views-row",
    "li.usa-collection__item",
    "h3 a",
    "h2 a",
    "li a[href]",
    "div p",
    "ul li",
    "li li",
    "div div",
    "* a",
    ".x .x",
    "div.x span",
    "h3.usa-collection__heading a",
    "td time",
    "li .date",
]
GENERAL = [
    "td + td",
    "main ul.news > li",
    "div.a.b",
    "h2 a, h3 a",
    "a[href*='x']",
    "li:nth-child(2)",
    "a b c",
    "#id",
]


def reference(node, css):
    found = html.select(node, css)
    return found[0] if found else None


def page_elements():
    """Every element of every distinct page of the listing cases."""
    for body in dict.fromkeys(case[1] for case in listingcases.cases()):
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                yield element


@pytest.mark.parametrize("css", SIMPLE)
def test_simple_selectors_find_what_xpath_finds_on_every_element_of_the_pages(css):
    finder = first_finder(html.selector(css).path)
    assert finder is not None
    checked = 0
    for element in page_elements():
        assert finder(element) is reference(element, css)
        checked += 1
    assert checked > 5000


@pytest.mark.parametrize("css", GENERAL)
def test_other_selectors_are_left_to_xpath(css):
    assert first_finder(html.selector(css).path) is None


CLASSES = st.sampled_from(
    ["", "x", "date", "x date", " x\t", "xdate", "\nx\r", "x\u00a0", "X", "date x", "x\x0c"]
)
TAGS = st.sampled_from(["div", "p", "span", "li", "ul", "a", "time", "h3"])


@st.composite
def trees(draw, depth=0):
    tag = draw(TAGS)
    attrs = ""
    cls = draw(st.one_of(st.none(), CLASSES))
    if cls is not None:
        attrs += f' class="{cls}"'
    if draw(st.booleans()):
        attrs += ' href="/x" datetime=""'
    children = "" if depth > 3 else "".join(draw(st.lists(trees(depth + 1), max_size=3)))
    return (
        f"<{tag}{attrs}>t{children}</{tag}>"
        if tag not in ("p",) or depth
        else f"<{tag}{attrs}>{children}</{tag}>"
    )


@settings(max_examples=400, deadline=None)
@given(
    st.lists(trees(), min_size=1, max_size=3),
    st.sampled_from([*SIMPLE, "div.x", "span.date", "* .x", "a[datetime]"]),
)
def test_generated_trees(forest, css):
    root = html.parse_text("<html><body>" + "".join(forest) + "</body></html>")
    finder = first_finder(html.selector(css).path)
    assert finder is not None
    for element in root.iter():
        assert finder(element) is reference(element, css)


def together(selectors):
    return firsts_finder(tuple((css, html.selector(css).path) for css in selectors))


def test_simple_selectors_found_together_are_what_xpath_finds_on_every_element_of_the_pages():
    find = together(SIMPLE)
    assert find is not None
    checked = 0
    for element in page_elements():
        found = find(element)
        assert list(found) == SIMPLE
        for css in SIMPLE:
            assert found[css] is reference(element, css), css
        checked += 1
    assert checked > 5000


@pytest.mark.parametrize("css", GENERAL)
def test_other_selectors_are_not_found_together(css):
    assert together(["h3 a", css]) is None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(trees(), min_size=1, max_size=3),
    st.lists(st.sampled_from([*SIMPLE, "div.x", "span.date", "* .x", "a[datetime]"]), min_size=1, max_size=5),
)
def test_generated_trees_together(forest, selectors):
    selectors = list(dict.fromkeys(selectors))
    root = html.parse_text("<html><body>" + "".join(forest) + "</body></html>")
    find = together(selectors)
    assert find is not None
    for element in root.iter():
        found = find(element)
        assert {css: found[css] for css in selectors} == {css: reference(element, css) for css in selectors}
