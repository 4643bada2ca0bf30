"""The bot-wall check tells long pages from short ones with a tighter, cheaper lower bound of
their visible text (watcher/net/botwall.py `short_visible_text`, `_counted`; issue 18) and
gives exactly the verdicts it gave before: main 3c8422f's module, kept whole in
tests/support/botwall_3c8422f.py, and this one are run over every page in tests/pages and the
shared corpus, the bench's pages, hypothesis-made pages and pages built to sit on the edges
the new bound relies on (runs cut by references, leading and non-ASCII whitespace, text just
at the limit, markers across the pieces' cuts and past the scanned size, folding characters,
hostile bodies)."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import botwall_3c8422f as before
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.watcher.test_botwall_same import bench_pages, read, real_pages, variants
from watcher.net import botwall
from watcher.net.botwall import (
    SCAN_BYTES,
    SHORT_CHUNK,
    SHORT_TEXT,
    STRONG_MARKERS,
    TEXT_RUN,
    WALL_MARKERS,
    WALL_TITLES,
    short_visible_text,
    visible_text,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"
#: The shared corpus beside the checkout (as CI lays it), or where REGWATCH_CORPUS says.
CORPUS = Path(os.environ.get("REGWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")


def verdict(module, status, headers, body, markers=()):  # type: ignore[no-untyped-def]
    """The verdict as plain data (each module has its own `Wall` class)."""
    wall = module.detect(status, headers, body, markers)
    return None if wall is None else (wall.kind, wall.evidence, wall.describe())


def same(status: int, headers: Mapping[str, str], body: bytes, markers: Sequence[str] = ()) -> None:
    assert verdict(botwall, status, headers, body, markers) == verdict(
        before, status, headers, body, markers
    ), (
        status,
        headers,
        markers,
        body[:200],
    )


def same_shortness(text: str) -> None:
    """The new `short_visible_text` and 3c8422f's give the same answer, at several limits."""
    for limit in (0, 100, 1000, SHORT_TEXT, 8000):
        assert short_visible_text(text, limit) == before.short_visible_text(text, limit), limit


def same_on_pages(root: Path, at_least: int) -> None:
    """Every page below `root` (at least `at_least`): the same verdicts and shortness."""
    paths = real_pages(root)
    assert len(paths) >= at_least
    for path in paths:
        body = read(path)
        for status, headers, variant, markers in variants(body):
            same(status, headers, variant, markers)
        same_shortness(body[:SCAN_BYTES].decode("utf-8", "replace"))


def test_the_same_verdicts_on_every_page_in_tests_pages():
    same_on_pages(PAGES, 50)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_the_same_verdicts_on_every_page_in_the_shared_corpus():
    same_on_pages(CORPUS, 300)


def test_the_same_verdicts_on_the_bench_pages():
    for body in bench_pages(range(30)):
        for status, headers, variant, markers in variants(body):
            same(status, headers, variant, markers)


# ---- the lower bound itself ----------------------------------------------------------------

RUN_PIECES = st.one_of(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<b>",
            ">",
            "<",
            "<a href='x>y'>",
            "<script>",
            "</script >",
            "<STYLE >",
            "</style\n>",
            "&amp;",
            "&amp",
            "&amp>x;",
            "&nbsp; ",
            "&nbsp;\xa0 ",
            "&#1;",
            "&#1; ",
            "&#32;",
            "&#0000000000000000000000065;",
            "&#x41",
            "&foo>",
            "& ",
            "&",
            " ",
            "  ",
            "\n\t",
            "\x0b\x0c\r\x1c\x1d\x1e\x1f",
            "\x85",
            "\xa0",
            "\u2003",
            "\u3000",
            "\u200b",
            "\x00",
            "é",
            "ſ",
            "\u212a",
            "ﬁ",
            "\u0307",
            "\ud800",
            "word",
            "a",
            "twelve chars",
            "eleven char",
            "a run of text long enough to count",
            "  spaced   out  run \n of   text  here  ",
            "\xa0\xa0leading no-break spaces then words",
            "é et à and some more words here",
            "words&nbsp;joined&nbsp;by&nbsp;references here",
        ]
    ),
    st.text(max_size=6),
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(RUN_PIECES, max_size=40).map("".join))
def test_what_the_runs_count_is_never_more_than_the_visible_text(text):
    """`_counted` is a lower bound of the visible text's length for any text outside scripts
    and styles (the pieces it is given): what makes the early "long" verdict exact."""
    assume(botwall.SCRIPT_OR_STYLE.search(text) is None)
    assert botwall._counted(TEXT_RUN.findall(text)) <= len(visible_text(text))
    # and so for every prefix of it cut just after a `>`, as the pieces are
    for cut in (m.end() for m in re.finditer(">", text)):
        assert botwall._counted(TEXT_RUN.findall(text, 0, cut)) <= len(visible_text(text))


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(RUN_PIECES, max_size=40).map("".join),
    st.integers(min_value=0, max_value=60),
    st.integers(min_value=0, max_value=12),
)
def test_short_visible_text_agrees_with_3c8422f_and_the_whole_text(text, limit, chunk):
    visible = visible_text(text)
    expected = visible if len(visible) <= limit else None
    assert short_visible_text(text, limit, chunk) == expected
    assert before.short_visible_text(text, limit, chunk) == expected


def test_whitespace_in_the_runs_regex_is_what_str_split_splits_at():
    """A run starts after `\\s*+`: the bound relies on no run starting with a character
    `str.split()` splits at (a group of whitespace at a run's start would stand for nothing)."""
    space = re.compile(r"\s")
    assert [c for c in range(sys.maxunicode + 1) if chr(c).isspace() != bool(space.match(chr(c)))] == []


def test_the_words_sketch_marks_every_byte_as_the_bound_needs():
    sketch = botwall.WORDS_SKETCH
    for byte in range(256):
        if byte == ord("<"):
            assert sketch[byte] == ord("<")
        elif byte >= 0x80 or chr(byte).isspace():
            assert sketch[byte] == ord(" "), byte
        else:
            assert sketch[byte] == ord("x"), byte


def listing(lines: int, cell: str) -> str:
    """A page whose visible text is `lines` table cells of `cell`, after a large head."""
    head = "<style>" + "a{b:c}\n" * 2000 + "</style><script>if(a<b){c()}</script>"
    rows = "".join(f"<tr><td>{cell}</td><td>{n}</td></tr>\n" for n in range(lines))
    return f"<html><head><title>Notices</title>{head}</head><body><table>{rows}</table></body></html>"


@pytest.mark.parametrize(
    "cell",
    [
        "&nbsp;Notice on data",  # a reference first: 3c8422f counted nothing of the run
        "Notice on a rule",  # a short run: under 3c8422f's 24 characters
        "Avis n\xb0 12 publi\xe9 le",  # non-ASCII letters: counted as gaps
    ],
)
def test_a_long_page_of_short_or_referenced_runs_is_told_long_without_its_whole_text(cell, monkeypatch):
    """The pages 3c8422f read whole to learn they were long (a third of the long HTML pages
    in the shared corpus): now decided from the runs, the visible text never built."""
    text = listing(700, cell)
    assert len(visible_text(text)) > 2 * SHORT_TEXT
    assert before.short_visible_text(text) is None
    built = []
    monkeypatch.setattr(botwall, "visible_text", lambda t: built.append(t) or visible_text(t))
    assert short_visible_text(text) is None
    assert built == []


def test_old_bound_read_these_pages_whole(monkeypatch):
    """The pages of the test above are ones 3c8422f did read whole (so the test shows a gain)."""
    for cell in ("&nbsp;Notice on data", "Notice on a rule"):
        built = []
        monkeypatch.setattr(before, "visible_text", lambda t, built=built: built.append(t) or visible_text(t))
        assert before.short_visible_text(listing(700, cell)) is None
        assert len(built) == 1


def at_the_limit(extra: int, title: str = "") -> str:
    """A page whose visible text is `SHORT_TEXT + extra` characters long, words separated by
    single spaces, in runs the bound counts whole (so it reaches the limit exactly)."""
    head = f"<title>{title}</title>" if title else ""
    start = f"<html>{head}<body><p>{' '.join(['abcd'] * 500)} "
    end = "</p></body></html>"
    have = len(visible_text(start + "y" + end))
    return start + "y" * (SHORT_TEXT + extra - have + 1) + end


@pytest.mark.parametrize("extra", [-1, 0, 1, 2])
@pytest.mark.parametrize("title", ["", "access denied", "Page not found"])
def test_pages_at_the_limit_are_told_apart_exactly(extra, title):
    text = at_the_limit(extra, title)
    assert len(visible_text(text)) == SHORT_TEXT + extra
    runs = TEXT_RUN.findall(text)
    # the bound is tight here but for the space between two runs
    assert botwall._counted(runs) == SHORT_TEXT + extra - (len(runs) - 1)
    assert (short_visible_text(text) is None) == (extra > 0)
    for status in (200, 403):
        same(status, {"content-type": "text/html"}, text.encode())


# ---- edges: markers across cuts and past the scanned size, folds, hostile bodies ----------


def around_cuts(marker: str) -> Iterator[bytes]:
    """Long and short pages with `marker` placed across each place a piece may be cut."""
    filler = "<p>" + "word " * 10 + "</p>"
    for long in (False, True):
        prefix = filler * (SHORT_CHUNK // len(filler))
        suffix = filler * (200 if long else 1)
        for shift in range(-len(marker) - 2, 3):
            at = SHORT_CHUNK + shift
            page = ("<html><title>x</title><body>" + prefix)[:at] + marker + prefix[at:] + suffix
            yield page.encode()
            yield ("<html><body>" + prefix[:at] + "<b>" + marker + "</b>" + suffix).encode()


@pytest.mark.parametrize("marker", [*STRONG_MARKERS, *WALL_MARKERS[:8], "<title>Access Denied</title>"])
def test_the_same_verdicts_with_markers_across_the_cuts(marker):
    variants_ = {marker, marker.upper(), marker.replace("s", "\u017f"), marker.replace("k", "\u212a")}
    for form in variants_:
        for body in around_cuts(form):
            for status in (200, 403):
                same(status, {"content-type": "text/html"}, body)
                same(status, {}, body, ("needle", form))


def test_the_same_verdicts_with_markers_just_past_the_scanned_size():
    for marker in (*STRONG_MARKERS, "verify you are human", "<title>Just a moment</title>"):
        for at in (SCAN_BYTES - len(marker) - 1, SCAN_BYTES - len(marker), SCAN_BYTES - 3, SCAN_BYTES):
            page = b"<html><body>" + b"x" * (at - 12) + marker.encode() + b"</body></html>"
            for status in (200, 503):
                same(status, {"content-type": "text/html"}, page)
                same(status, {"content-type": "text/html"}, page, ("ſ", marker))


N = SCAN_BYTES + 10_000
HOSTILE = {
    "tag-less text": b"<html>" + b"word " * (N // 5),
    "tag-less letters": b"<html>" + b"a" * N,
    "lt without gt": b"<html>" + b"<a" * (N // 2),
    "gt without lt": b"<html>" + b"> " * (N // 2),
    "gt and spaces": b"<html>" + (b">" + b" " * 40) * (N // 41),
    "gt then short text": b"<html>" + (b">" + b"a" * 11) * (N // 12),
    "references": b"<html><p>" + b"&nbsp; " * (N // 7),
    "references without space": b"<html><p>" + b"&nbsp;" * (N // 6),
    "long numeric references": b"<html><p>" + (b"&#" + b"0" * 100) * (N // 102),
    "amp and spaces": b"<html><p>" + b"& " * (N // 2),
    "no-break spaces": b"<html><p>" + "\xa0".encode() * (N // 2),
    "ideographic spaces and gt": b"<html>" + (">\u3000".encode()) * (N // 4),
    "folding characters": b"<html><title>x</title><p>" + "ſK".encode() * (N // 5),
    "non-ASCII words": b"<html><p>" + "\u00e9t\u00e9 ".encode() * (N // 6),
    "script of lt": b"<html><script>" + b"<" * N,
    "short runs in tags": b"<html>" + b"<b>abcdefghijk</b>" * (N // 18),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_same_verdicts_on_hostile_pages_in_bounded_time(name):
    body = HOSTILE[name]
    for status in (200, 403):
        for markers in ((), ("needle",)):
            started = time.monotonic()
            got = verdict(botwall, status, {"content-type": "text/html"}, body, markers)
            assert time.monotonic() - started < 2.0, name  # well under 0.1 s on this machine
            assert got == verdict(before, status, {"content-type": "text/html"}, body, markers), name
    text = body[:SCAN_BYTES].decode("utf-8", "replace")
    started = time.monotonic()
    short_visible_text(text)
    assert time.monotonic() - started < 2.0, name
    same_shortness(text)


PAGE_PIECES = st.one_of(
    RUN_PIECES,
    st.sampled_from(
        [
            *STRONG_MARKERS,
            *WALL_MARKERS,
            *[m.upper() for m in WALL_MARKERS[:6]],
            *[m.replace("s", "\u017f", 1) for m in (*STRONG_MARKERS, *WALL_MARKERS) if "s" in m],
            *(f"<title>{t}</title>" for t in WALL_TITLES[:6]),
            "<title>Page not found</title>",
            "<html>",
            "word " * 40,
            "x" * 900,
        ]
    ),
)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(PAGE_PIECES, max_size=30).map("".join),
    st.sampled_from([200, 301, 403, 404, 503]),
    st.sampled_from([{}, {"content-type": "text/html"}, {"Content-Type": "text/plain; charset=latin-1"}]),
    st.sampled_from([(), ("captcha",), ("ſ",)]),
    st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_the_same_verdicts_on_made_pages(text, status, headers, markers, encoding):
    same(status, headers, text.encode(encoding, "replace"), markers)
