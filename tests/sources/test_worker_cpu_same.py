"""The extraction shortcuts of issue 18's worker round read exactly what the general path reads.

`string_value` (a leaf's `.text` instead of an XPath call), `clean_text` (a field folded once),
`_dropped` (DROP's nodes found in two walks, removed out of document order) and
`decode_utf8` (a UTF-8 body parsed as received) each replace a slower general step; an
answer that differed once would report changes that are not.
"""

from __future__ import annotations

from pathlib import Path

import listingcases
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from sources import html, text

PAGES = Path(__file__).resolve().parents[1] / "pages"
#: Nested and adjacent nodes DROP removes, with tails, as hostile or sloppy pages have them.
TRICKY = (
    "<div>a<script hidden>s</script>t1<style>x</style>t2<span hidden>h<input type=hidden>i</span>t3"
    "<svg><script>e</script><text hidden>m</text></svg>t4<p hidden><noscript>n</noscript>q</p>t5"
    "<input type=HIDDEN>t6<input type=hidden value=\x01>t7<template>l</template><iframe></iframe>t8"
    "<b>b<script>z</script></b>t9<ul hidden><li>one</li><li hidden>two</li></ul></div><p>\x0bend\x1f</p>"
)
BODIES = [
    *dict.fromkeys(case[1] for case in listingcases.cases() if not case[0].startswith("bench/")),
    *(path.read_bytes() for path in sorted(PAGES.rglob("*.htm*"))),
    TRICKY.encode(),
]


def fresh_tree(body: bytes) -> lxml_html.HtmlElement:
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    return lxml_html.document_fromstring(body.decode("utf-8", "replace").encode(), parser=parser)


def test_dropping_in_two_walks_leaves_the_tree_dropping_in_document_order_leaves():
    nodes = 0
    for body in BODIES:
        old, new = fresh_tree(body), fresh_tree(body)
        found, dropped = html.DROP(old), html._dropped(old)
        assert {id(node) for node in found} == {id(node) for node in dropped}  # the same nodes
        nodes += len(found)
        for node in found:
            html._remove(node)
        for node in html._dropped(new):
            html._remove(node)
        assert etree.tostring(old, method="c14n") == etree.tostring(new, method="c14n")
    assert nodes > 150


def test_a_leaf_string_value_is_the_xpath_string_value():
    elements = leaves = 0
    for body in BODIES:
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                elements += 1
                leaves += not len(element)
                assert html.string_value(element) == html.STRING_VALUE(element)
    assert elements > 3000 and leaves > 1000


def test_every_element_text_is_cleaned_as_the_general_path_cleans_it():
    fields = 0
    for body in BODIES:
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                raw = html.string_value(element)
                fields += 1
                assert text.clean_text(raw) == text.clean_line(" ".join(raw.split()))
    assert fields > 3000


#: Text with what every branch looks at: control characters that are whitespace to
#: `str.split` (\x0b \x0c \x1c-\x1f \x85), other controls, signs, ` .`, ` ,`, volatile words.
PIECES = st.sampled_from(
    [" ", "\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\x01", "\x7f", "\u200b",
     ".", ",", "#", ":", "=", "1", "42", "in", "views", "Views: 1,234", "rendered in 0.3 s", "sid=ab",
     "csrf_token=abcdef0123456789", "?v=12", "Décision", "a", "Guidance", "&", "é"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=24).map("".join))
def test_clean_text_is_clean_line_of_the_folded_text(raw):
    assert text.clean_text(raw) == text.clean_line(" ".join(raw.split()))
    assert text.clean_text(raw, ("a+",)) == text.clean_line(" ".join(raw.split()), ("a+",))


CHARSETS = st.sampled_from([None, "utf-8", "UTF8", "latin-1", "windows-1252", "utf-16", "ascii", "bogus"])
HEADS = st.sampled_from(
    [b"", b'<meta charset="utf-8">', b'<meta charset="iso-8859-1">', b"\xef\xbb\xbf",
     b'<?xml version="1.0" encoding="utf-8"?>', b'<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">']
)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(HEADS, st.one_of(st.binary(max_size=60), st.text(max_size=30).map(str.encode)), CHARSETS)
def test_a_body_read_as_utf8_is_the_utf8_of_its_text(head, rest, declared):
    body = head + rest
    decoded, utf8 = text.decode_utf8(body, declared)
    assert decoded == text.decode(body, declared)
    if utf8:
        assert decoded.encode("utf-8", errors="replace") == body


def test_pages_parse_the_same_from_their_body_and_from_their_text():
    parsed = 0
    for body in BODIES:
        decoded, utf8 = text.decode_utf8(body, "utf-8")
        parsed += utf8
        via_text = html.parse_text(decoded, "https://example.gov/")
        via_body = html.parse_bytes(
            body if utf8 else decoded.encode("utf-8", "replace"), "https://example.gov/"
        )
        assert etree.tostring(via_text, method="c14n") == etree.tostring(via_body, method="c14n")
    assert parsed > 20
