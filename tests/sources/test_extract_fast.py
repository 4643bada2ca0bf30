"""The per-item shortcuts of listing extraction give exactly what the general path gives.

`is_document` decides an item's identity (title or link) and `strip_volatile` what text is
compared: a shortcut that answered differently once would report changes that are not.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import listing, text
from tests.support.urlgen import PATH, origins

ORIGIN = origins(("http", "https", "HTTP"), ports=False)
PLAIN = st.builds(str.__add__, ORIGIN, PATH)

SUFFIX = st.sampled_from(["", *listing.DOCUMENT_SUFFIXES, ".PDF", ".Docx", ".html", "pdf", ".pdf/"])
TAIL = st.sampled_from(["", "?a=1", "#p", "?x=.pdf", "#.pdf", "/", "/../a.pdf"])


@settings(max_examples=500, deadline=None)
@given(PLAIN, SUFFIX)
def test_plain_links_are_documents_exactly_when_their_path_says_so(url, suffix):
    link = url.rstrip("/") + suffix if url.count("/") > 2 else url + suffix
    assert listing.is_document(link) == listing._is_document_parsed(link)


@settings(max_examples=500, deadline=None)
@given(ORIGIN, PATH, SUFFIX, TAIL)
def test_any_link_is_a_document_exactly_when_its_path_says_so(origin, path, suffix, tail):
    link = origin + path + suffix + tail
    assert listing.is_document(link) == listing._is_document_parsed(link)


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://e.gov/a.pdf", True),
        ("https://e.gov/A.PDF", True),
        ("https://e.pdf", False),  # a host, not a path
        ("https://e.pdf/", False),
        ("https://e.gov/a.pdf?download=1", True),
        ("https://e.gov/a?f=b.pdf", False),
        ("https://e.gov/a#b.pdf", False),
        ("https://e.gov/doc.docx", True),
        ("", False),
    ],
)
def test_document_links(link, expected):
    assert listing.is_document(link) is expected


def general_strip(value: str) -> str:
    """`strip_volatile` as it was: every pattern whose words occur, after one regex for any word."""
    any_word = re.compile("|".join(re.escape(w) for words in text.VOLATILE_WORDS for w in words))
    lowered = value.lower()
    if not any_word.search(lowered):
        return value
    for pattern, words in zip(text.VOLATILE, text.VOLATILE_WORDS, strict=True):
        if any(word in lowered for word in words):
            value = pattern.sub(text._keep_separator, value)
            lowered = value.lower()
    return value


WORDS = st.sampled_from(
    [w for words in text.VOLATILE_WORDS for w in words]
    + ["Views: 1,234", "csrf_token=abcdefgh1234", "?v=123", "sid=abc", "Generated in 0.2 s", "News", " "]
)
FIELD = st.lists(st.one_of(WORDS, st.text(alphabet="abcVIEW=:?&0123 .-_", max_size=12)), max_size=8).map(
    "".join
)


@settings(max_examples=800, deadline=None)
@given(FIELD)
def test_strip_volatile_with_the_word_check_equals_the_regex_check(value):
    assert text.strip_volatile(value) == general_strip(value)


def every_pattern(value: str) -> str:
    """`strip_volatile` without any shortcut: every pattern in turn."""
    for pattern in text.VOLATILE:
        value = pattern.sub(text._keep_separator, value)
    return value


SPACE = st.sampled_from([" ", "\t", "\x1c", "  "])
TIMING = st.tuples(
    st.sampled_from(["built", "Rendered", "page served", "x"]),
    SPACE,
    st.sampled_from(["in", "IN", "\u0131n", "on"]),
    SPACE,
    st.text(alphabet=".,", min_size=1, max_size=3),
    st.sampled_from(["", " "]),
    st.sampled_from(["ms", "s", "seconds", "s."]),
).map("".join)
SIGNED = st.lists(
    st.one_of(
        WORDS,
        TIMING,
        st.sampled_from(
            [
                "rendered in .5 s",
                "served in\x1c,3 ms",
                "in .",
                "IN\t,",
                "\u0131n .",
                "s\u0131d=abc",
                "٣",
                "K",
                "ſid=x",
                "built",
                "Rendered",
                " in",
                " ",
                "\x1c",
                ".",
                ",",
                "ms",
                "seconds",
                " s.",
            ]
        ),
        st.text(alphabet="abcinVIEW=:#?&0123 \t\x1c.,-_\u0130\u0131\u017f\u212a\u0663", max_size=12),
    ),
    max_size=8,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(SIGNED)
def test_strip_volatile_equals_every_pattern_applied(value):
    assert text.strip_volatile(value) == every_pattern(value)


@pytest.mark.parametrize(
    "value",
    [
        "Generated in . seconds",
        "page rendered in ,, ms",
        "Built in\x1c. s",
        "Views: 12 \u2014 hits 3",
        "csrf_token=abcdefgh12",
    ],
)
def test_tokens_without_digits_or_with_them_are_stripped(value):
    assert text.strip_volatile(value) != value
    assert text.strip_volatile(value) == every_pattern(value)


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet=st.characters(max_codepoint=0x2070), max_size=40)
    | st.text(alphabet="a \t\n\x00\x0b\x1c\x1f\x7f\x85\u200b", max_size=20)
)
def test_fold_equals_the_control_pattern_then_split(value):
    assert text.fold(value) == " ".join(text.CONTROL.sub("", value).split())
