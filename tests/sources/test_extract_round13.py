"""The extraction worker's round 13 (issue 18, perfextract4) shortcuts answer as the general rules do.

`clean_text` tells a field needing only its whitespace folded by `0 in` and a `.`-guarded
`find` (not `bytes in bytes`, which first raises and clears a TypeError), and returns a
text longer than `FOLDED_AT` characters whose only whitespace is single spaces between
other characters as it is, instead of splitting and joining it. `new_item` makes the
`Item` the dataclass's `__init__` makes. The listing reads its page with `html.parse_plain`:
the tree `html.parse` reads, its elements lxml's own `_Element`s. Each is compared with the general rule: the rule
of `clean_text`'s own docstring, `clean_line` of the folded text, and `Item(...)`.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import listingcases
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from sources import html, text
from sources.listing import new_item
from watcher.errors import ExtractError, Reason
from watcher.model import FetchResult, Item

#: Words and the whitespace `str.split` splits at (and what it does not: NBSP, \x85 is not
#: ASCII), with signs and ` .` / ` ,` that send a field to the general path.
WORDS = st.sampled_from(["Guidance", "privacy", "data", "a", "of", "x.", "e,g", "rule", "in", "ok"])
SEPARATORS = st.sampled_from(
    [" ", " ", " ", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", " .", " ,", "\xa0", "1", "#"]
)


def general(raw: str, ignore: tuple[str, ...] = ()) -> str:
    return text.clean_line(" ".join(raw.split()), ignore)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(["", " ", "\n", "\t"]),
    st.lists(st.tuples(WORDS, SEPARATORS), min_size=0, max_size=14),
    WORDS,
    st.sampled_from(["", " ", "\n", "\t", "  "]),
)
def test_clean_text_of_words_and_whitespace_is_the_general_rule(head, pairs, last, tail):
    raw = head + "".join(word + separator for word, separator in pairs) + last + tail
    assert text.clean_text(raw) == general(raw)
    assert text.clean_text(raw, ("x+",)) == general(raw, ("x+",))


def test_clean_text_around_the_folded_length():
    """Texts either side of `FOLDED_AT`, folded already or not by one character."""
    for length in range(text.FOLDED_AT - 3, text.FOLDED_AT + 4):
        folded = ("word " * length)[: length - 1] + "z"
        assert len(folded) == length
        for raw in (
            folded,
            " " + folded,
            folded + " ",
            folded.replace(" ", "  ", 1),
            folded.replace(" ", "\t", 1),
            folded.replace(" ", "\n", 1),
            folded.replace(" ", "\r", 1),
            folded.replace(" ", "\x1c", 1),
            folded.replace(" ", " .", 1),
            folded.replace(" ", " ,", 1),
        ):
            assert text.clean_text(raw) == general(raw), repr(raw)


#: Render timings whose number is only `.` or `,` (no digit: the one kind of VOLATILE token
#: without a sign), long enough for the folded-text check, and the same without the timing.
TIMINGS = [
    "Page generated in . s by the content management system",
    "Page rendered in , ms for the whole newsroom listing",
    "Served in .. seconds from the regulator's own servers",
    "Built in\t. s, the listing of every notice of this year",
    "Processed in ., secs",
    "Page generated in: s by the content management system here",
    "Page generated in s. by the content management system here",
]


def test_render_timings_without_digits_are_stripped_as_before():
    for raw in TIMINGS:
        assert text.clean_text(raw) == general(raw), raw
    assert general(TIMINGS[0]) != TIMINGS[0]  # the general path does strip it


def test_a_folded_field_is_returned_as_it_is():
    """The shortcut is taken (the field is not made again) for a long folded field."""
    raw = "Guidance on the processing of health data by covered entities"
    assert text.clean_text(raw) is raw


def test_every_element_text_of_every_page_is_the_general_rule():
    """Every element's text of every test page and bench page (titles, summaries, whole blocks)."""
    fields = folded = 0
    for body in dict.fromkeys(case[1] for case in listingcases.cases()):
        root = html.parse_text(body.decode("utf-8", "replace"), "https://example.gov/")
        for element in root.iter():
            if isinstance(element.tag, str):
                raw = html.string_value(element)
                cleaned = text.clean_text(raw)
                assert cleaned == general(raw)
                fields += 1
                folded += cleaned is raw
    assert fields > 3000 and folded > 500


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=20),
    st.text(max_size=20),
    st.text(max_size=20),
    st.one_of(st.none(), st.text(max_size=10)),
)
def test_new_item_is_the_dataclass_item(key, title, link, date):
    made, general_item = new_item(key, title, link, date, title), Item(key, title, link, date, title)
    assert made == general_item and hash(made) == hash(general_item)
    assert list(made.__dict__.items()) == list(general_item.__dict__.items())
    assert pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL) == pickle.dumps(
        general_item, protocol=pickle.HIGHEST_PROTOCOL
    )


# --- The listing's tree with lxml's own element classes (`html.parse_plain`) -----------------


def fetched_page(body: bytes, url: str = "https://x.example.gov/news/") -> FetchResult:
    return FetchResult(url, url, 200, {"content-type": "text/html"}, body)


PAGES = Path(__file__).resolve().parents[1] / "pages"
#: The shared corpus's real HTML pages, where present (beside the clone, or on this machine).
CORPUS = next(
    (path for path in (PAGES.parents[2] / "shared" / "corpus", Path("/work/shared/corpus")) if path.is_dir()),
    None,
)


def page_bodies() -> list[bytes]:
    """Every HTML page of tests/pages and the bench pages, and the shared corpus's, as fetched."""
    found = dict.fromkeys(case[1] for case in listingcases.cases())
    found.update(dict.fromkeys(path.read_bytes() for path in sorted(PAGES.rglob("*.htm*"))))
    if CORPUS is not None:
        found.update(dict.fromkeys(path.read_bytes() for path in sorted(CORPUS.rglob("*.htm*"))))
    return list(found)


def test_the_plain_tree_is_the_html_tree():
    """Every page's tree read by `parse_plain` is the tree `parse` reads (the same nodes,
    text and attributes, after DROP), its elements lxml's own class; the listing reads it."""
    pages = 0
    for body in page_bodies():
        fetched = fetched_page(body)
        try:
            expected = etree.tostring(html.parse(fetched), method="c14n")
        except ExtractError as exc:
            with pytest.raises(ExtractError) as raised:
                html.parse_plain(fetched)
            assert (raised.value.reason, str(raised.value)) == (exc.reason, str(exc))
            continue
        plain = html.parse_plain(fetched)
        assert etree.tostring(plain, method="c14n") == expected
        assert {type(element) for element in plain.iter()} == {etree._Element}
        pages += 1
    assert pages > 40


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", Reason.EMPTY),
        (b" \n\t ", Reason.EMPTY),
        (b"<div>" * 400 + b"deep", Reason.TOO_DEEP),
    ],
)
def test_the_plain_parse_refuses_what_parse_refuses(body, reason):
    for parse in (html.parse, html.parse_plain):
        with pytest.raises(ExtractError) as raised:
            parse(fetched_page(body))
        assert raised.value.reason == reason
    # and a page read after a refused one is read whole again
    assert etree.tostring(html.parse_plain(fetched_page(b"<p>a</p>")), method="c14n") == etree.tostring(
        html.parse(fetched_page(b"<p>a</p>")), method="c14n"
    )
