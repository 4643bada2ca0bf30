"""`alerts.render.safe` leaves printable ASCII as it is without its two substitutions, and
makes every other text exactly what the substitutions made it before (perfmain6)."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

import alerts.render
from alerts.render import ANSI, CONTROL, FORMAT_CHARACTERS, safe


def substituted(text: str | None, limit: int = 500) -> str:
    """`safe` as it was: both substitutions on every text."""
    text = CONTROL.sub("", ANSI.sub("", text or ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def test_every_printable_ascii_character_and_nothing_else_is_left_alone_by_both_patterns():
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        plain = c.isascii() and c.isprintable()
        assert plain == (0x20 <= code <= 0x7E)
        if plain:
            assert not CONTROL.search(c) and not ANSI.search(c)
    # An escape sequence starts with ESC, which is neither printable nor kept.
    assert not "\x1b".isprintable() and CONTROL.search("\x1b")


def test_printable_ascii_skips_the_substitutions(monkeypatch):
    class Refusing:
        def sub(self, *args: object) -> str:
            raise AssertionError("substituted printable ASCII")

    monkeypatch.setattr(alerts.render, "ANSI", Refusing())
    monkeypatch.setattr(alerts.render, "CONTROL", Refusing())
    assert safe('p00-s00042: baseline - 50 items [change 7] ~`!@#$%^&*()_+{}|:"<>?') == (
        'p00-s00042: baseline - 50 items [change 7] ~`!@#$%^&*()_+{}|:"<>?'
    )
    assert safe("x" * 600, 10) == "x" * 9 + "…"
    assert safe(None) == "" and safe("") == ""


HOSTILE = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]0;title\x07",
        "\x1b]8;;http://evil\x1b\\",
        "\x1bP",
        "\x1b",
        "\t",
        "\n",
        "\r",
        "\x00",
        "\x7f",
        "\x85",
        "\x9b",
        "\u200b",
        "\u202e",
        "\u061c",
        "\ufeff",
        "\U000e0041",
        "—",
        "é",
        " ",
        "~",
        "\x1b[",
        "[31m",
    ]
)
TEXTS = st.lists(
    st.one_of(HOSTILE, st.text(max_size=8), st.sampled_from(FORMAT_CHARACTERS)), max_size=12
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(TEXTS, st.text(alphabet=st.characters(max_codepoint=0x7F))), st.integers(1, 40))
def test_safe_is_what_both_substitutions_made_of_any_text(text, limit):
    assert safe(text, limit) == substituted(text, limit)
    assert safe(text) == substituted(text)
