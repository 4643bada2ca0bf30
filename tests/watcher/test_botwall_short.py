"""Telling a short page from a long one without reading all of it gives the answer the
whole page's visible text gives (watcher/net/botwall.py `is_short`)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.net import botwall
from watcher.net.botwall import is_short, visible_text

PIECES = st.one_of(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<a href='x>y'>",
            '<a title="a\nb">',
            ">",
            "<",
            "<<b>>",
            "<script>",
            "<script type='a'>",
            "</script>",
            "</script >",
            "<style>",
            "<STYLE >",
            "</style\n>",
            "<scriptx>",
            "&amp;",
            "&amp",
            "&amp>x;",
            "&lt>",
            "&#32;",
            "&#x41",
            "&#65>",
            "&nbsp;",
            "&",
            "&>",
            " ",
            "\n\t",
            "\xa0",
            "word",
            "é",
            # runs of text long enough for the lower bound to count (botwall.TEXT_RUN)
            "a run of text long enough to count",
            "  spaced   out  run \n of   text  here  ",
            "&amp; a run with a reference in it, not counted",
            "&foo>a run after a named reference's >",
            ">&#0000000000000000000000000000065;",
            ">&#32;&#32;&#32;&#32;&#32;&#32;&#32;&#32;",
        ]
    ),
    st.text(max_size=5),
)


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(PIECES, max_size=40).map("".join),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=12),
)
def test_is_short_agrees_with_the_whole_visible_text(text, limit, chunk):
    assert is_short(text, limit, chunk) == (len(visible_text(text)) <= limit)


def test_real_pages_are_told_apart_the_same_way():
    pages = sorted(Path(__file__).resolve().parents[1].joinpath("pages").rglob("*.htm*"))
    assert len(pages) >= 10
    for page in pages:
        text = page.read_bytes()[: botwall.SCAN_BYTES].decode("utf-8", "replace")
        for limit in (0, 200, botwall.SHORT_TEXT, 20_000):
            for chunk in (1, 64, botwall.SHORT_CHUNK):
                assert is_short(text, limit, chunk) == (len(visible_text(text)) <= limit), (
                    page,
                    limit,
                    chunk,
                )
