"""The extraction worker's round 13 (issue 18, perfextract4) shortcuts answer as the general rules do.

`clean_text` tells a field needing only its whitespace folded by `0 in` and a `.`-guarded
`find` (not `bytes in bytes`, which first raises and clears a TypeError), and returns a
text longer than `FOLDED_AT` characters whose only whitespace is single spaces between
other characters as it is, instead of splitting and joining it. `new_item` makes the
`Item` the dataclass's `__init__` makes. Each is compared with the general rule: the rule
of `clean_text`'s own docstring, `clean_line` of the folded text, and `Item(...)`.
"""

from __future__ import annotations

import pickle

import listingcases
from hypothesis import given, settings
from hypothesis import strategies as st

from sources import html, text
from watcher.model import Item, new_item

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
