"""Bot-wall markers are found in a page's bytes exactly when they are in its casefolded text."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from sources.text import decode_utf8
from watcher.net import botwall
from watcher.net.botwall import Folded, detect


def test_the_characters_that_fold_into_ascii_are_all_listed():
    folding = [
        chr(c)
        for c in range(128, sys.maxunicode + 1)
        if not 0xD800 <= c <= 0xDFFF and any(ord(x) < 128 for x in chr(c).casefold() + chr(c).lower())
    ]
    assert folding
    assert sorted(botwall.FOLDS_TO_ASCII) == folding


MARKERS = [*botwall.STRONG_MARKERS, *botwall.WALL_MARKERS, "captcha", "ss", "st", "fi", "k", "i", "ABC", "é"]
PIECES = st.one_of(
    st.sampled_from(MARKERS),
    st.sampled_from([m.upper() for m in MARKERS]),
    st.sampled_from(["ß", "İ", "ſ", "\u212a", "ﬁ", "ﬅ", "—", "›", "Σ", "é", "\u0307", "&#32;", "<b>", " "]),
    st.text(max_size=6),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join), st.sampled_from(MARKERS))
def test_a_marker_is_in_folded_exactly_when_in_the_casefolded_text(text, marker):
    for folded in (Folded(text), Folded(text, text.encode("utf-8", "surrogatepass"))):
        assert (marker.casefold() in folded) == (marker.casefold() in text.casefold())
        assert (marker in folded) == (marker in text.casefold())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(PIECES, max_size=12).map("".join),
    st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16", "cp500"]),
    st.sampled_from([None, "utf-8", "latin-1", "cp500"]),
)
def test_a_page_s_bytes_stand_for_its_text_only_when_they_are_its_utf8(text, encoding, declared):
    """`detect` searches the bytes it read instead of the text's UTF-8 when `decode_utf8`
    read them as well-formed UTF-8: then they are that UTF-8, byte for byte."""
    data = text.encode(encoding, "replace")
    decoded, utf8 = decode_utf8(data, declared)
    if utf8:
        assert decoded.encode("utf-8", "surrogatepass") == data


CHALLENGE = (
    "<html><head><title>Newsroom</title></head><body>"
    '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1"></script>'
    + "<p>An ordinary listing of notices and consultations, one after the other.</p>" * 80
    + "</body></html>"
)


def test_the_bytes_of_a_page_in_another_charset_are_not_searched_as_its_text():
    """The same bytes are a challenge page read as UTF-8 and gibberish read as EBCDIC
    (cp500): searching the bytes whenever the text decoded would call the second a wall."""
    data = CHALLENGE.encode("ascii")
    assert detect(200, {"content-type": "text/html; charset=utf-8"}, data) is not None
    assert detect(200, {"content-type": "text/html; charset=cp500"}, data) is None
    ebcdic = CHALLENGE.encode("cp500")
    wall = detect(200, {"content-type": "text/html; charset=cp500"}, ebcdic)
    assert wall is not None and wall.kind == "challenge"
