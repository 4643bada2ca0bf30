"""Charset detection that survives wrong declarations, and normalization."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.text import clean_blocks, clean_line, decode, fold


@pytest.mark.parametrize(
    ("body", "declared", "expected"),
    [
        ("Déclaration".encode(), "utf-8", "Déclaration"),
        ("Déclaration".encode("cp1252"), None, "Déclaration"),  # no declaration, detected
        (b'<meta charset="windows-1252"><p>Caf\xe9 \x93quoted\x94</p>', None, "Café “quoted”"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">na\xefve', None, "naïve"),
        ("Straße".encode("cp1252"), "utf-8", "Straße"),  # wrong header: fall back to meta/detection
        (b"\xef\xbb\xbfBOM text", "iso-8859-1", "BOM text"),
        ("पारदर्शिता".encode(), None, "पारदर्शिता"),
    ],
)
def test_decode(body, declared, expected):
    assert expected in decode(body, declared)


def test_invalid_utf8_under_utf8_header_never_raises():
    text = decode(b"valid \xff\xfe\xfd invalid \xc3", "utf-8")
    assert "valid" in text and "invalid" in text


def test_fold_drops_controls_and_folds_space():
    assert fold("  a\t\n b\x00\x1b[31m c\u200b ") == "a b[31m c"


def test_clean_blocks_removes_ignored_and_volatile():
    blocks = clean_blocks(
        [
            "Rule text stays",
            "Page last reviewed: 3 March 2024",
            "csrf_token=8f7a9b0c1d2e3f4a5b6c",
            "  ",
            "Download /file.pdf?v=123456 now",
        ],
        ignore=["Page last reviewed: .*"],
    )
    assert blocks == ("Rule text stays", "Download /file.pdf? now")


def test_a_few_bad_bytes_in_utf8_do_not_turn_accents_into_mojibake():
    text = decode("Données de santé — Überblick ".encode() + b"\xff\xfe", "utf-8")
    assert text.startswith("Données de santé — Überblick ")
    assert decode("Straße".encode("cp1252") + b" \xe9t\xe9", "utf-8") == "Straße été"


@given(
    st.text(
        alphabet=st.sampled_from(list("ab csrf=token123456 view 12 views\t\n\x07\u00e9\u200b")), max_size=80
    )
)
def test_clean_line_without_ignore_is_clean_blocks(text):
    """clean_line's shortcut (no `ignore` patterns) gives what the general path gives."""
    cleaned = clean_blocks([text])
    assert clean_line(text) == (cleaned[0] if cleaned else "")
