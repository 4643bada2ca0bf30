"""Listing snapshots do not move: every case of tests/support/listingcases.py (real pages with
their catalog options and with generic options that read most of a page as items, and bench
pages) extracts to the items and fingerprint frozen in `listing-digests.json`, written from
the code before the per-item shortcuts. A shortcut that answered differently on any item of
any case would report changes that are not."""

from __future__ import annotations

import json
from pathlib import Path

import listingcases

EXPECTED = json.loads((Path(__file__).parent / "listing-digests.json").read_text())


def test_every_case_is_frozen():
    assert sorted(name for name, *_ in listingcases.cases()) == sorted(EXPECTED)


def test_snapshots_equal_the_frozen_ones():
    found = listingcases.digests()
    assert {name: value for name, value in found.items() if value != EXPECTED[name]} == {}
    # the cases read thousands of items, not a handful
    assert sum(int(value.split()[0]) for value in found.values() if not value.startswith("error")) > 4000


TRICKY = (
    "<div>a<!-- note --><b>b</b>c<?pi x?>d<script>e</script><span hidden>f</span>g&amp;&nbsp;h"
    "<p>i<br>j</p>k<template>l</template><svg><text>m</text></svg>n\x0co<![CDATA[p]]>q</div>"
)


def test_inline_text_is_every_text_node_of_the_element():
    """`inline_text` reads the XPath string-value; on every element of every page it is the
    text `itertext()` joins, as it was read before."""
    from sources import html

    pages = [case[1] for case in listingcases.cases() if not case[0].startswith("bench/")]
    elements = 0
    for body in [*dict.fromkeys(pages), TRICKY.encode()]:
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                elements += 1
                assert html.inline_text(element) == " ".join("".join(element.itertext()).split())
    assert elements > 3000
