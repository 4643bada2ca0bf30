"""The first element a simple CSS selector matches, found by walking the tree in C (lxml's
`iter`) instead of evaluating its XPath: a listing asks this for 2-4 fields of every item,
and an XPath call costs ~2 µs however small the item.

Simple means what cssselect translates to at most two steps `tag`, `tag[attr]` or
`tag.class` (tag or `*`) joined by a descendant combinator (`h3 a`, `time[datetime]`,
`p.summary`, `h3.heading a`). It is recognised from cssselect's own XPath, so the meaning
is cssselect's; anything else (`>`, `+`, several classes, `:nth-child`, lists) returns None
and is evaluated as XPath. tests/sources/test_cssfirst.py compares both (and `firsts_finder`,
several selectors found in one walk) on every element of
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


Step = tuple[object, Test | None]
Firsts = Callable[[_Element], dict[str, _Element | None]]


@lru_cache(maxsize=512)
def first_finder(path: str) -> First | None:
    """A function giving the first element (document order, the node itself included) that
    cssselect's XPath `path` selects from a node, or None if `path` is not simple."""
    steps = _steps(path)
    if steps is None:
        return None
    outer, inner = steps
    if inner is None:
        return lambda node: _first(node.iter(outer[0]), outer[1])
    return lambda node: _first_within(node, outer, inner)


@lru_cache(maxsize=512)
def firsts_finder(paths: tuple[tuple[str, str], ...]) -> Firsts | None:
    """For (name, cssselect XPath) pairs of simple selectors, a function giving by name the
    first element each path selects from a node (what `first_finder` of each gives), all
    found in one walk of the node's elements: starting a walk for a tag costs ~0.5 µs, most
    of what finding one field of a listing item costs. None if any path is not simple.

    An element matching a one-step selector is its first match; one matching the inner step
    of two (`h3 a`) is its first match if an element above it, up to the node itself,
    matches the outer step: the first such element in document order is what
    `_first_within` finds (and cssselect's XPath selects first).
    """
    rules: dict[object, list[tuple[str, str | None, str | None, Step | None]]] = {}
    for name, path in paths:
        steps = _steps(path)
        if steps is None:
            return None
        outer, inner = steps
        target, context = (outer, None) if inner is None else (inner, outer)
        # The target's test as its attribute name or class (told inline: no call per element).
        attr, cls = _parts(path.rpartition("/descendant::")[2] if inner is not None else path)
        rules.setdefault(target[0], []).append((name, attr, cls, context))
    any_element = rules.pop(etree.Element, [])
    empty: dict[str, _Element | None] = dict.fromkeys(name for name, _ in paths)
    wanted = len(empty)
    rule = rules.get

    def find(node: _Element) -> dict[str, _Element | None]:
        found = empty.copy()
        left = wanted
        for element in node.iter():
            tag = element.tag
            candidates = rule(tag)
            if any_element and isinstance(tag, str):
                candidates = [*(candidates or ()), *any_element]
            if not candidates:
                continue
            for name, attr, cls, context in candidates:
                if found[name] is not None:
                    continue
                if attr is not None and element.get(attr) is None:
                    continue
                if cls is not None:
                    value = element.get("class")
                    if value != cls and not _has_class(value, cls):
                        continue
                if context is not None:
                    if element is node:
                        continue
                    # `_below`, its first step (the parent: `h3 a`'s `h3`, most often) inline.
                    above = element.getparent()
                    outer_tag, outer_test = context
                    if not (
                        above is not None
                        and (outer_tag is etree.Element or above.tag == outer_tag)
                        and (outer_test is None or outer_test(above))
                    ) and not _below(element, node, context):
                        continue
                found[name] = element
                left -= 1
                if not left:
                    return found
        return found

    return find


def _below(element: _Element, node: _Element, outer: Step) -> bool:
    """Is an element above `element`, up to `node` itself, one `outer` matches?"""
    if element is node:
        return False
    tag, test = outer
    above = element.getparent()
    while above is not None:
        if (tag is etree.Element or above.tag == tag) and (test is None or test(above)):
            return True
        if above is node:
            return False
        above = above.getparent()
    return False


def _steps(path: str) -> tuple[Step, Step | None] | None:
    """The one or two steps of a simple selector's XPath, or None if it is not simple."""
    head, combinator, tail = path.partition("/descendant::")
    if not head.startswith("descendant-or-self::"):
        return None
    outer = _step(head.removeprefix("descendant-or-self::"))
    if outer is None:
        return None
    if not combinator:
        return outer, None
    inner = _step(tail)
    if inner is None:
        return None
    return outer, inner


def _step(text: str) -> Step | None:
    match = _STEP.fullmatch(text)
    if match is None:
        return None
    tag: object = etree.Element if match["tag"] == "*" else match["tag"]
    if match["attr"]:
        name = match["attr"]
        return tag, lambda element: element.get(name) is not None
    if match["cls"]:
        wanted = match["cls"]
        return tag, lambda element: _has_class(element.get("class"), wanted)
    return tag, None


def _parts(text: str) -> tuple[str | None, str | None]:
    """The attribute a simple step needs (`time[datetime]`), or its class (`p.summary`):
    what `_step`'s test tells, for a finder that tells it inline (text: a step `_step` reads;
    a one-step selector's whole XPath)."""
    match = _STEP.fullmatch(text.removeprefix("descendant-or-self::"))
    assert match is not None  # `_steps` read it
    return match["attr"] or None, match["cls"] or None


def _has_class(value: str | None, wanted: str) -> bool:
    """XPath's `contains(concat(' ', normalize-space(@class), ' '), ' wanted ')`: a class
    attribute that is the one class itself (most: `summary`, `news-item`) is its own token,
    told without splitting it."""
    if value == wanted:
        return True
    return wanted in (value or "").translate(_XML_SPACE).split(" ")


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
