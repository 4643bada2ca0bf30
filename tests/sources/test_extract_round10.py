"""The extraction worker's round 10 (issue 18, perfextract2) reads exactly what it read before.

`firsts_finder` walks only the elements of its rules' tags (lxml's `iter(*tags)`, chosen in
C) when no rule takes any element: each field's first match is still what cssselect's
XPath selects first, on every element of every HTML page of tests/pages, the listing cases
and, where present, the held-out corpus (/work/shared/corpus/html-trafilatura).
"""

from __future__ import annotations

from pathlib import Path

import listingcases

from sources import html
from sources.cssfirst import firsts_finder

PAGES = Path(__file__).resolve().parents[1] / "pages"
CORPUS = Path("/work/shared/corpus/html-trafilatura")
#: Sets of simple selectors none of which takes any element (`*`, `.x`): the walk by tags.
BY_TAGS = [
    ("h3 a", "time[datetime]", "p.summary"),  # bench/pages.py's listing
    ("a[href]", "time", "span.date", "p"),
    ("h2 a", "li a[href]", "div p", "td time"),
    ("li li", "div div", "ul li", "div.x span"),
    ("h3.usa-collection__heading a", "li.usa-collection__item", "a"),
]


def bodies() -> list[bytes]:
    found = dict.fromkeys(case[1] for case in listingcases.cases())
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(PAGES.rglob("*.htm*"))))
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(CORPUS.rglob("*.htm*"))))
    return list(found)


def reference(node, css):
    found = html.select(node, css)
    return found[0] if found else None


def test_the_walk_by_tags_finds_what_xpath_finds_on_every_element_of_every_page():
    finders = [(selectors, firsts_finder(tuple((css, html.selector(css).path) for css in selectors)))
               for selectors in BY_TAGS]  # fmt: skip
    checked = found = 0
    for body in bodies():
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            for selectors, find in finders:
                assert find is not None
                first = find(element)
                for css in selectors:
                    expected = reference(element, css)
                    assert first[css] is expected, (css, element.tag)
                    found += expected is not None
                checked += 1
    assert checked > 100_000 and found > 50_000
