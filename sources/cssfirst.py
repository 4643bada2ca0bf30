"""The first element a simple CSS selector matches, found by walking the tree in C (lxml's
`iter`) instead of evaluating its XPath: a listing asks this for 2-4 fields of every item,
and an XPath call costs ~2 µs however small the item.

Simple means what cssselect translates to at most two steps `tag`, `tag[attr]` or
`tag.class` (tag or `*`) joined by a descendant combinator (`h3 a`, `time[datetime]`,
`p.summary`, `h3.heading a`). It is recognised from cssselect's own XPath, so the meaning
is cssselect's; anything else (`>`, `+`, several classes, `:nth-child`, lists) returns None
and is evaluated as XPath. tests/sources/test_cssfirst.py compares both on every element of
the test pages and on generated trees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from lxml import etree
from lxml.etree import _Element

_STEP = re.compile(
    r"(?P<tag>[a-z][a-z0-9]*|\*)"
    r"(?:\[@(?P<attr>[a-z][a-z0-9_-]*)\]"
    r"|\[@class and contains\(@class, '(?P<cls>[A-Za-z0-9_-]+)'\)"
    r" and contains\(concat\(' ', normalize-space\(@class\), ' '\), ' (?P=cls) '\)\])?"
)
#: XPath's normalize-space splits at these four (libxml2's IS_BLANK_CH), not at all of \s.
_XML_SPACE = str.maketrans("\t\n\r", "   ")

Test = Callable[[_Element], bool]
First = Callable[[_Element], _Element | None]


@lru_cache(maxsize=512)
def first_finder(path: str) -> First | None:
    """A function giving the first element (document order, the node itself included) that
    cssselect's XPath `path` selects from a node, or None if `path` is not simple."""
    head, combinator, tail = path.partition("/descendant::")
    if not head.startswith("descendant-or-self::"):
        return None
    outer = _step(head.removeprefix("descendant-or-self::"))
    if outer is None:
        return None
    if not combinator:
        return lambda node: _first(node.iter(outer[0]), outer[1])
    inner = _step(tail)
    if inner is None:
        return None
    return lambda node: _first_within(node, outer, inner)


def _step(text: str) -> tuple[object, Test | None] | None:
    match = _STEP.fullmatch(text)
    if match is None:
        return None
    tag: object = etree.Element if match["tag"] == "*" else match["tag"]
    if match["attr"]:
        name = match["attr"]
        return tag, lambda element: element.get(name) is not None
    if match["cls"]:
        wanted = match["cls"]
        return tag, lambda element: wanted in (element.get("class") or "").translate(_XML_SPACE).split(" ")
    return tag, None


def _first(elements, test: Test | None) -> _Element | None:
    for element in elements:
        if test is None or test(element):
            return element
    return None


def _first_within(node: _Element, outer: tuple[object, Test | None], inner: tuple[object, Test | None]):
    # The first match inside the first qualifying outer element that has one is the first of
    # all: a later outer element lies inside that one (its matches are among its) or after it.
    for container in node.iter(outer[0]):
        if outer[1] is None or outer[1](container):
            found = _first(container.iterdescendants(inner[0]), inner[1])
            if found is not None:
                return found
    return None
