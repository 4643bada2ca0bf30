"""The characters that fold into ASCII are found by their lead bytes exactly as by reading
the page's non-ASCII text whole (perfmain6): on real pages, the bench's, made texts, and
pages crowded with lead bytes that start other characters, in bounded time."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.watcher.test_botwall_same import bench_pages, read, real_pages
from watcher.net import botwall
from watcher.net.botwall import (
    FOLD_TRIES,
    FOLDS_BY_LEAD,
    FOLDS_TO_ASCII,
    SCAN_BYTES,
    Folded,
    _holds_folds_to_ascii_whole,
    detect,
    holds_folds_to_ascii,
)

ROOT = Path(__file__).resolve().parents[2]
#: The shared corpus beside the checkout (as CI lays it), or where REGWATCH_CORPUS says.
CORPUS = Path(os.environ.get("REGWATCH_CORPUS") or ROOT.parent / "shared" / "corpus")
#: Characters whose UTF-8 starts with one of the lead bytes of `FOLDS_TO_ASCII` (or is
#: near them) without being one: é à ß's neighbours, the dashes and quotes, Ġ, ƿ, Ḁ, ﬀ's
#: neighbours, the replacement character, a lone surrogate.
DECOYS = "éàÞàĀĿłŊǯǱḀẕẟ—–“”‘’…€™\u2129\u212b\ufaff\ufb07\ufb13\ufffd\ud800"


def encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass").lower()


def same(data: bytes) -> None:
    assert holds_folds_to_ascii(data) == _holds_folds_to_ascii_whole(data), data[:120]


def test_the_lead_table_holds_every_folding_character_once():
    listed = [e for _, encodings in FOLDS_BY_LEAD for e in encodings]
    assert sorted(listed) == sorted(c.encode() for c in FOLDS_TO_ASCII)
    assert all(e[0] == lead for lead, encodings in FOLDS_BY_LEAD for e in encodings)
    assert all(lead >= 0xC0 for lead, _ in FOLDS_BY_LEAD)  # never inside another character


def test_each_folding_character_is_found_wherever_it_stands_among_decoys():
    for c in FOLDS_TO_ASCII:
        for before in (0, 1, FOLD_TRIES - 1, FOLD_TRIES, FOLD_TRIES + 1, 200):
            for decoy in DECOYS:
                text = f"<p>{'ab' + decoy * before}{c}x</p>"
                assert holds_folds_to_ascii(encoded(text)), (c, decoy, before)
                same(encoded(text))
            same(encoded("x" + "".join(DECOYS) * before + c))
    for before in (0, FOLD_TRIES, 3 * FOLD_TRIES):
        without = "<p>" + DECOYS * before + "</p>"
        assert not holds_folds_to_ascii(encoded(without))
        same(encoded(without))


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(FOLDS_TO_ASCII),
            st.sampled_from(DECOYS),
            st.text(max_size=4),
            st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x2200), max_size=6),
        ),
        max_size=60,
    ).map("".join)
)
def test_the_same_answer_on_made_texts(text):
    data = encoded(text)
    same(data)
    assert holds_folds_to_ascii(data) == any(c in text for c in FOLDS_TO_ASCII)


def test_the_same_answer_on_real_and_bench_pages():
    pages = [read(path)[:SCAN_BYTES] for path in real_pages(ROOT / "tests" / "pages")]
    if CORPUS.is_dir():
        pages += [read(path)[:SCAN_BYTES] for path in real_pages(CORPUS)]
    pages += list(bench_pages(range(10)))
    utf8 = []
    for page in pages:
        try:
            page.decode("utf-8")
        except UnicodeDecodeError:
            continue
        utf8.append(page.lower())
    assert len(utf8) >= 40
    assert any(holds_folds_to_ascii(p) for p in utf8) and not all(holds_folds_to_ascii(p) for p in utf8)
    for page in utf8:
        same(page)


def test_a_page_with_few_lead_bytes_is_not_read_whole(monkeypatch):
    """A bench page (three em dashes) is answered by the lead bytes alone."""

    def whole(data: bytes) -> bool:
        raise AssertionError("read whole")

    monkeypatch.setattr(botwall, "_holds_folds_to_ascii_whole", whole)
    for body in bench_pages(range(3)):
        assert not body.isascii()
        assert detect(200, {"content-type": "text/html"}, body) is None
        assert not Folded(body.decode(), body)._has_folds_to_ascii(body.lower())


@pytest.mark.parametrize("decoy", ["é", "—", "\ufb07", "ſ"])
def test_pages_crowded_with_lead_bytes_take_bounded_time(decoy):
    body = ("<html><head><title>x</title></head><body><p>" + decoy * 150_000 + "</p></body></html>").encode()
    started = time.process_time()
    for _ in range(3):
        detect(200, {"content-type": "text/html"}, body)
        holds_folds_to_ascii(body)
    assert time.process_time() - started < 2.0
