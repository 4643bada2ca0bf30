"""The bot-wall check gives exactly the verdicts it gave before it was made cheaper
(watcher/net/botwall.py `detect`, issue 18): the earlier code is kept here, whole, and both
are run over every page in tests/pages and the shared corpus (as 200, 403, 404 and 503
answers, whole and cut short, with and without configured markers), over the bench's
generated pages, over hypothesis-made pages built from the markers, titles, scripts,
entities and characters the check treats specially, and over hostile pages past the scanned
size (runs of `<`, `&` or whitespace, deep nesting, scripts only, hidden text), each read in
bounded time."""

from __future__ import annotations

import gzip
import html
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sources.text import decode
from watcher.net.botwall import (
    FOLDS_TO_ASCII,
    LOOKS_HTML,
    SCAN_BYTES,
    SCRIPT_OR_STYLE,
    SHORT_TEXT,
    SOFT_404_TITLES,
    STRONG_MARKERS,
    TAG,
    TITLE,
    TITLE_END,
    WALL_MARKERS,
    WALL_STATUSES,
    WALL_TITLES,
    Wall,
    detect,
)

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "tests" / "pages"
#: The shared corpus beside the checkout (as CI lays it), or where REGWATCH_CORPUS says.
CORPUS = Path(os.environ.get("REGWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")
OLD_SHORT_CHUNK = 2048

# ---- the check as it was (main fdee0cc), verbatim but for names ------------------------------


def old_detect(
    status: int, headers: Mapping[str, str], body: bytes, markers: Sequence[str] = ()
) -> Wall | None:
    """The wall this response is, or None when it looks like real content."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("cf-mitigated", "").lower() == "challenge":
        return Wall("challenge", "Cloudflare cf-mitigated: challenge")
    content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    head = body[:SCAN_BYTES]
    is_html = "html" in content_type or bool(LOOKS_HTML.match(head[:4096]))
    if not is_html and not markers:
        return None
    text = decode(head, _charset(lowered.get("content-type", "")))
    folded = _OldFolded(text)
    for marker in markers:
        if marker and marker.casefold() in folded:
            return Wall("marker", f"matched bot_markers entry {marker!r}")
    if not is_html:
        return None
    title = _title(text)
    for marker in STRONG_MARKERS:
        if marker in folded:
            return Wall("challenge", f"challenge script {marker!r}")
    short = is_short(text)
    for marker in WALL_TITLES:
        if marker in title and (short or status in WALL_STATUSES or len(title) <= len(marker) + 24):
            kind = "access denied" if marker in ("access denied", "403 forbidden") else "challenge"
            return Wall(kind, f"title {title[:80]!r}")
    if short or status in WALL_STATUSES:
        plain = visible_text(text).casefold()
        for marker in WALL_MARKERS:
            if marker in plain or marker in folded:
                return Wall("challenge" if "access" not in marker else "access denied", f"text {marker!r}")
    if status < 300:
        for marker in SOFT_404_TITLES:
            if marker in title:
                return Wall("soft 404", f"title {title[:80]!r}")
    return None


class _OldFolded:
    """`marker in _OldFolded(text)` is `marker in text.casefold()`, for a casefolded marker.

    Casefolding a 60 KB page that is not pure ASCII costs ~0.7 ms, and every page is searched
    for markers. The markers are ASCII, and an ASCII marker can only match ASCII characters:
    when the text has none of the few characters that fold into ASCII (`FOLDS_TO_ASCII`),
    its UTF-8 bytes with ASCII lowered have the same runs of ASCII, between non-ASCII bytes,
    as its casefolded form has between non-ASCII characters, and the search runs on them.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._bytes: bytes | None = None
        self._folded: str | None = None
        self._exact = not text.isascii() and any(c in text for c in FOLDS_TO_ASCII)

    def __contains__(self, marker: str) -> bool:
        if marker.isascii() and not self._exact:
            if self._bytes is None:
                self._bytes = self.text.encode("utf-8", "surrogatepass").lower()
            return marker.encode("ascii") in self._bytes
        if self._folded is None:
            self._folded = self.text.casefold()
        return marker in self._folded


def visible_text(text: str) -> str:
    """The page's text as a reader sees it: tags, scripts and styles gone, entities decoded,
    whitespace runs made one space."""
    return " ".join(html.unescape(strip_tags(text)).split())


def is_short(text: str, limit: int = SHORT_TEXT, chunk: int = OLD_SHORT_CHUNK) -> bool:
    """`len(visible_text(text)) <= limit`, mostly without reading the whole page.

    The page is read in pieces cut just after a `>`, scripts and styles skipped as
    `strip_tags` skips them, counting the characters that are not whitespace once tags are
    gone and entities decoded: no tag, entity reference or whitespace run straddles such a
    cut differently than in the whole text (a tag ends at its first `>`, entity names hold
    no `>`), so the count is the whole visible text's, less its separating spaces: a lower
    bound of its length. Once it passes `limit` the page is long (for a 60 KB listing that
    is a few KB in, ~0.1 instead of 0.35 ms); a page that never passes it is measured whole.
    """
    position, end, seen = 0, len(text), 0
    while position < end:
        found = SCRIPT_OR_STYLE.search(text, position)
        stop = found.start() if found else end
        while position < stop:
            cut = text.find(">", position + chunk, stop)
            piece_end = stop if cut < 0 else cut + 1
            seen += len("".join(html.unescape(TAG.sub(" ", text[position:piece_end])).split()))
            if seen > limit:
                return False
            position = piece_end
        if found is None:
            break
        closing = re.compile(rf"</{found.group(1)}\s*>", re.I).search(text, found.end())
        position = closing.end() if closing else end
    return len(visible_text(text)) <= limit


def strip_tags(text: str) -> str:
    """Text with tags, scripts and styles replaced by spaces, in one linear scan."""
    pieces = []
    position = 0
    while (found := SCRIPT_OR_STYLE.search(text, position)) is not None:
        pieces.append(TAG.sub(" ", text[position : found.start()]))
        closing = re.compile(rf"</{found.group(1)}\s*>", re.I).search(text, found.end())
        position = closing.end() if closing else len(text)
        pieces.append(" ")
    pieces.append(TAG.sub(" ", text[position:]))
    return "".join(pieces)


def _title(text: str) -> str:
    found = TITLE.search(text, 0, SCAN_BYTES)
    if not found:
        return ""
    end = TITLE_END.search(text, found.end(), SCAN_BYTES)
    if not end:
        return ""
    return " ".join(html.unescape(text[found.end() : end.start()]).split()).casefold()


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


# ---- the comparison ------------------------------------------------------------------------


def same(status: int, headers: Mapping[str, str], body: bytes, markers: Sequence[str] = ()) -> None:
    assert detect(status, headers, body, markers) == old_detect(status, headers, body, markers), (
        status,
        headers,
        markers,
        body[:200],
    )


def variants(body: bytes) -> Iterator[tuple[int, dict[str, str], bytes, tuple[str, ...]]]:
    html_type = {"content-type": "text/html; charset=utf-8"}
    for status in (200, 403, 404, 503):
        yield status, html_type, body, ()
    yield 200, {}, body, ()
    yield 200, {"content-type": "text/html; charset=iso-8859-1"}, body, ()
    yield 200, html_type, body, ("Reference", "ß", "the")
    for size in (600, 3000, 20_000):
        yield 200, html_type, body[:size], ()
        yield 403, html_type, body[:size], ()


def real_pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".md", ".toml", ".tsv"))


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def test_the_same_verdicts_on_every_page_in_tests_pages():
    paths = real_pages(PAGES)
    assert len(paths) >= 50
    for path in paths:
        for status, headers, body, markers in variants(read(path)):
            same(status, headers, body, markers)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside this checkout")
def test_the_same_verdicts_on_every_page_in_the_shared_corpus():
    paths = real_pages(CORPUS)
    assert len(paths) >= 300
    for path in paths:
        for status, headers, body, markers in variants(read(path)):
            same(status, headers, body, markers)


def bench_pages(indexes: Iterable[int]) -> list[bytes]:
    """The regulator-like listing pages the benchmark serves (bench/pages.py), these ones."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import pages
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return [pages.render(index, pages.initial_items(index, 7), 7).encode("utf-8") for index in indexes]


def test_the_same_verdicts_on_the_bench_pages():
    for body in bench_pages(range(0, 40, 3)):
        for status, headers, variant, markers in variants(body):
            same(status, headers, variant, markers)


PIECES = st.one_of(
    st.sampled_from(
        [
            *STRONG_MARKERS,
            *WALL_MARKERS,
            *[m.upper() for m in WALL_MARKERS[:8]],
            # markers found only in the casefolded text: a character folding into ASCII in them
            *[m.replace("s", "\u017f", 1) for m in (*STRONG_MARKERS, *WALL_MARKERS) if "s" in m],
            *[m.replace("ss", "\u00df", 1) for m in WALL_MARKERS if "ss" in m],
            *(f"<title>{t}</title>" for t in (*WALL_TITLES, *SOFT_404_TITLES)),
            "<title>Access Denied | a rather long site name for the title</title>",
            "<TITLE>Just a moment...</TITLE>",
            "<html>",
            "<!doctype html>",
            "<p>",
            "</p>",
            "<a href='x>y'>",
            "<script>",
            "</script>",
            "<STYLE >",
            "</style\n>",
            "<scriptx>",
            "&amp;",
            "&#32;",
            "&#35;",
            "&nbsp;",
            "&",
            " ",
            "\n",
            "\xa0",
            "word " * 40,
            "x" * 900,
            "é",
            "ß",
            "İ",
            "ſ",
            "\u212a",
            "ﬁ",
        ]
    ),
    st.text(max_size=5),
)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(PIECES, max_size=30).map("".join),
    st.sampled_from([200, 204, 301, 403, 404, 429, 503]),
    st.sampled_from([{}, {"content-type": "text/html"}, {"Content-Type": "text/plain; charset=latin-1"}]),
    st.sampled_from([(), ("captcha",), ("WORD WORD",), ("ſ",)]),
    st.sampled_from(["utf-8", "latin-1", "utf-16"]),
)
def test_the_same_verdicts_on_made_pages(text, status, headers, markers, encoding):
    same(status, headers, text.encode(encoding, "replace"), markers)


#: Pages built to be slow or confusing to read, each past SCAN_BYTES: runs of one character
#: the check's regexes treat specially, markup nested deep, scripts and styles only (closed
#: or not), text hidden from readers, markers scattered through a long page.
N = SCAN_BYTES + 10_000
HOSTILE = {
    "spaces": b"<html><title>x</title>" + b" " * N,
    "no-break spaces": b"<html><p>" + "\xa0".encode() * (N // 2),
    "zero-width": b"<html><p>" + "\u200b".encode() * (N // 3),
    "lt": b"<html>" + b"<" * N,
    "gt": b"<html>" + b">" * N,
    "amp": b"<html>" + b"&" * N,
    "entities": b"<html>" + b"&amp;" * (N // 5),
    "half entities": b"<html>" + b"&#" * (N // 2),
    "named no semicolon": b"<html>" + b"&nbsp" * (N // 5),
    "nested": b"<html>" + b"<div>" * (N // 5),
    "unclosed scripts": b"<html>" + b"<script>" * (N // 8),
    "closed scripts": b"<html>" + b"<script>x</script>" * (N // 18),
    "script of lt": b"<html><script>" + b"<" * N,
    "script of near closings": b"<html><script>" + b"</scrip" * (N // 7),
    "script closings with whitespace": b"<html>" + b"<script\n>" * (N // 9) + b"</script\t>",
    "style only": b"<html><style>" + b"a{b:c}" * (N // 6) + b"</style>",
    "hidden text": b"<html><title>Access Denied</title><div style='display:none'>"
    + b"word " * (N // 5)
    + b"</div>",
    "comments": b"<!---->" * (N // 7) + b"<html>",
    "open comments": b"<!--" * (N // 4),
    "unclosed title": b"<html><title>" + b"a" * N,
    "titles": b"<html>" + b"<title>" * (N // 7),
    "text runs": b"<html>" + (b">" + b"a" * 23) * (N // 24),
    "short runs": b"<html>" + b"<b>abc</b>" * (N // 10),
    "nul": b"<html>" + b"\x00" * N,
    "scattered markers": b"<html><title>x</title>" + b"reference #" * (N // 11),
    "long soft 404": b"<html><title>Page not found</title>" + b"<p>word</p>" * (N // 10),
    "folding characters": b"<html><title>x</title>" + "ß".encode() * (N // 2),
    "utf-16": ("<html><title>Just a moment</title>" + "x" * (N // 2)).encode("utf-16"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_same_verdicts_on_hostile_pages_in_bounded_time(name):
    body = HOSTILE[name]
    for status in (200, 403, 503):
        for headers in ({"content-type": "text/html; charset=utf-8"}, {}):
            for markers in ((), ("needle",)):
                started = time.monotonic()
                verdict = detect(status, headers, body, markers)
                assert time.monotonic() - started < 2.0, name  # ~50 ms at most on this machine
                assert verdict == old_detect(status, headers, body, markers), (name, status, headers)
